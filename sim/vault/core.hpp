// Shared state of the simulated Vault: mounts with their backends, policies, tokens, seal and
// HA state, and the services backends use (time, token issuing, JWKS fetching).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/server.hpp"
#include "vault/acl_policy.hpp"
#include "vault/fields.hpp"
#include "vault/reply.hpp"
#include "vault/token_store.hpp"

namespace nc::vault_sim {

class Core;
struct Mount;

/// One logical request as a backend sees it.
struct Request {
  std::string op;    ///< read | list | create | update | patch | delete
  std::string path;  ///< relative to the mount, no leading '/', list paths end in '/'
  Fields fields;
  Token* token = nullptr;  ///< nullptr on unauthenticated paths
  const http::ServerRequest* http = nullptr;
  Mount* mount = nullptr;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Reply handle(Request& req) = 0;
  /// Paths with an existence check: POST is "create" when absent, "update" when present.
  virtual std::optional<bool> exists(const std::string& /*path*/) { return std::nullopt; }
  virtual bool unauthenticated(const std::string& /*path*/) const { return false; }
  virtual bool needsSudo(const std::string& /*path*/) const { return false; }
  /// Persistent state for --state-file (JSON object); backends without state keep the default.
  virtual void saveState(rapidjson::Value& /*out*/,
                         rapidjson::Document::AllocatorType& /*a*/) const {}
  virtual void loadState(const rapidjson::Value& /*in*/) {}
};

struct Mount {
  std::string path;  ///< "pki/", "auth/jwt-nomad/", "sys/"
  std::string type;
  std::string description;
  std::string accessor;
  std::string uuid;
  std::int64_t defaultLeaseTtl = 0;  ///< 0 = system default
  std::int64_t maxLeaseTtl = 0;
  bool local = false;
  bool sealWrap = false;
  std::map<std::string, std::string> options;
  std::string tokenType = "default-service";
  std::unique_ptr<Backend> backend;
};

/// Fetches a URL's body (the JWKS); caPem may be empty. Blocking.
using UrlFetcher =
    std::function<Result<std::string>(const std::string& url, const std::string& caPem)>;

struct TokenParams {
  std::vector<std::string> policies;
  bool noDefaultPolicy = false;
  std::int64_t ttl = 0;
  std::int64_t maxTtl = 0;  ///< role/explicit max (0 = mount max)
  std::int64_t explicitMaxTtl = 0;
  std::int64_t period = 0;
  std::int64_t numUses = 0;
  std::map<std::string, std::string> meta;
  std::string displayName;
  std::string path;
  std::string type = "service";
  bool orphan = true;
  bool renewable = true;
  std::string parent;
  Mount* mount = nullptr;  ///< issuing auth mount (TTL defaults, alias)
  std::string aliasName;
  std::map<std::string, std::string> aliasMeta;
};

class Core {
 public:
  Core(ClockPtr clock, std::string rootToken, UrlFetcher fetcher);

  Clock::WallTime now() const { return clock_->now(); }
  const std::string& rootToken() const { return rootToken_; }
  UrlFetcher& fetcher() { return fetcher_; }

  /// Mount lookup by longest prefix of a logical path (e.g. "pki/issue/x" -> "pki/").
  Mount* findMount(const std::string& path);
  /// Creates a mount of a known type ("pki", "jwt", "approle", ...); errors are 400 texts.
  Result<Mount*> enableMount(const std::string& path, const std::string& type, bool auth);
  Mount* mountAt(const std::string& key);
  bool disableMount(const std::string& key);
  std::map<std::string, std::unique_ptr<Mount>>& mounts() { return mounts_; }

  std::int64_t defaultTtl(const Mount* m) const;
  std::int64_t maxTtl(const Mount* m) const;

  /// Policies: name -> text (root excluded). setPolicy validates.
  Result<void> setPolicy(const std::string& name, const std::string& text);
  const std::string* policyText(const std::string& name) const;
  bool deletePolicy(const std::string& name);
  std::vector<std::string> policyNames() const;
  /// The ACL for a token (merging its policies, templated paths resolved).
  Acl aclFor(const Token& t) const;

  TokenStore& tokens() { return tokens_; }
  /// Issues a token; warnings (TTL capped) are appended to `warnings`.
  Token& issueToken(TokenParams p, std::vector<std::string>& warnings);
  /// Stable entity id per (mount accessor, alias name).
  std::string entityFor(const std::string& mountAccessor, const std::string& aliasName);

  bool sealed = false;
  bool standby = false;
  std::string activeAddress;  ///< for 307s while standby
  std::string clusterName;
  std::string clusterId;
  std::string version = "1.19.3";

  /// Drops all state and re-creates the built-in mounts and policies.
  void reset();

 private:
  ClockPtr clock_;
  std::string rootToken_;
  UrlFetcher fetcher_;
  std::map<std::string, std::unique_ptr<Mount>> mounts_;
  std::map<std::string, std::string> policies_;
  std::map<std::string, ParsedPolicy> parsed_;
  std::map<std::string, std::string> entities_;
  TokenStore tokens_;
};

/// Backend factories (one file each).
std::unique_ptr<Backend> makeSystemBackend(Core& core);
std::unique_ptr<Backend> makeTokenBackend(Core& core);
std::unique_ptr<Backend> makePkiBackend(Core& core);
std::unique_ptr<Backend> makeJwtBackend(Core& core);
std::unique_ptr<Backend> makeAppRoleBackend(Core& core);
std::unique_ptr<Backend> makeKvBackend(Core& core);

/// The text Vault installs as the "default" policy (the parts the simulator needs).
extern const char* const kDefaultPolicy;

}  // namespace nc::vault_sim
