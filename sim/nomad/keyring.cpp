// The simulated servers' signing keyring: RSA key generation, JWKS and RS256 JWT signing (OpenSSL).
#include "keyring.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <vector>

#include "state.hpp"

namespace nc::nomadsim {

struct KeyRing::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

KeyRing::~KeyRing() = default;

std::string KeyRing::base64Url(std::string_view bytes) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
    i += 3;
  }
  if (i + 1 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
  }
  return out;
}

namespace {
std::string bnBytes(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return "";
  std::vector<unsigned char> buf(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, buf.data());
  BN_free(bn);
  return std::string(buf.begin(), buf.end());
}
}  // namespace

Result<std::unique_ptr<KeyRing>> KeyRing::generate() {
  std::unique_ptr<KeyRing> ring(new KeyRing());
  ring->impl_ = std::make_unique<Impl>();
  ring->impl_->key = EVP_RSA_gen(2048);
  if (ring->impl_->key == nullptr)
    return makeError(errc::server_error, "RSA key generation failed");
  ring->kid_ = SimState::uuid();
  std::string n = base64Url(bnBytes(ring->impl_->key, OSSL_PKEY_PARAM_RSA_N));
  std::string e = base64Url(bnBytes(ring->impl_->key, OSSL_PKEY_PARAM_RSA_E));
  ring->jwks_ = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" + ring->kid_ +
                "\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"" + n + "\",\"e\":\"" + e + "\"}]}";
  return ring;
}

Result<std::string> KeyRing::signJwt(std::string_view claimsJson) const {
  std::string header = "{\"alg\":\"RS256\",\"kid\":\"" + kid_ + "\",\"typ\":\"JWT\"}";
  std::string input = base64Url(header) + "." + base64Url(claimsJson);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  std::string sig(len, '\0');
  ok =
      ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return makeError(errc::server_error, "JWT signing failed");
  sig.resize(len);
  return input + "." + base64Url(sig);
}

}  // namespace nc::nomadsim
