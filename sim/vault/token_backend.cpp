// The auth/token/ backend: create, lookup, renew and revoke tokens.
#include <algorithm>

#include "common/json_util.hpp"
#include "vault/core.hpp"

namespace nc::vault_sim {
namespace {

bool hasRoot(const Token& t) {
  return std::find(t.policies.begin(), t.policies.end(), "root") != t.policies.end();
}

class TokenBackend final : public Backend {
 public:
  explicit TokenBackend(Core& core) : core_(core) {}

  Reply handle(Request& rq) override {
    const auto& p = rq.path;
    bool write = rq.op == "update" || rq.op == "create";
    if ((p == "create" || p == "create-orphan") && write) return create(rq, p == "create-orphan");
    if (p.rfind("create/", 0) == 0 && write) return Reply::fail(400, "unknown role " + p.substr(7));
    if (p == "lookup-self" && (rq.op == "read" || write)) return lookup(*rq.token);
    if (p == "lookup" && write) {
      Token* t = core_.tokens().lookup(rq.fields.strOr("token", ""), core_.now());
      if (!t) return Reply::fail(403, "bad token");
      return lookup(*t);
    }
    if (p == "lookup-accessor" && write) {
      Token* t = core_.tokens().lookupAccessor(rq.fields.strOr("accessor", ""), core_.now());
      if (!t) return Reply::fail(400, "invalid accessor");
      Reply r = lookup(*t);
      r.d()["id"].SetString("", r.alloc());
      return r;
    }
    if (p == "renew-self" && write) return renew(rq, *rq.token);
    if (p == "renew" && write) {
      Token* t = core_.tokens().lookup(rq.fields.strOr("token", ""), core_.now());
      if (!t) return Reply::fail(400, "invalid token");
      return renew(rq, *t);
    }
    if (p == "revoke-self" && write) {
      core_.tokens().revoke(rq.token->id);
      return Reply::noContent();
    }
    if (p == "revoke" && write) {
      core_.tokens().revoke(rq.fields.strOr("token", ""));
      return Reply::noContent();
    }
    if (p == "revoke-orphan" && write) {
      auto id = rq.fields.strOr("token", "");
      for (auto& [cid, t] : const_cast<std::map<std::string, Token>&>(core_.tokens().all()))
        if (t.parent == id) t.orphan = true;
      core_.tokens().revoke(id);
      return Reply::noContent();
    }
    return Reply::fail(404, "unsupported path");
  }

 private:
  Reply lookup(const Token& t) {
    Reply r;
    auto v = lookupJson(t, core_.now(), r.alloc());
    r.data.CopyFrom(v, r.alloc());
    return r;
  }

  Reply create(Request& rq, bool orphanPath) {
    const Token& caller = *rq.token;
    bool root = hasRoot(caller);
    auto& f = rq.fields;
    TokenParams p;
    auto policies = f.list("policies");
    if (!policies) return Reply::fail(400, policies.error().message);
    p.policies = policies->empty() ? caller.policies : *policies;
    if (policies->empty()) std::erase(p.policies, "default");
    auto noDefault = f.boolean("no_default_policy", false);
    auto noParent = f.boolean("no_parent", false);
    auto renewable = f.boolean("renewable", true);
    auto ttl = f.seconds("ttl", 0);
    auto explicitMax = f.seconds("explicit_max_ttl", 0);
    auto period = f.seconds("period", 0);
    auto numUses = f.integer("num_uses", 0);
    auto type = f.str("type", "service");
    auto display = f.str("display_name");
    auto meta = f.stringMap("meta");
    auto firstError = [](const auto&... rs) -> std::optional<std::string> {
      std::optional<std::string> msg;
      ((msg = (!msg && !rs) ? std::optional<std::string>(rs.error().message) : msg), ...);
      return msg;
    };
    if (auto e = firstError(noDefault, noParent, renewable, ttl, explicitMax, period, numUses, type,
                            display, meta))
      return Reply::fail(400, *e);
    if (!root) {
      for (const auto& pol : p.policies)
        if (pol != "default" &&
            std::find(caller.policies.begin(), caller.policies.end(), pol) == caller.policies.end())
          return Reply::fail(400, "child policies must be subset of parent");
      if (*noParent && !orphanPath)
        return Reply::fail(400, "root or sudo privileges required to create orphan token");
      if (*period > 0)
        return Reply::fail(400, "root or sudo privileges required to create periodic token");
      if (f.has("id"))
        return Reply::fail(400, "root or sudo privileges required to specify token id");
    }
    if (*type != "service" && *type != "batch")
      return Reply::fail(400, "invalid 'type' value \"" + *type + "\"");
    if (*type == "batch" && *period > 0) return Reply::fail(400, "batch tokens cannot be periodic");
    std::vector<std::string> warnings;
    for (const auto& pol : p.policies)
      if (pol != "root" && pol != "default" && !core_.policyText(pol))
        warnings.push_back("Policy \"" + pol + "\" does not exist");
    p.noDefaultPolicy = *noDefault;
    p.ttl = *ttl;
    p.explicitMaxTtl = *explicitMax;
    p.period = *period;
    p.numUses = *numUses;
    p.type = *type;
    p.renewable = *type == "batch" ? false : *renewable;
    p.meta = *meta;
    p.displayName = display->empty() ? "token" : "token-" + *display;
    p.orphan = orphanPath || *noParent;
    p.parent = p.orphan ? "" : caller.id;
    p.path = orphanPath ? "auth/token/create-orphan" : "auth/token/create";
    p.mount = core_.mountAt("auth/token/");
    Token& t = core_.issueToken(p, warnings);
    if (f.has("id") && root) {
      Token copy = t;
      core_.tokens().revoke(t.id);
      copy.id = f.strOr("id", copy.id);
      Token& stored = core_.tokens().add(std::move(copy));
      return authReply(stored, warnings);
    }
    return authReply(t, warnings);
  }

  Reply authReply(const Token& t, std::vector<std::string> warnings) {
    Reply r;
    r.warnings = std::move(warnings);
    auto v = authJson(t, t.creationTtl, r.auth.GetAllocator());
    r.auth.CopyFrom(v, r.auth.GetAllocator());
    return r;
  }

  Reply renew(Request& rq, Token& t) {
    if (!t.renewable || !t.expireTime) return Reply::fail(400, "lease is not renewable");
    auto inc = rq.fields.seconds("increment", 0);
    if (!inc) return Reply::fail(400, inc.error().message);
    auto now = core_.now();
    std::vector<std::string> warnings;
    std::int64_t ttl = t.period > 0 ? t.period : (*inc > 0 ? *inc : t.creationTtl);
    if (t.maxTtl > 0) {
      auto maxValid = t.creationTime + std::chrono::seconds(t.maxTtl);
      auto left = std::chrono::duration_cast<std::chrono::seconds>(maxValid - now).count();
      if (ttl > left) {
        warnings.push_back("TTL of \"" + goDuration(ttl) +
                           "\" exceeded the effective max_ttl of \"" +
                           goDuration(left > 0 ? left : 0) + "\"; TTL value is capped accordingly");
        ttl = left > 0 ? left : 0;
      }
    }
    t.expireTime = now + std::chrono::seconds(ttl);
    t.lastRenewal = now;
    Reply r = authReply(t, warnings);
    r.auth["lease_duration"].SetInt64(ttl);
    return r;
  }

  Core& core_;
};

}  // namespace

std::unique_ptr<Backend> makeTokenBackend(Core& core) {
  return std::make_unique<TokenBackend>(core);
}

}  // namespace nc::vault_sim
