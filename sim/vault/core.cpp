// Core state of the simulated Vault: mounts, policies, token issuing.
#include "vault/core.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace nc::vault_sim {

const char* const kDefaultPolicy = R"(# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its resultant ACL from all policies
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
)";

namespace {
constexpr std::int64_t kSystemTtl = 768 * 3600;

std::string hex8() {
  static thread_local std::mt19937 rng(std::random_device{}());
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rng()));
  return buf;
}
}  // namespace

Core::Core(ClockPtr clock, std::string rootToken, UrlFetcher fetcher)
    : clock_(std::move(clock)), rootToken_(std::move(rootToken)), fetcher_(std::move(fetcher)) {
  reset();
}

void Core::reset() {
  mounts_.clear();
  policies_.clear();
  parsed_.clear();
  entities_.clear();
  tokens_.clear();
  sealed = false;
  standby = false;
  clusterName = "vault-cluster-" + hex8();
  clusterId = uuid();
  auto builtin = [&](const std::string& key, const std::string& type, std::unique_ptr<Backend> b,
                     const std::string& desc) {
    auto m = std::make_unique<Mount>();
    m->path = key;
    m->type = type;
    m->description = desc;
    m->accessor = (key.rfind("auth/", 0) == 0 ? "auth_" : "") + type + "_" + hex8();
    m->uuid = uuid();
    m->backend = std::move(b);
    mounts_[key] = std::move(m);
  };
  builtin("sys/", "system", makeSystemBackend(*this),
          "system endpoints used for control, policy and debugging");
  builtin("auth/token/", "token", makeTokenBackend(*this), "token based credentials");
  setPolicy("default", kDefaultPolicy);
  Token root;
  root.id = rootToken_;
  root.policies = {"root"};
  root.displayName = "root";
  root.creationTime = now();
  root.orphan = true;
  root.renewable = false;
  root.path = "auth/token/root";
  tokens_.add(std::move(root));
}

Mount* Core::findMount(const std::string& path) {
  Mount* best = nullptr;
  for (auto& [key, m] : mounts_) {
    bool match = path.rfind(key, 0) == 0 || path + "/" == key;
    if (match && (!best || key.size() > best->path.size())) best = m.get();
  }
  return best;
}

Mount* Core::mountAt(const std::string& key) {
  auto it = mounts_.find(key);
  return it == mounts_.end() ? nullptr : it->second.get();
}

bool Core::disableMount(const std::string& key) {
  return mounts_.erase(key) > 0;
}

Result<Mount*> Core::enableMount(const std::string& rawPath, const std::string& type, bool auth) {
  std::string path = rawPath;
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty()) return makeError(errc::invalid_argument, "missing mount path");
  if (path.back() != '/') path += '/';
  std::string key = (auth ? "auth/" : "") + path;
  for (const auto& [k, m] : mounts_)
    if (key.rfind(k, 0) == 0 || k.rfind(key, 0) == 0)
      return makeError(errc::invalid_argument, "path is already in use at " + path);
  if (!auth && (path == "auth/" || path == "cubbyhole/" || path == "identity/" ||
                path.rfind("sys/", 0) == 0))
    return makeError(errc::invalid_argument, "cannot mount '" + path + "' of type '" + type + "'");
  std::unique_ptr<Backend> b;
  if (!auth && type == "pki")
    b = makePkiBackend(*this);
  else if (!auth && (type == "kv" || type == "generic"))
    b = makeKvBackend(*this);
  else if (auth && (type == "jwt" || type == "oidc"))
    b = makeJwtBackend(*this);
  else if (auth && type == "approle")
    b = makeAppRoleBackend(*this);
  else if (auth && type == "token")
    return makeError(errc::invalid_argument, "token credential backend cannot be instantiated");
  if (!b) return makeError(errc::invalid_argument, "plugin not found in the catalog: " + type);
  auto m = std::make_unique<Mount>();
  m->path = key;
  m->type = type;
  m->accessor = (auth ? "auth_" : "") + type + "_" + hex8();
  m->uuid = uuid();
  m->backend = std::move(b);
  auto* raw = m.get();
  mounts_[key] = std::move(m);
  return raw;
}

std::int64_t Core::defaultTtl(const Mount* m) const {
  std::int64_t d = m && m->defaultLeaseTtl > 0 ? m->defaultLeaseTtl : kSystemTtl;
  return std::min(d, maxTtl(m));
}

std::int64_t Core::maxTtl(const Mount* m) const {
  return m && m->maxLeaseTtl > 0 ? m->maxLeaseTtl : kSystemTtl;
}

Result<void> Core::setPolicy(const std::string& name, const std::string& text) {
  auto parsed = parsePolicy(text);
  if (!parsed) return parsed.error();
  policies_[name] = text;
  parsed_[name] = std::move(*parsed);
  return {};
}

const std::string* Core::policyText(const std::string& name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

bool Core::deletePolicy(const std::string& name) {
  parsed_.erase(name);
  return policies_.erase(name) > 0;
}

std::vector<std::string> Core::policyNames() const {
  std::vector<std::string> names;
  for (const auto& [n, t] : policies_) names.push_back(n);
  return names;
}

Acl Core::aclFor(const Token& t) const {
  std::vector<const ParsedPolicy*> ps;
  for (const auto& p : t.policies)
    if (auto it = parsed_.find(p); it != parsed_.end()) ps.push_back(&it->second);
  TemplateContext ctx;
  ctx.entityId = t.entityId;
  ctx.entityName = t.aliasName.empty() ? "" : "entity_" + t.entityId.substr(0, 8);
  if (!t.mountAccessor.empty()) {
    ctx.aliasMetadata[t.mountAccessor] = t.aliasMeta;
    ctx.aliasNames[t.mountAccessor] = t.aliasName;
  }
  return Acl(ps, &ctx);
}

std::string Core::entityFor(const std::string& mountAccessor, const std::string& aliasName) {
  auto key = mountAccessor + "\n" + aliasName;
  auto it = entities_.find(key);
  if (it != entities_.end()) return it->second;
  return entities_[key] = uuid();
}

Token& Core::issueToken(TokenParams p, std::vector<std::string>& warnings) {
  Token t;
  auto pol = p.policies;
  bool isRoot = std::find(pol.begin(), pol.end(), "root") != pol.end();
  if (!p.noDefaultPolicy && !isRoot) pol.push_back("default");
  std::sort(pol.begin(), pol.end());
  pol.erase(std::unique(pol.begin(), pol.end()), pol.end());
  t.policies = pol;
  t.meta = p.meta;
  t.displayName = p.displayName.empty() ? "token" : p.displayName;
  t.creationTime = now();
  t.explicitMaxTtl = p.explicitMaxTtl;
  t.period = p.period;
  t.numUses = p.numUses;
  t.orphan = p.orphan;
  t.renewable = p.renewable;
  t.path = p.path;
  t.type = p.type;
  t.parent = p.parent;
  if (p.mount) t.mountAccessor = p.mount->accessor;
  t.aliasName = p.aliasName;
  t.aliasMeta = p.aliasMeta;
  if (!p.aliasName.empty() && p.mount) t.entityId = entityFor(p.mount->accessor, p.aliasName);

  std::int64_t ttl = 0;
  if (!isRoot || p.ttl > 0 || p.period > 0) {
    std::int64_t max = maxTtl(p.mount);
    if (p.maxTtl > 0 && p.maxTtl < max) max = p.maxTtl;
    if (p.explicitMaxTtl > 0 && p.explicitMaxTtl < max) max = p.explicitMaxTtl;
    if (p.period > 0) {
      ttl = p.period;
      max = p.explicitMaxTtl;
      if (max > 0 && ttl > max) ttl = max;
    } else {
      ttl = p.ttl > 0 ? p.ttl : defaultTtl(p.mount);
      if (ttl > max) {
        warnings.push_back("TTL of \"" + goDuration(ttl) +
                           "\" exceeded the effective max_ttl of \"" + goDuration(max) +
                           "\"; TTL value is capped accordingly");
        ttl = max;
      }
    }
    t.maxTtl = max;
  }
  t.creationTtl = ttl;
  if (ttl > 0) t.expireTime = t.creationTime + std::chrono::seconds(ttl);
  return tokens_.add(std::move(t));
}

}  // namespace nc::vault_sim
