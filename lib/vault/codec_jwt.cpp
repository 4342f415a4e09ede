// Vault codec for the JWT auth method: config and roles (null lists/maps read as empty).
#include "vault/codec.hpp"
#include "vault/codec_detail.hpp"

namespace nc::vault::codec {

Result<JwtConfig> decodeJwtConfig(std::string_view body) {
  auto env = detail::envelope(body, "vault jwt config");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  JwtConfig c;
  c.jwksUrl = f.str("jwks_url");
  c.jwksCaPem = f.str("jwks_ca_pem");
  c.defaultRole = f.str("default_role");
  c.boundIssuer = f.str("bound_issuer");
  c.oidcDiscoveryUrl = f.str("oidc_discovery_url");
  c.jwtSupportedAlgs = f.strings("jwt_supported_algs");
  c.jwtValidationPubkeys = f.strings("jwt_validation_pubkeys");
  c.rawJson = json::toString(*env->data());
  return json::finish(st, std::move(c));
}

std::string encodeJwtConfig(const JwtConfig& c) {
  // Full replace: empty values are omitted (an empty string would count as "set" for the
  // exactly-one-key-source rule on some versions).
  json::ObjectWriter w;
  if (!c.jwksUrl.empty()) w.str("jwks_url", c.jwksUrl);
  if (!c.jwksCaPem.empty()) w.str("jwks_ca_pem", c.jwksCaPem);
  if (!c.oidcDiscoveryUrl.empty()) w.str("oidc_discovery_url", c.oidcDiscoveryUrl);
  if (!c.jwtValidationPubkeys.empty()) w.strings("jwt_validation_pubkeys", c.jwtValidationPubkeys);
  if (!c.jwtSupportedAlgs.empty()) w.strings("jwt_supported_algs", c.jwtSupportedAlgs);
  if (!c.defaultRole.empty()) w.str("default_role", c.defaultRole);
  if (!c.boundIssuer.empty()) w.str("bound_issuer", c.boundIssuer);
  return w.finish();
}

Result<JwtRole> decodeJwtRole(std::string_view body) {
  auto env = detail::envelope(body, "vault jwt role");
  if (!env) return env.error();
  json::DecodeState st;
  json::Fields f(env->data(), "data", st);
  JwtRole r;
  r.roleType = f.str("role_type", json::Need::optional, "jwt");  // legacy roles lack it
  r.userClaim = f.str("user_claim");
  r.userClaimJsonPointer = f.boolean("user_claim_json_pointer");
  r.boundSubject = f.str("bound_subject");
  r.boundClaimsType = f.str("bound_claims_type", json::Need::optional, "string");
  r.groupsClaim = f.str("groups_claim");
  r.tokenType = f.str("token_type");
  r.tokenNoDefaultPolicy = f.boolean("token_no_default_policy");
  r.boundAudiences = f.strings("bound_audiences");
  r.tokenPolicies = f.strings("token_policies");
  r.tokenBoundCidrs = f.strings("token_bound_cidrs");
  r.claimMappings = f.stringMap("claim_mappings");
  auto claims = f.object("bound_claims");
  if (claims.valid()) {
    for (const auto& m : f.value("bound_claims")->GetObject()) {
      std::string key(m.name.GetString(), m.name.GetStringLength());
      auto& values = r.boundClaims[key];
      if (m.value.IsString()) {
        values.emplace_back(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsArray()) {
        values = claims.strings(key.c_str());
      } else {
        st.fail("data.bound_claims." + key,
                std::string("expected string or array of strings, got ") + json::typeName(m.value));
      }
    }
  }
  r.tokenTtl = f.i64("token_ttl");
  r.tokenMaxTtl = f.i64("token_max_ttl");
  r.tokenExplicitMaxTtl = f.i64("token_explicit_max_ttl");
  r.tokenPeriod = f.i64("token_period");
  r.tokenNumUses = f.i64("token_num_uses");
  r.expirationLeeway = f.i64("expiration_leeway");
  r.notBeforeLeeway = f.i64("not_before_leeway");
  r.clockSkewLeeway = f.i64("clock_skew_leeway");
  r.rawJson = json::toString(*env->data());
  return json::finish(st, std::move(r));
}

std::string encodeJwtRole(const JwtRole& r) {
  json::ObjectWriter w;
  // role_type and bound_claims_type reset when absent, so they are always sent.
  w.str("role_type", r.roleType.empty() ? "jwt" : r.roleType);
  w.str("bound_claims_type", r.boundClaimsType.empty() ? "string" : r.boundClaimsType);
  w.str("user_claim", r.userClaim).boolean("user_claim_json_pointer", r.userClaimJsonPointer);
  w.str("bound_subject", r.boundSubject).str("groups_claim", r.groupsClaim);
  w.strings("bound_audiences", r.boundAudiences);
  w.stringMap("claim_mappings", r.claimMappings);
  w.begin("bound_claims");
  for (const auto& [key, values] : r.boundClaims) {
    if (values.size() == 1)
      w.str(key, values.front());
    else
      w.strings(key, values);
  }
  w.end();
  w.strings("token_policies", r.tokenPolicies).strings("token_bound_cidrs", r.tokenBoundCidrs);
  if (!r.tokenType.empty()) w.str("token_type", r.tokenType);
  w.boolean("token_no_default_policy", r.tokenNoDefaultPolicy);
  w.i64("token_ttl", r.tokenTtl).i64("token_max_ttl", r.tokenMaxTtl);
  w.i64("token_explicit_max_ttl", r.tokenExplicitMaxTtl).i64("token_period", r.tokenPeriod);
  w.i64("token_num_uses", r.tokenNumUses);
  w.i64("expiration_leeway", r.expirationLeeway).i64("not_before_leeway", r.notBeforeLeeway);
  w.i64("clock_skew_leeway", r.clockSkewLeeway);
  return w.finish();
}

}  // namespace nc::vault::codec
