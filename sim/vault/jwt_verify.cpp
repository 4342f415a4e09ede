// JWT verification with OpenSSL.
#include "vault/jwt_verify.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "vault/fields.hpp"

namespace nc::vault_sim {
namespace {

Error bad(std::string m) {
  return makeError(errc::invalid_argument, std::move(m));
}

std::string str(const rapidjson::Value& o, const char* k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

Result<PKeyPtr> fromData(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) return bad("invalid key material");
  return PKeyPtr(key);
}

Result<PKeyPtr> jwkToKey(const rapidjson::Value& k) {
  std::string kty = str(k, "kty");
  if (kty == "RSA") {
    auto n = base64UrlDecode(str(k, "n")), e = base64UrlDecode(str(k, "e"));
    if (!n || !e || n->empty()) return bad("invalid RSA key");
    BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr);
    BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
    auto key = fromData("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return key;
  }
  if (kty == "EC") {
    std::string crv = str(k, "crv");
    const char* group = crv == "P-256"   ? "prime256v1"
                        : crv == "P-384" ? "secp384r1"
                        : crv == "P-521" ? "secp521r1"
                                         : nullptr;
    auto x = base64UrlDecode(str(k, "x")), y = base64UrlDecode(str(k, "y"));
    if (!group || !x || !y) return bad("invalid EC key");
    std::string point = "\x04" + *x + *y;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    auto key = fromData("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    return key;
  }
  if (kty == "OKP" && str(k, "crv") == "Ed25519") {
    auto x = base64UrlDecode(str(k, "x"));
    if (!x) return bad("invalid OKP key");
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
    if (!key) return bad("invalid Ed25519 key");
    return PKeyPtr(key);
  }
  return bad("unsupported key type " + kty);
}

// Raw r||s (JWS) -> DER ECDSA signature.
std::string ecdsaRawToDer(std::string_view raw) {
  std::size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), n > 0 ? static_cast<std::size_t>(n) : 0);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool verifyWith(EVP_PKEY* key, const std::string& alg, std::string_view input, std::string sig) {
  const EVP_MD* md = nullptr;
  int keyType = EVP_PKEY_get_base_id(key);
  bool pss = false;
  if (alg == "EdDSA") {
    if (keyType != EVP_PKEY_ED25519) return false;
  } else {
    char bits = alg.size() == 5 ? alg[2] : 0;
    md = alg.ends_with("256")   ? EVP_sha256()
         : alg.ends_with("384") ? EVP_sha384()
         : alg.ends_with("512") ? EVP_sha512()
                                : nullptr;
    (void)bits;
    if (!md) return false;
    if (alg[0] == 'R' || alg[0] == 'P') {
      if (keyType != EVP_PKEY_RSA) return false;
      pss = alg[0] == 'P';
    } else if (alg[0] == 'E') {
      if (keyType != EVP_PKEY_EC) return false;
      sig = ecdsaRawToDer(sig);
    } else {
      return false;
    }
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key) > 0;
  if (ok && pss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  ok = ok &&
       EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::optional<std::int64_t> numClaim(const rapidjson::Value& c, const char* k) {
  auto it = c.FindMember(k);
  if (it == c.MemberEnd() || !it->value.IsNumber()) return std::nullopt;
  return static_cast<std::int64_t>(it->value.GetDouble());
}

}  // namespace

std::optional<std::string> base64UrlDecode(std::string_view s) {
  std::string t(s);
  for (auto& c : t) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (t.size() % 4) t += '=';
  if (t.empty()) return std::string();
  return decodeBase64(t);
}

Result<std::vector<JwtKey>> parseJwks(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("keys") || !d["keys"].IsArray())
    return bad("failed to decode keys");
  std::vector<JwtKey> out;
  for (const auto& k : d["keys"].GetArray()) {
    if (!k.IsObject()) continue;
    auto key = jwkToKey(k);
    if (!key) continue;  // unknown key types are skipped, as go-jose does
    out.push_back({str(k, "kid"), std::move(*key)});
  }
  return out;
}

Result<PKeyPtr> parsePublicKeyPem(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (k) return PKeyPtr(k);
  auto cert = parseCertPem(pem);
  if (!cert) return bad("error parsing public key");
  return PKeyPtr(X509_get_pubkey(cert->get()));
}

const rapidjson::Value* getClaim(const rapidjson::Value& claims, const std::string& name) {
  if (name.empty() || name[0] != '/') {
    auto it = claims.FindMember(name.c_str());
    return it == claims.MemberEnd() ? nullptr : &it->value;
  }
  const rapidjson::Value* cur = &claims;
  std::size_t start = 1;
  while (start <= name.size()) {
    auto slash = name.find('/', start);
    std::string_view raw = std::string_view(name).substr(
        start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string tok;  // JSON pointer unescaping in one pass: "~1" is "/", "~0" is "~"
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        tok += raw[++i] == '1' ? '/' : '~';
      } else {
        tok += raw[i];
      }
    }
    if (!cur->IsObject()) return nullptr;
    auto it = cur->FindMember(tok.c_str());
    if (it == cur->MemberEnd()) return nullptr;
    cur = &it->value;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return cur;
}

Result<void> verifyJwt(std::string_view token, const std::vector<JwtKey>& keys,
                       const JwtExpectations& ex, rapidjson::Document& claims) {
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return bad("malformed token: compact JWS format must have three parts");
  auto headerJson = base64UrlDecode(token.substr(0, d1));
  auto payloadJson = base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64UrlDecode(token.substr(d2 + 1));
  rapidjson::Document header;
  if (!headerJson || !payloadJson || !sig) return bad("malformed token: illegal base64 data");
  header.Parse(headerJson->data(), headerJson->size());
  if (header.HasParseError() || !header.IsObject()) return bad("malformed token: invalid header");
  std::string alg = str(header, "alg"), kid = str(header, "kid");
  std::vector<std::string> allowed =
      ex.algorithms.empty() ? std::vector<std::string>{"RS256"} : ex.algorithms;
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end())
    return bad("token is signed with an unsupported algorithm: " + alg);
  std::string_view input = token.substr(0, d2);
  bool verified = false;
  for (const auto& k : keys) {
    if (!kid.empty() && !k.kid.empty() && k.kid != kid) continue;
    if (verifyWith(k.key.get(), alg, input, *sig)) {
      verified = true;
      break;
    }
  }
  if (!verified) return bad("failed to verify id token signature");
  claims.Parse(payloadJson->data(), payloadJson->size());
  if (claims.HasParseError() || !claims.IsObject()) return bad("malformed token: invalid claims");

  auto exp = numClaim(claims, "exp"), nbf = numClaim(claims, "nbf"), iat = numClaim(claims, "iat");
  if (!exp) return bad("exp claim is required");
  if (ex.now > *exp + ex.expLeeway + ex.clockSkew) return bad("token is expired (exp)");
  std::int64_t notBefore = nbf ? *nbf : iat ? *iat : 0;
  if (notBefore && ex.now + ex.nbfLeeway + ex.clockSkew < notBefore)
    return bad("token not valid yet (nbf)");
  if (!ex.issuer.empty() && str(claims, "iss") != ex.issuer)
    return bad("invalid issuer (iss) claim");
  if (!ex.subject.empty() && str(claims, "sub") != ex.subject)
    return bad("invalid subject (sub) claim");
  if (!ex.audiences.empty()) {
    std::vector<std::string> aud;
    if (auto it = claims.FindMember("aud"); it != claims.MemberEnd()) {
      if (it->value.IsString())
        aud.emplace_back(it->value.GetString());
      else if (it->value.IsArray())
        for (const auto& a : it->value.GetArray())
          if (a.IsString()) aud.emplace_back(a.GetString());
    }
    bool match = false;
    for (const auto& want : ex.audiences)
      match = match || std::find(aud.begin(), aud.end(), want) != aud.end();
    if (!match)
      return bad(
          "invalid audience (aud) claim: audience claim does not match any expected audience");
  }
  return {};
}

}  // namespace nc::vault_sim
