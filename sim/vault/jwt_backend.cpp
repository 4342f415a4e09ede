// The JWT auth method (auth/<mount>/): config (with JWKS fetch on write), roles and login.
#include <algorithm>

#include "common/json_util.hpp"
#include "vault/core.hpp"
#include "vault/jwt_role.hpp"
#include "vault/jwt_verify.hpp"
#include "vault/name_rules.hpp"

namespace nc::vault_sim {
namespace {

struct JwtConfig {
  std::string oidcDiscoveryUrl, oidcDiscoveryCaPem, oidcClientId, oidcResponseMode, defaultRole;
  std::string jwksUrl, jwksCaPem, boundIssuer;
  std::vector<std::string> oidcResponseTypes, jwtValidationPubkeys, jwtSupportedAlgs;
  bool namespaceInState = true;
};

class JwtBackend final : public Backend {
 public:
  explicit JwtBackend(Core& core) : core_(core) {}

  bool unauthenticated(const std::string& path) const override { return path == "login"; }
  std::optional<bool> exists(const std::string& path) override {
    if (path.rfind("role/", 0) == 0) return roles_.count(toLower(path.substr(5))) > 0;
    return std::nullopt;
  }

  void saveState(rapidjson::Value& out, rapidjson::Document::AllocatorType& a) const override {
    if (config_) {
      rapidjson::Value c(rapidjson::kObjectType);
      sim::addString(c, "jwks_url", config_->jwksUrl, a);
      sim::addString(c, "jwks_ca_pem", config_->jwksCaPem, a);
      sim::addString(c, "bound_issuer", config_->boundIssuer, a);
      sim::addString(c, "default_role", config_->defaultRole, a);
      c.AddMember("jwt_validation_pubkeys", sim::stringArray(config_->jwtValidationPubkeys, a), a);
      c.AddMember("jwt_supported_algs", sim::stringArray(config_->jwtSupportedAlgs, a), a);
      out.AddMember("config", c, a);
    }
    rapidjson::Value roles(rapidjson::kObjectType);
    for (const auto& [n, r] : roles_)
      roles.AddMember(sim::stringValue(n, a), jwtRoleToJson(r, a), a);
    out.AddMember("roles", roles, a);
  }

  void loadState(const rapidjson::Value& in) override {
    if (!in.IsObject()) return;
    if (auto c = in.FindMember("config"); c != in.MemberEnd()) {
      Fields f;
      f.doc().CopyFrom(c->value, f.doc().GetAllocator());
      JwtConfig cfg;
      cfg.jwksUrl = f.strOr("jwks_url", "");
      cfg.jwksCaPem = f.strOr("jwks_ca_pem", "");
      cfg.boundIssuer = f.strOr("bound_issuer", "");
      cfg.defaultRole = f.strOr("default_role", "");
      cfg.jwtValidationPubkeys = f.listOr("jwt_validation_pubkeys", {});
      cfg.jwtSupportedAlgs = f.listOr("jwt_supported_algs", {});
      for (const auto& pem : cfg.jwtValidationPubkeys)
        if (auto k = parsePublicKeyPem(pem)) keys_.push_back({"", std::move(*k)});
      config_ = cfg;  // a jwks_url key set is fetched again at the first login
    }
    if (auto r = in.FindMember("roles"); r != in.MemberEnd() && r->value.IsObject())
      for (auto it = r->value.MemberBegin(); it != r->value.MemberEnd(); ++it) {
        Fields f;
        f.doc().CopyFrom(it->value, f.doc().GetAllocator());
        if (auto role = writeJwtRole(f, nullptr, 1LL << 40))
          roles_[it->name.GetString()] = role->role;
      }
  }

  Reply handle(Request& rq) override {
    const auto& p = rq.path;
    bool write = rq.op == "update" || rq.op == "create";
    if (p == "config") {
      if (rq.op == "read") return readConfig();
      if (write) return writeConfig(rq);
      return Reply::fail(405, "unsupported operation");
    }
    if (p == "role/" || p == "role") {
      if (rq.op != "list") return Reply::fail(405, "unsupported operation");
      std::vector<std::string> keys;
      for (const auto& [n, r] : roles_) keys.push_back(n);
      return Reply::list(keys);
    }
    if (p.rfind("role/", 0) == 0) return role(rq, toLower(p.substr(5)));
    if (p == "login" && write) return login(rq);
    return Reply::fail(404, "unsupported path");
  }

 private:
  Reply readConfig() {
    if (!config_) return Reply::failEmpty(404);
    const auto& c = *config_;
    Reply r;
    auto& a = r.alloc();
    auto& d = r.d();
    sim::addString(d, "oidc_discovery_url", c.oidcDiscoveryUrl, a);
    sim::addString(d, "oidc_discovery_ca_pem", c.oidcDiscoveryCaPem, a);
    sim::addString(d, "oidc_client_id", c.oidcClientId, a);
    sim::addString(d, "oidc_response_mode", c.oidcResponseMode, a);
    d.AddMember("oidc_response_types", sim::stringArray(c.oidcResponseTypes, a), a);
    sim::addString(d, "default_role", c.defaultRole, a);
    d.AddMember("jwt_validation_pubkeys", sim::stringArray(c.jwtValidationPubkeys, a), a);
    d.AddMember("jwt_supported_algs", sim::stringArray(c.jwtSupportedAlgs, a), a);
    sim::addString(d, "jwks_url", c.jwksUrl, a);
    d.AddMember("jwks_pairs", rapidjson::Value(rapidjson::kArrayType), a);
    sim::addString(d, "jwks_ca_pem", c.jwksCaPem, a);
    sim::addString(d, "bound_issuer", c.boundIssuer, a);
    d.AddMember("provider_config", rapidjson::Value(rapidjson::kObjectType), a);
    d.AddMember("namespace_in_state", c.namespaceInState, a);
    d.AddMember("unsupported_critical_cert_extensions", rapidjson::Value(rapidjson::kArrayType), a);
    return r;
  }

  Reply writeConfig(Request& rq) {
    auto& f = rq.fields;
    JwtConfig c;
    auto get = [&](const char* k, std::string& out) {
      auto v = f.str(k);
      if (v) out = *v;
      return v.has_value();
    };
    bool ok = get("oidc_discovery_url", c.oidcDiscoveryUrl) &&
              get("oidc_discovery_ca_pem", c.oidcDiscoveryCaPem) &&
              get("oidc_client_id", c.oidcClientId) &&
              get("oidc_response_mode", c.oidcResponseMode) && get("default_role", c.defaultRole) &&
              get("jwks_url", c.jwksUrl) && get("jwks_ca_pem", c.jwksCaPem) &&
              get("bound_issuer", c.boundIssuer);
    auto types = f.list("oidc_response_types");
    auto pubkeys = f.list("jwt_validation_pubkeys");
    auto algs = f.list("jwt_supported_algs");
    if (!ok || !types || !pubkeys || !algs)
      return Reply::fail(400, "Field validation failed: invalid config field");
    c.oidcResponseTypes = *types;
    c.jwtValidationPubkeys = *pubkeys;
    c.jwtSupportedAlgs = *algs;
    c.defaultRole = toLower(c.defaultRole);
    c.namespaceInState =
        f.booleanOr("namespace_in_state", config_ ? config_->namespaceInState : true);
    int methods =
        !c.jwtValidationPubkeys.empty() + !c.jwksUrl.empty() + !c.oidcDiscoveryUrl.empty() +
        (f.has("jwks_pairs") && f.raw("jwks_pairs")->IsArray() && !f.raw("jwks_pairs")->Empty());
    if (methods != 1)
      return Reply::fail(400,
                         "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or "
                         "'oidc_discovery_url' must be set");
    if (!c.oidcDiscoveryUrl.empty())
      return Reply::fail(400, "oidc_discovery_url is not supported by vault-sim; use jwks_url");
    for (const auto& alg : c.jwtSupportedAlgs) {
      static const char* known[] = {"RS256", "RS384", "RS512", "ES256", "ES384",
                                    "ES512", "PS256", "PS384", "PS512", "EdDSA"};
      if (std::find(std::begin(known), std::end(known), alg) == std::end(known))
        return Reply::fail(400, "Invalid supported algorithm: " + alg);
    }
    std::vector<JwtKey> keys;
    if (!c.jwksUrl.empty()) {
      if (!c.jwksCaPem.empty() && parseCertChain(c.jwksCaPem).empty())
        return Reply::fail(400, "error checking jwks_ca_pem: could not parse any PEM certificates");
      auto loaded = loadJwks(c);
      if (!loaded) return Reply::fail(400, "error checking jwks URL: " + loaded.error().message);
      keys = std::move(*loaded);
    } else {
      for (const auto& pem : c.jwtValidationPubkeys) {
        auto k = parsePublicKeyPem(pem);
        if (!k) return Reply::fail(400, "error parsing public key: " + k.error().message);
        keys.push_back({"", std::move(*k)});
      }
    }
    config_ = c;
    keys_ = std::move(keys);
    return Reply::noContent();
  }

  Result<std::vector<JwtKey>> loadJwks(const JwtConfig& c) {
    if (!core_.fetcher()) return makeError(errc::not_implemented, "fetching URLs is not available");
    auto body = core_.fetcher()(c.jwksUrl, c.jwksCaPem);
    if (!body) return body.error();
    auto keys = parseJwks(*body);
    if (!keys) return keys.error();
    return keys;
  }

  Reply role(Request& rq, const std::string& name) {
    auto it = roles_.find(name);
    if (rq.op == "read") {
      if (it == roles_.end()) return Reply::failEmpty(404);
      Reply r;
      auto v = jwtRoleToJson(it->second, r.alloc());
      r.data.CopyFrom(v, r.alloc());
      return r;
    }
    if (rq.op == "delete") {
      roles_.erase(name);
      return Reply::noContent();
    }
    if (rq.op != "update" && rq.op != "create") return Reply::fail(405, "unsupported operation");
    auto res =
        writeJwtRole(rq.fields, it == roles_.end() ? nullptr : &it->second, core_.maxTtl(rq.mount));
    if (!res) return Reply::fail(400, res.error().message);
    roles_[name] = res->role;
    Reply r;
    r.warnings = res->warnings;
    return r;
  }

  Reply login(Request& rq) {
    if (!config_) return Reply::fail(400, "could not load configuration");
    auto roleName = toLower(rq.fields.strOr("role", ""));
    if (roleName.empty()) roleName = config_->defaultRole;
    if (roleName.empty()) return Reply::fail(400, "missing role");
    auto it = roles_.find(roleName);
    if (it == roles_.end()) return Reply::fail(400, "role \"" + roleName + "\" could not be found");
    const JwtRole& role = it->second;
    if (role.roleType == "oidc") return Reply::fail(400, "role with oidc role_type is not allowed");
    auto jwt = rq.fields.strOr("jwt", "");
    if (jwt.empty()) return Reply::fail(400, "missing token");

    JwtExpectations ex;
    ex.algorithms = config_->jwtSupportedAlgs;
    ex.issuer = config_->boundIssuer;
    ex.subject = role.boundSubject;
    ex.audiences = role.boundAudiences.value_or(std::vector<std::string>{});
    ex.now = unixSeconds(core_.now());
    auto leeway = [](std::int64_t v, std::int64_t def) { return v == 0 ? def : v < 0 ? 0 : v; };
    ex.expLeeway = leeway(role.expirationLeeway, 150);
    ex.nbfLeeway = leeway(role.notBeforeLeeway, 150);
    ex.clockSkew = leeway(role.clockSkewLeeway, 60);
    rapidjson::Document claims;
    auto verified = verifyJwt(jwt, keys_, ex, claims);
    if (!verified && !config_->jwksUrl.empty()) {
      // Vault's remote key set refetches when it sees an unknown key.
      if (auto fresh = loadJwks(*config_)) {
        keys_ = std::move(*fresh);
        verified = verifyJwt(jwt, keys_, ex, claims);
      }
    }
    if (!verified) return Reply::fail(400, "error validating token: " + verified.error().message);
    if (auto aud = claims.FindMember("aud");
        aud != claims.MemberEnd() && ex.audiences.empty() &&
        ((aud->value.IsArray() && !aud->value.Empty()) || aud->value.IsString()))
      return Reply::fail(400, "audience claim found in JWT but no audiences bound to the role");
    const rapidjson::Value* user =
        role.userClaimJsonPointer
            ? getClaim(claims, role.userClaim)
            : (claims.HasMember(role.userClaim.c_str()) ? &claims[role.userClaim.c_str()]
                                                        : nullptr);
    if (!user) return Reply::fail(400, "claim \"" + role.userClaim + "\" not found in token");
    std::string userName;
    if (user->IsString())
      userName = user->GetString();
    else if (user->IsNumber())
      userName = sim::toJson(*user);
    else
      return Reply::fail(400, "claim \"" + role.userClaim + "\" could not be converted to string");
    std::map<std::string, std::string> meta;
    if (role.claimMappings)
      for (const auto& [src, dst] : *role.claimMappings) {
        const auto* v = getClaim(claims, src);
        if (!v) continue;
        if (v->IsString())
          meta[dst] = v->GetString();
        else if (v->IsNumber() || v->IsBool())
          meta[dst] = sim::toJson(*v);
        else
          return Reply::fail(400, "error converting claim '" + src + "' to string");
      }
    if (auto e = checkBoundClaims(role, claims); !e)
      return Reply::fail(400, "error validating claims: " + e.error().message);

    TokenParams p;
    p.policies = role.tokenPolicies;
    p.noDefaultPolicy = role.tokenNoDefaultPolicy;
    p.ttl = role.tokenTtl;
    p.maxTtl = role.tokenMaxTtl;
    p.explicitMaxTtl = role.tokenExplicitMaxTtl;
    p.period = role.tokenPeriod;
    p.numUses = role.tokenNumUses;
    p.meta = meta;
    p.meta["role"] = roleName;
    p.displayName = rq.mount->path.substr(5, rq.mount->path.size() - 6) + "-" + userName;
    p.path = rq.mount->path + "login";
    p.type = role.tokenType == "batch" || role.tokenType == "default-batch" ? "batch" : "service";
    p.orphan = true;
    p.mount = rq.mount;
    p.aliasName = userName;
    p.aliasMeta = meta;
    std::vector<std::string> warnings;
    Token& t = core_.issueToken(p, warnings);
    Reply r;
    r.warnings = warnings;
    auto v = authJson(t, t.creationTtl, r.auth.GetAllocator());
    r.auth.CopyFrom(v, r.auth.GetAllocator());
    return r;
  }

  static Result<void> checkBoundClaims(const JwtRole& role, const rapidjson::Value& claims) {
    if (!role.boundClaims.IsObject()) return {};
    bool glob = role.boundClaimsType == "glob";
    for (auto it = role.boundClaims.MemberBegin(); it != role.boundClaims.MemberEnd(); ++it) {
      std::string name = it->name.GetString();
      const auto* actual = getClaim(claims, name);
      if (!actual) return makeError(errc::invalid_argument, "claim \"" + name + "\" is missing");
      auto asStrings = [](const rapidjson::Value& v) {
        std::vector<std::string> out;
        auto one = [&](const rapidjson::Value& x) {
          out.push_back(x.IsString() ? x.GetString() : sim::toJson(x));
        };
        if (v.IsArray())
          for (const auto& x : v.GetArray()) one(x);
        else
          one(v);
        return out;
      };
      auto actuals = asStrings(*actual), expected = asStrings(it->value);
      bool match = false;
      for (const auto& e : expected)
        for (const auto& a : actuals) match = match || (glob ? goGlob(e, a) : e == a);
      if (!match)
        return makeError(errc::invalid_argument,
                         "claim \"" + name + "\" does not match any associated bound claim values");
    }
    return {};
  }

  Core& core_;
  std::optional<JwtConfig> config_;
  std::vector<JwtKey> keys_;
  std::map<std::string, JwtRole> roles_;
};

}  // namespace

std::unique_ptr<Backend> makeJwtBackend(Core& core) {
  return std::make_unique<JwtBackend>(core);
}

}  // namespace nc::vault_sim
