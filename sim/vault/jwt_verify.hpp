// JWT signature verification for the JWT auth method: JWKS and PEM public keys, RS/PS/ES/EdDSA
// algorithms via OpenSSL, and time/issuer/subject/audience checks with Vault's leeways.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.hpp"
#include "vault/pki_crypto.hpp"

namespace nc::vault_sim {

struct JwtKey {
  std::string kid;
  PKeyPtr key;
};

/// Parses a JWKS document ({"keys":[...]}, RSA/EC/OKP-Ed25519 keys).
Result<std::vector<JwtKey>> parseJwks(std::string_view json);
/// Parses one PEM public key (PKIX "PUBLIC KEY", or a certificate).
Result<PKeyPtr> parsePublicKeyPem(const std::string& pem);
/// base64url without padding.
std::optional<std::string> base64UrlDecode(std::string_view s);

struct JwtExpectations {
  std::vector<std::string> algorithms;  ///< empty = RS256 only (Vault's jwt_supported_algs default)
  std::string issuer;                   ///< bound_issuer ("" = unchecked)
  std::string subject;                  ///< bound_subject
  std::vector<std::string> audiences;   ///< bound_audiences (any match)
  std::int64_t now = 0;                 ///< unix seconds
  std::int64_t expLeeway = 150;
  std::int64_t nbfLeeway = 150;
  std::int64_t clockSkew = 60;
};

/// Verifies the compact JWS against the keys (kid-matched when the header names one) and the
/// expectations. On success `claims` holds the payload. Errors are the text after Vault's
/// "error validating token: " prefix.
Result<void> verifyJwt(std::string_view token, const std::vector<JwtKey>& keys,
                       const JwtExpectations& expect, rapidjson::Document& claims);

/// Plugin getClaim: a top-level claim, or a JSON pointer when it starts with '/'.
const rapidjson::Value* getClaim(const rapidjson::Value& claims, const std::string& name);

}  // namespace nc::vault_sim
