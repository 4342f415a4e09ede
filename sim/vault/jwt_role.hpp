// JWT auth role model: Vault's merge-on-write semantics (with the role_type and
// bound_claims_type resets), validation messages and the GET shape with nulls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "vault/fields.hpp"

namespace nc::vault_sim {

struct JwtRole {
  std::string roleType = "oidc";
  std::optional<std::vector<std::string>> boundAudiences;
  std::string boundSubject;
  std::string boundClaimsType = "string";
  rapidjson::Document boundClaims{rapidjson::kNullType};  ///< object or null
  std::optional<std::map<std::string, std::string>> claimMappings;
  std::string userClaim;
  bool userClaimJsonPointer = false;
  std::string groupsClaim;
  std::optional<std::vector<std::string>> allowedRedirectUris;
  std::optional<std::vector<std::string>> oidcScopes;
  bool verboseOidcLogging = false;
  std::int64_t maxAge = 0;
  std::int64_t expirationLeeway = 0;
  std::int64_t notBeforeLeeway = 0;
  std::int64_t clockSkewLeeway = 0;
  std::vector<std::string> tokenBoundCidrs;
  std::int64_t tokenExplicitMaxTtl = 0;
  std::int64_t tokenMaxTtl = 0;
  std::int64_t tokenTtl = 0;
  std::int64_t tokenPeriod = 0;
  bool tokenNoDefaultPolicy = false;
  std::int64_t tokenNumUses = 0;
  std::vector<std::string> tokenPolicies;
  std::string tokenType = "default";

  JwtRole() = default;
  JwtRole(const JwtRole& o) { *this = o; }
  JwtRole& operator=(const JwtRole& o);
};

struct JwtRoleWrite {
  JwtRole role;
  std::vector<std::string> warnings;
};

/// Applies a write to `existing` (nullptr = new role). mountMaxTtl bounds token_period.
Result<JwtRoleWrite> writeJwtRole(const Fields& f, const JwtRole* existing,
                                  std::int64_t mountMaxTtl);

/// The `data` of GET auth/<mount>/role/:name.
rapidjson::Value jwtRoleToJson(const JwtRole& r, rapidjson::Document::AllocatorType& a);

}  // namespace nc::vault_sim
