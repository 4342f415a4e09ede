// Tokens of the simulated Vault: creation, lookup with TTL expiry, renewal up to the max TTL,
// revocation (with children), and their JSON shapes (auth block, lookup data).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/clock.hpp"

namespace nc::vault_sim {

struct Token {
  std::string id;
  std::string accessor;
  std::vector<std::string> policies;  ///< sorted, deduplicated
  std::map<std::string, std::string> meta;
  std::string displayName = "token";
  Clock::WallTime creationTime;
  std::int64_t creationTtl = 0;  ///< seconds; 0 = never expires (root)
  std::int64_t explicitMaxTtl = 0;
  std::int64_t period = 0;
  std::int64_t numUses = 0;
  bool orphan = false;
  bool renewable = true;
  std::string path = "auth/token/create";
  std::string type = "service";
  std::optional<Clock::WallTime> expireTime;
  std::optional<Clock::WallTime> lastRenewal;
  std::string parent;
  std::string entityId;
  std::string mountAccessor;  ///< auth mount that issued it (for templated policies)
  std::string aliasName;
  std::map<std::string, std::string> aliasMeta;
  std::int64_t maxTtl = 0;  ///< effective max from creation (0 = none)
};

class TokenStore {
 public:
  /// Stores the token, generating id ("hvs." + 24 chars, unless set) and accessor.
  Token& add(Token t);
  /// Live token by id; expired tokens are removed and yield nullptr.
  Token* lookup(const std::string& id, Clock::WallTime now);
  Token* lookupAccessor(const std::string& accessor, Clock::WallTime now);
  /// Revokes the token and (non-orphan) children.
  // By value: callers often pass a reference into the token being erased.
  void revoke(std::string id);
  void clear() { tokens_.clear(); }
  std::size_t size() const { return tokens_.size(); }
  const std::map<std::string, Token>& all() const { return tokens_; }
  void restore(Token t) { tokens_[t.id] = std::move(t); }

 private:
  std::map<std::string, Token> tokens_;
};

/// Random token-ish string of n base62 characters.
std::string randomId(std::size_t n);
/// RFC 3339 with nanoseconds, as Go prints time.Time in JSON.
std::string rfc3339Nano(Clock::WallTime t);
std::int64_t unixSeconds(Clock::WallTime t);
/// Seconds left before expiry (0 for non-expiring).
std::int64_t remainingTtl(const Token& t, Clock::WallTime now);

/// The `auth` object of a login / create / renew response.
rapidjson::Value authJson(const Token& t, std::int64_t leaseDuration,
                          rapidjson::Document::AllocatorType& alloc);
/// The `data` of auth/token/lookup-self.
rapidjson::Value lookupJson(const Token& t, Clock::WallTime now,
                            rapidjson::Document::AllocatorType& alloc);

}  // namespace nc::vault_sim
