// The AppRole auth method (auth/<mount>/): roles, role-id, secret-id and login.
#include "common/json_util.hpp"
#include "vault/core.hpp"

namespace nc::vault_sim {
namespace {

struct SecretId {
  std::string accessor;
  Clock::WallTime created;
  std::int64_t ttl = 0;
  std::int64_t usesLeft = 0;  ///< 0 = unlimited
};

struct AppRole {
  std::string roleId;
  bool bindSecretId = true;
  std::int64_t secretIdTtl = 0, secretIdNumUses = 0;
  std::vector<std::string> tokenPolicies, tokenBoundCidrs, secretIdBoundCidrs;
  std::int64_t tokenTtl = 0, tokenMaxTtl = 0, tokenPeriod = 0, tokenExplicitMaxTtl = 0,
               tokenNumUses = 0;
  bool tokenNoDefaultPolicy = false;
  std::string tokenType = "default";
  std::map<std::string, SecretId> secretIds;  ///< secret id -> info
};

class AppRoleBackend final : public Backend {
 public:
  explicit AppRoleBackend(Core& core) : core_(core) {}
  bool unauthenticated(const std::string& path) const override { return path == "login"; }
  std::optional<bool> exists(const std::string& path) override {
    if (path.rfind("role/", 0) == 0 && path.find('/', 5) == std::string::npos)
      return roles_.count(toLower(path.substr(5))) > 0;
    return std::nullopt;
  }

  Reply handle(Request& rq) override {
    const auto& p = rq.path;
    bool write = rq.op == "update" || rq.op == "create";
    if (p == "login" && write) return login(rq);
    if ((p == "role/" || p == "role") && rq.op == "list") {
      std::vector<std::string> keys;
      for (const auto& [n, r] : roles_) keys.push_back(n);
      return Reply::list(keys);
    }
    if (p.rfind("role/", 0) != 0) return Reply::fail(404, "unsupported path");
    auto rest = p.substr(5);
    auto slash = rest.find('/');
    auto name = toLower(rest.substr(0, slash));
    auto sub = slash == std::string::npos ? "" : rest.substr(slash + 1);
    auto it = roles_.find(name);
    if (sub.empty()) return role(rq, name);
    if (it == roles_.end()) return Reply::fail(400, "role \"" + name + "\" does not exist");
    AppRole& r = it->second;
    if (sub == "role-id") {
      if (write) {
        auto id = rq.fields.strOr("role_id", "");
        if (id.empty()) return Reply::fail(400, "missing role_id");
        r.roleId = id;
        return Reply::noContent();
      }
      Reply out;
      sim::addString(out.d(), "role_id", r.roleId, out.alloc());
      return out;
    }
    if ((sub == "secret-id" || sub == "secret-id/") && rq.op == "list") {
      std::vector<std::string> keys;
      for (const auto& [id, s] : r.secretIds) keys.push_back(s.accessor);
      return Reply::list(keys);
    }
    if (sub == "secret-id" && write) {
      SecretId s;
      s.accessor = uuid();
      s.created = core_.now();
      s.ttl = r.secretIdTtl;
      s.usesLeft = r.secretIdNumUses;
      auto id = uuid();
      r.secretIds[id] = s;
      Reply out;
      auto& a = out.alloc();
      sim::addString(out.d(), "secret_id", id, a);
      sim::addString(out.d(), "secret_id_accessor", s.accessor, a);
      out.d().AddMember("secret_id_ttl", s.ttl, a);
      out.d().AddMember("secret_id_num_uses", s.usesLeft, a);
      return out;
    }
    return Reply::fail(404, "unsupported path");
  }

 private:
  Reply role(Request& rq, const std::string& name) {
    auto it = roles_.find(name);
    if (rq.op == "read") {
      if (it == roles_.end()) return Reply::failEmpty(404);
      const AppRole& r = it->second;
      Reply out;
      auto& a = out.alloc();
      auto& d = out.d();
      d.AddMember("bind_secret_id", r.bindSecretId, a);
      d.AddMember("local_secret_ids", false, a);
      d.AddMember("secret_id_bound_cidrs", sim::stringArray(r.secretIdBoundCidrs, a), a);
      d.AddMember("secret_id_num_uses", r.secretIdNumUses, a);
      d.AddMember("secret_id_ttl", r.secretIdTtl, a);
      d.AddMember("token_bound_cidrs", sim::stringArray(r.tokenBoundCidrs, a), a);
      d.AddMember("token_explicit_max_ttl", r.tokenExplicitMaxTtl, a);
      d.AddMember("token_max_ttl", r.tokenMaxTtl, a);
      d.AddMember("token_no_default_policy", r.tokenNoDefaultPolicy, a);
      d.AddMember("token_num_uses", r.tokenNumUses, a);
      d.AddMember("token_period", r.tokenPeriod, a);
      d.AddMember("token_policies", sim::stringArray(r.tokenPolicies, a), a);
      d.AddMember("token_ttl", r.tokenTtl, a);
      sim::addString(d, "token_type", r.tokenType, a);
      return out;
    }
    if (rq.op == "delete") {
      roles_.erase(name);
      return Reply::noContent();
    }
    if (rq.op != "update" && rq.op != "create") return Reply::fail(405, "unsupported operation");
    AppRole r = it == roles_.end() ? AppRole{} : it->second;
    if (r.roleId.empty()) r.roleId = uuid();
    auto& f = rq.fields;
    auto seconds = [&](const char* k, const char* legacy, std::int64_t& target) {
      const char* use = f.has(k) ? k : (legacy && f.has(legacy) ? legacy : nullptr);
      if (!use) return true;
      auto v = f.seconds(use, 0);
      if (v) target = *v;
      return v.has_value();
    };
    bool ok = seconds("token_ttl", "ttl", r.tokenTtl) &&
              seconds("token_max_ttl", "max_ttl", r.tokenMaxTtl) &&
              seconds("token_period", "period", r.tokenPeriod) &&
              seconds("token_explicit_max_ttl", nullptr, r.tokenExplicitMaxTtl) &&
              seconds("secret_id_ttl", nullptr, r.secretIdTtl);
    if (!ok) return Reply::fail(400, "Field validation failed: invalid duration");
    if (f.has("token_policies"))
      r.tokenPolicies = f.listOr("token_policies", r.tokenPolicies);
    else if (f.has("policies"))
      r.tokenPolicies = f.listOr("policies", r.tokenPolicies);
    r.bindSecretId = f.booleanOr("bind_secret_id", r.bindSecretId);
    r.secretIdNumUses = f.integerOr("secret_id_num_uses", r.secretIdNumUses);
    r.tokenNumUses = f.integerOr("token_num_uses", r.tokenNumUses);
    r.tokenNoDefaultPolicy = f.booleanOr("token_no_default_policy", r.tokenNoDefaultPolicy);
    r.tokenType = f.strOr("token_type", r.tokenType);
    if (r.tokenMaxTtl > 0 && r.tokenTtl > r.tokenMaxTtl)
      return Reply::fail(400, "'token_ttl' cannot be greater than 'token_max_ttl'");
    if (!r.bindSecretId && r.secretIdBoundCidrs.empty() && r.tokenBoundCidrs.empty())
      return Reply::fail(400, "at least one constraint should be enabled on the role");
    roles_[name] = std::move(r);
    return Reply::noContent();
  }

  Reply login(Request& rq) {
    auto roleId = rq.fields.strOr("role_id", "");
    if (roleId.empty()) return Reply::fail(400, "missing role_id");
    std::string name;
    AppRole* role = nullptr;
    for (auto& [n, r] : roles_)
      if (r.roleId == roleId) {
        name = n;
        role = &r;
      }
    if (!role) return Reply::fail(400, "invalid role or secret ID");
    if (role->bindSecretId) {
      auto sid = rq.fields.strOr("secret_id", "");
      if (sid.empty()) return Reply::fail(400, "missing secret_id");
      auto it = role->secretIds.find(sid);
      if (it == role->secretIds.end()) return Reply::fail(400, "invalid role or secret ID");
      if (it->second.ttl > 0 &&
          core_.now() > it->second.created + std::chrono::seconds(it->second.ttl)) {
        role->secretIds.erase(it);
        return Reply::fail(400, "invalid role or secret ID");
      }
      if (it->second.usesLeft > 0 && --it->second.usesLeft == 0) role->secretIds.erase(it);
    }
    TokenParams p;
    p.policies = role->tokenPolicies;
    p.noDefaultPolicy = role->tokenNoDefaultPolicy;
    p.ttl = role->tokenTtl;
    p.maxTtl = role->tokenMaxTtl;
    p.explicitMaxTtl = role->tokenExplicitMaxTtl;
    p.period = role->tokenPeriod;
    p.numUses = role->tokenNumUses;
    p.meta = {{"role_name", name}};
    p.displayName = "approle";
    p.path = rq.mount->path + "login";
    p.type = role->tokenType == "batch" ? "batch" : "service";
    p.mount = rq.mount;
    p.aliasName = role->roleId;
    std::vector<std::string> warnings;
    Token& t = core_.issueToken(p, warnings);
    Reply r;
    r.warnings = warnings;
    auto v = authJson(t, t.creationTtl, r.auth.GetAllocator());
    r.auth.CopyFrom(v, r.auth.GetAllocator());
    return r;
  }

  Core& core_;
  std::map<std::string, AppRole> roles_;
};

// A minimal KV version 1 engine, enough for policy tests on secret paths.
class KvBackend final : public Backend {
 public:
  Reply handle(Request& rq) override {
    auto p = rq.path;
    if (rq.op == "list") {
      std::vector<std::string> keys;
      for (const auto& [k, v] : data_)
        if (k.rfind(p == "/" ? "" : p, 0) == 0) {
          auto rest = k.substr(p == "/" ? 0 : p.size());
          auto slash = rest.find('/');
          auto key = slash == std::string::npos ? rest : rest.substr(0, slash + 1);
          if (keys.empty() || keys.back() != key) keys.push_back(key);
        }
      return Reply::list(keys);
    }
    if (rq.op == "read") {
      auto it = data_.find(p);
      if (it == data_.end()) return Reply::failEmpty(404);
      Reply r;
      r.data.Parse(it->second.c_str());
      r.leaseDuration = 2764800;
      return r;
    }
    if (rq.op == "delete") {
      data_.erase(p);
      return Reply::noContent();
    }
    data_[p] = sim::toJson(rq.fields.doc());
    return Reply::noContent();
  }

 private:
  std::map<std::string, std::string> data_;
};

}  // namespace

std::unique_ptr<Backend> makeAppRoleBackend(Core& core) {
  return std::make_unique<AppRoleBackend>(core);
}
std::unique_ptr<Backend> makeKvBackend(Core&) {
  return std::make_unique<KvBackend>();
}

}  // namespace nc::vault_sim
