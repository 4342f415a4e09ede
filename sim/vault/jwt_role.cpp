// JWT auth role write/read semantics.
#include "vault/jwt_role.hpp"

#include <set>

#include "common/json_util.hpp"

namespace nc::vault_sim {

JwtRole& JwtRole::operator=(const JwtRole& o) {
  if (this == &o) return *this;
  roleType = o.roleType;
  boundAudiences = o.boundAudiences;
  boundSubject = o.boundSubject;
  boundClaimsType = o.boundClaimsType;
  boundClaims.CopyFrom(o.boundClaims, boundClaims.GetAllocator());
  claimMappings = o.claimMappings;
  userClaim = o.userClaim;
  userClaimJsonPointer = o.userClaimJsonPointer;
  groupsClaim = o.groupsClaim;
  allowedRedirectUris = o.allowedRedirectUris;
  oidcScopes = o.oidcScopes;
  verboseOidcLogging = o.verboseOidcLogging;
  maxAge = o.maxAge;
  expirationLeeway = o.expirationLeeway;
  notBeforeLeeway = o.notBeforeLeeway;
  clockSkewLeeway = o.clockSkewLeeway;
  tokenBoundCidrs = o.tokenBoundCidrs;
  tokenExplicitMaxTtl = o.tokenExplicitMaxTtl;
  tokenMaxTtl = o.tokenMaxTtl;
  tokenTtl = o.tokenTtl;
  tokenPeriod = o.tokenPeriod;
  tokenNoDefaultPolicy = o.tokenNoDefaultPolicy;
  tokenNumUses = o.tokenNumUses;
  tokenPolicies = o.tokenPolicies;
  tokenType = o.tokenType;
  return *this;
}

namespace {
Error bad(std::string m) {
  return makeError(errc::invalid_argument, std::move(m));
}
}  // namespace

Result<JwtRoleWrite> writeJwtRole(const Fields& f, const JwtRole* existing, std::int64_t mountMax) {
  JwtRoleWrite out;
  JwtRole& r = out.role;
  if (existing) r = *existing;
#define NC_GET(expr, target)    \
  {                             \
    auto v_ = (expr);           \
    if (!v_) return v_.error(); \
    target = std::move(*v_);    \
  }
  // Checked first, as Vault does. The quirk: an absent role_type resets to "oidc" (no merge).
  NC_GET(f.str("role_type", "oidc"), r.roleType);
  if (r.roleType.empty()) r.roleType = "oidc";
  if (r.roleType != "jwt" && r.roleType != "oidc") return bad("invalid 'role_type': " + r.roleType);
  // Token fields (tokenutil): the token_* names win over the deprecated aliases.
  auto pickSeconds = [&](const char* name, const char* legacy,
                         std::int64_t& target) -> Result<void> {
    if (f.has(name))
      NC_GET(f.seconds(name, 0), target)
    else if (f.has(legacy))
      NC_GET(f.seconds(legacy, 0), target)
    return {};
  };
  if (auto e = pickSeconds("token_ttl", "ttl", r.tokenTtl); !e) return e.error();
  if (auto e = pickSeconds("token_max_ttl", "max_ttl", r.tokenMaxTtl); !e) return e.error();
  if (auto e = pickSeconds("token_period", "period", r.tokenPeriod); !e) return e.error();
  NC_GET(f.seconds("token_explicit_max_ttl", r.tokenExplicitMaxTtl), r.tokenExplicitMaxTtl);
  if (f.has("token_policies"))
    NC_GET(f.list("token_policies"), r.tokenPolicies)
  else if (f.has("policies"))
    NC_GET(f.list("policies"), r.tokenPolicies)
  if (f.has("token_bound_cidrs"))
    NC_GET(f.list("token_bound_cidrs"), r.tokenBoundCidrs)
  else if (f.has("bound_cidrs"))
    NC_GET(f.list("bound_cidrs"), r.tokenBoundCidrs)
  if (f.has("token_num_uses"))
    NC_GET(f.integer("token_num_uses", 0), r.tokenNumUses)
  else if (f.has("num_uses"))
    NC_GET(f.integer("num_uses", 0), r.tokenNumUses)
  NC_GET(f.boolean("token_no_default_policy", r.tokenNoDefaultPolicy), r.tokenNoDefaultPolicy);
  NC_GET(f.str("token_type", r.tokenType), r.tokenType);
  if (r.tokenType.empty()) r.tokenType = "default";
  if (r.tokenType != "default" && r.tokenType != "service" && r.tokenType != "batch" &&
      r.tokenType != "default-service" && r.tokenType != "default-batch")
    return bad("invalid 'token_type' value \"" + r.tokenType + "\"");
  if (r.tokenMaxTtl > 0 && r.tokenTtl > r.tokenMaxTtl)
    return bad("'token_ttl' cannot be greater than 'token_max_ttl'");
  if (r.tokenNumUses < 0) return bad("'token_num_uses' cannot be negative");
  if (r.tokenType == "batch" && r.tokenPeriod > 0)
    return bad(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  if (r.tokenType == "batch" && r.tokenNumUses > 0)
    return bad(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with "
        "limited use count");
  if (r.tokenPeriod > mountMax)
    // Vault formats both durations with %q inside the quotes: '"720h0m0s"'.
    return bad("'period' of '\"" + goDuration(r.tokenPeriod) +
               "\"' is greater than the backend's maximum lease TTL of '\"" + goDuration(mountMax) +
               "\"'");
  if (r.tokenMaxTtl > mountMax)
    out.warnings.push_back(
        "token max ttl is greater than the system or backend mount's maximum TTL value; issued "
        "tokens' max TTL value will be truncated");

  // The other quirk: an absent bound_claims_type resets to "string".
  NC_GET(f.str("bound_claims_type", "string"), r.boundClaimsType);
  if (r.boundClaimsType.empty()) r.boundClaimsType = "string";
  if (r.boundClaimsType != "string" && r.boundClaimsType != "glob")
    return bad("invalid 'bound_claims_type': " + r.boundClaimsType);

  NC_GET(f.seconds("expiration_leeway", r.expirationLeeway), r.expirationLeeway);
  NC_GET(f.seconds("not_before_leeway", r.notBeforeLeeway), r.notBeforeLeeway);
  NC_GET(f.seconds("clock_skew_leeway", r.clockSkewLeeway), r.clockSkewLeeway);
  NC_GET(f.seconds("max_age", r.maxAge), r.maxAge);
  if (f.has("bound_audiences") && !f.raw("bound_audiences")->IsNull()) {
    std::vector<std::string> v;
    NC_GET(f.list("bound_audiences"), v);
    r.boundAudiences = v;
  }
  NC_GET(f.str("bound_subject", r.boundSubject), r.boundSubject);
  if (const auto* bc = f.raw("bound_claims")) {
    if (!bc->IsObject() && !bc->IsNull()) return bad("'bound_claims' must be a map");
    if (bc->IsObject())
      for (auto it = bc->MemberBegin(); it != bc->MemberEnd(); ++it) {
        const auto& v = it->value;
        bool ok = v.IsString() || v.IsNumber() || v.IsBool();
        if (v.IsArray()) {
          ok = true;
          for (const auto& x : v.GetArray())
            ok = ok && (x.IsString() || x.IsNumber() || x.IsBool());
        }
        if (!ok) return bad("claim is not a string or list: " + sim::toJson(v));
        if (r.boundClaimsType == "glob" && !v.IsString() && !v.IsArray())
          return bad("claim is not a string or list: " + sim::toJson(v));
      }
    r.boundClaims.CopyFrom(*bc, r.boundClaims.GetAllocator());
  }
  if (f.has("claim_mappings") && !f.raw("claim_mappings")->IsNull()) {
    std::map<std::string, std::string> m;
    NC_GET(f.stringMap("claim_mappings"), m);
    std::set<std::string> targets;
    for (const auto& [src, dst] : m) {
      if (dst == "role")
        return bad("metadata key \"role\" is reserved and may not be a mapping destination");
      if (!targets.insert(dst).second)
        return bad("multiple keys are mapped to metadata key \"" + dst + "\"");
    }
    r.claimMappings = m;
  }
  NC_GET(f.str("user_claim", r.userClaim), r.userClaim);
  if (r.userClaim.empty()) return bad("a user claim must be defined on the role");
  NC_GET(f.boolean("user_claim_json_pointer", r.userClaimJsonPointer), r.userClaimJsonPointer);
  NC_GET(f.str("groups_claim", r.groupsClaim), r.groupsClaim);
  if (f.has("oidc_scopes") && !f.raw("oidc_scopes")->IsNull()) {
    std::vector<std::string> v;
    NC_GET(f.list("oidc_scopes"), v);
    r.oidcScopes = v;
  }
  if (f.has("allowed_redirect_uris") && !f.raw("allowed_redirect_uris")->IsNull()) {
    std::vector<std::string> v;
    NC_GET(f.list("allowed_redirect_uris"), v);
    r.allowedRedirectUris = v;
  }
  NC_GET(f.boolean("verbose_oidc_logging", r.verboseOidcLogging), r.verboseOidcLogging);
#undef NC_GET
  if (r.roleType == "jwt") {
    bool noClaims = !r.boundClaims.IsObject() || r.boundClaims.ObjectEmpty();
    if ((!r.boundAudiences || r.boundAudiences->empty()) && r.boundSubject.empty() && noClaims &&
        r.tokenBoundCidrs.empty())
      return bad("must have at least one bound constraint when creating/updating a role");
  } else if (!r.allowedRedirectUris || r.allowedRedirectUris->empty()) {
    return bad("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  return out;
}

rapidjson::Value jwtRoleToJson(const JwtRole& r, rapidjson::Document::AllocatorType& a) {
  rapidjson::Value o(rapidjson::kObjectType);
  auto optList = [&](const char* k, const std::optional<std::vector<std::string>>& v) {
    o.AddMember(rapidjson::StringRef(k), v ? sim::stringArray(*v, a) : rapidjson::Value(), a);
  };
  sim::addString(o, "role_type", r.roleType, a);
  optList("bound_audiences", r.boundAudiences);
  sim::addString(o, "bound_subject", r.boundSubject, a);
  sim::addString(o, "bound_claims_type", r.boundClaimsType, a);
  o.AddMember("bound_claims",
              r.boundClaims.IsObject() ? rapidjson::Value(r.boundClaims, a) : rapidjson::Value(),
              a);
  if (r.claimMappings) {
    rapidjson::Value m(rapidjson::kObjectType);
    for (const auto& [k, v] : *r.claimMappings) sim::addString(m, k, v, a);
    o.AddMember("claim_mappings", m, a);
  } else {
    o.AddMember("claim_mappings", rapidjson::Value(), a);
  }
  sim::addString(o, "user_claim", r.userClaim, a);
  o.AddMember("user_claim_json_pointer", r.userClaimJsonPointer, a);
  sim::addString(o, "groups_claim", r.groupsClaim, a);
  optList("allowed_redirect_uris", r.allowedRedirectUris);
  optList("oidc_scopes", r.oidcScopes);
  o.AddMember("verbose_oidc_logging", r.verboseOidcLogging, a);
  o.AddMember("max_age", r.maxAge, a);
  o.AddMember("expiration_leeway", r.expirationLeeway, a);
  o.AddMember("not_before_leeway", r.notBeforeLeeway, a);
  o.AddMember("clock_skew_leeway", r.clockSkewLeeway, a);
  o.AddMember("token_bound_cidrs", sim::stringArray(r.tokenBoundCidrs, a), a);
  o.AddMember("token_explicit_max_ttl", r.tokenExplicitMaxTtl, a);
  o.AddMember("token_max_ttl", r.tokenMaxTtl, a);
  o.AddMember("token_no_default_policy", r.tokenNoDefaultPolicy, a);
  o.AddMember("token_num_uses", r.tokenNumUses, a);
  o.AddMember("token_period", r.tokenPeriod, a);
  o.AddMember("token_policies", sim::stringArray(r.tokenPolicies, a), a);
  o.AddMember("token_ttl", r.tokenTtl, a);
  sim::addString(o, "token_type", r.tokenType, a);
  return o;
}

}  // namespace nc::vault_sim
