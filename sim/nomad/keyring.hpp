// The simulated servers' signing keyring: an RS256 key pair generated at start, published as a
// JWKS at /.well-known/jwks.json and used to sign workload identities.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace nc::nomadsim {

class KeyRing {
 public:
  /// Generates a fresh RSA-2048 key with a random key ID.
  static Result<std::unique_ptr<KeyRing>> generate();
  ~KeyRing();

  const std::string& keyId() const { return kid_; }
  /// {"keys":[{"kty":"RSA","kid":...,"alg":"RS256","use":"sig","n":...,"e":...}]}
  const std::string& jwksJson() const { return jwks_; }
  /// A compact JWS (RS256) over the given claims JSON, with header {alg,kid,typ}.
  Result<std::string> signJwt(std::string_view claimsJson) const;

  static std::string base64Url(std::string_view bytes);

 private:
  KeyRing() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string kid_;
  std::string jwks_;
};

}  // namespace nc::nomadsim
