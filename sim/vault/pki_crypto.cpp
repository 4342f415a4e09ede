// OpenSSL implementation of the simulated PKI's key and certificate operations.
#include "vault/pki_crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "vault/fields.hpp"

namespace nc::vault_sim {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string bioString(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<std::size_t>(n));
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

Error sslError(std::string what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return makeError(errc::server_error, what + (e ? std::string(": ") + buf : ""));
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

Result<void> addExt(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (!ext) return sslError("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

std::string keyUsageName(const std::string& vaultName) {
  auto l = toLower(vaultName);
  if (l == "digitalsignature") return "digitalSignature";
  if (l == "contentcommitment") return "nonRepudiation";
  if (l == "keyencipherment") return "keyEncipherment";
  if (l == "dataencipherment") return "dataEncipherment";
  if (l == "keyagreement") return "keyAgreement";
  if (l == "certsign") return "keyCertSign";
  if (l == "crlsign") return "cRLSign";
  if (l == "encipheronly") return "encipherOnly";
  if (l == "decipheronly") return "decipherOnly";
  return "";
}

std::string extKeyUsageName(const std::string& vaultName) {
  auto l = toLower(vaultName);
  if (l == "any") return "anyExtendedKeyUsage";
  if (l == "serverauth") return "serverAuth";
  if (l == "clientauth") return "clientAuth";
  if (l == "codesigning") return "codeSigning";
  if (l == "emailprotection") return "emailProtection";
  if (l == "ipsecendsystem") return "ipsecEndSystem";
  if (l == "ipsectunnel") return "ipsecTunnel";
  if (l == "ipsecuser") return "ipsecUser";
  if (l == "timestamping") return "timeStamping";
  if (l == "ocspsigning") return "OCSPSigning";
  if (l == "microsoftservergatedcrypto") return "msSGC";
  if (l == "netscapeservergatedcrypto") return "nsSGC";
  return "";
}

const EVP_MD* digestFor(EVP_PKEY* issuerKey, int signatureBits) {
  switch (EVP_PKEY_get_base_id(issuerKey)) {
    case EVP_PKEY_ED25519:
      return nullptr;
    case EVP_PKEY_EC: {
      int bits = EVP_PKEY_get_bits(issuerKey);
      if (bits > 384) return EVP_sha512();
      if (bits > 256) return EVP_sha384();
      return EVP_sha256();
    }
    default:
      if (signatureBits == 384) return EVP_sha384();
      if (signatureBits == 512) return EVP_sha512();
      return EVP_sha256();
  }
}

}  // namespace

Result<PKeyPtr> generateKey(const std::string& type, std::int64_t bits) {
  EVP_PKEY* k = nullptr;
  if (type == "rsa") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits ? bits : 2048));
  } else if (type == "ec") {
    const char* curve = bits == 224   ? "P-224"
                        : bits == 384 ? "P-384"
                        : bits == 521 ? "P-521"
                                      : "P-256";
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
  } else if (type == "ed25519") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    return makeError(errc::invalid_argument, "unknown key type " + type);
  }
  if (!k) return sslError("key generation failed");
  return PKeyPtr(k);
}

std::string keyTypeOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "rsa";
    case EVP_PKEY_EC:
      return "ec";
    case EVP_PKEY_ED25519:
      return "ed25519";
    default:
      return "";
  }
}

std::string privateKeyPem(EVP_PKEY* key, bool pkcs8) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (pkcs8 || EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519)
    PEM_write_bio_PKCS8PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  else
    PEM_write_bio_PrivateKey_traditional(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioString(b.get());
}

std::string certPem(X509* cert) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), cert);
  return bioString(b.get());
}

std::string certDer(X509* cert) {
  unsigned char* out = nullptr;
  int n = i2d_X509(cert, &out);
  std::string s(reinterpret_cast<char*>(out), n > 0 ? static_cast<std::size_t>(n) : 0);
  OPENSSL_free(out);
  return s;
}

Result<X509Ptr> parseCertPem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* x = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr);
  if (!x) return sslError("no certificate found in PEM");
  return X509Ptr(x);
}

std::vector<X509Ptr> parseCertChain(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* x = PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();
  return out;
}

Result<PKeyPtr> parsePrivateKeyPem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr);
  if (!k) return sslError("no private key found in PEM");
  return PKeyPtr(k);
}

Result<X509Ptr> buildCertificate(const CertSpec& s, EVP_PKEY* subjectKey, X509* issuer,
                                 EVP_PKEY* issuerKey) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char raw[20];
  RAND_bytes(raw, sizeof raw);
  raw[0] &= 0x7f;
  if (raw[0] == 0) raw[0] = 0x01;  // keep it positive and 20 octets long
  BIGNUM* bn = BN_bin2bn(raw, sizeof raw, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);

  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const std::vector<std::string>& values) {
    for (const auto& v : values)
      X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  add("C", s.country);
  add("ST", s.province);
  add("L", s.locality);
  add("street", s.streetAddress);
  add("postalCode", s.postalCode);
  add("O", s.organization);
  add("OU", s.ou);
  if (!s.commonName.empty()) add("CN", {s.commonName});
  if (!s.subjectSerialNumber.empty()) add("serialNumber", {s.subjectSerialNumber});
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), s.notBefore);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), s.notAfter);
  X509_set_pubkey(cert.get(), subjectKey);

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  Result<void> r;
  if (s.isCa) {
    std::string bc = "critical,CA:TRUE";
    if (s.maxPathLength >= 0) bc += ",pathlen:" + std::to_string(s.maxPathLength);
    if (!(r = addExt(cert.get(), &ctx, NID_basic_constraints, bc))) return r.error();
    if (!(r = addExt(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")))
      return r.error();
  } else {
    if (s.basicConstraintsForNonCa &&
        !(r = addExt(cert.get(), &ctx, NID_basic_constraints, "CA:FALSE")))
      return r.error();
    std::vector<std::string> ku;
    for (const auto& k : s.keyUsage)
      if (auto n = keyUsageName(k); !n.empty()) ku.push_back(n);
    if (!ku.empty() && !(r = addExt(cert.get(), &ctx, NID_key_usage, "critical," + join(ku))))
      return r.error();
    std::vector<std::string> eku;
    for (const auto& k : s.extKeyUsage)
      if (auto n = extKeyUsageName(k); !n.empty()) eku.push_back(n);
    for (const auto& oid : s.extKeyUsageOids) eku.push_back(oid);
    if (!eku.empty() && !(r = addExt(cert.get(), &ctx, NID_ext_key_usage, join(eku))))
      return r.error();
  }
  if (!(r = addExt(cert.get(), &ctx, NID_subject_key_identifier, "hash"))) return r.error();
  if (issuer) {
    if (!(r = addExt(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always")))
      return r.error();
  } else {
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    if (!(r = addExt(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always")))
      return r.error();
  }
  std::vector<std::string> san;
  for (const auto& d : s.dnsNames) san.push_back("DNS:" + d);
  for (const auto& e : s.emails) san.push_back("email:" + e);
  for (const auto& i : s.ipSans) san.push_back("IP:" + i);
  for (const auto& u : s.uriSans) san.push_back("URI:" + u);
  if (!san.empty() && !(r = addExt(cert.get(), &ctx, NID_subject_alt_name, join(san))))
    return r.error();

  if (X509_sign(cert.get(), issuerKey, digestFor(issuerKey, s.signatureBits)) <= 0)
    return sslError("unable to sign certificate");
  return cert;
}

Result<std::string> buildCsr(const std::string& cn, EVP_PKEY* key) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (!cn.empty())
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key);
  if (X509_REQ_sign(req.get(), key, digestFor(key, 256)) <= 0)
    return sslError("unable to sign CSR");
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(b.get(), req.get());
  return bioString(b.get());
}

Result<CsrInfo> parseCsr(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(
      PEM_read_bio_X509_REQ(b.get(), nullptr, nullptr, nullptr), X509_REQ_free);
  if (!req) return sslError("certificate request could not be parsed");
  CsrInfo info;
  info.publicKey.reset(X509_REQ_get_pubkey(req.get()));
  if (!info.publicKey || X509_REQ_verify(req.get(), info.publicKey.get()) != 1)
    return sslError("request signature invalid");
  char buf[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, buf,
                                sizeof buf) > 0)
    info.commonName = buf;
  return info;
}

std::string serialColonHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (auto c : bytes) {
    if (!out.empty()) out += ':';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string normaliseSerial(std::string_view s) {
  std::string out;
  for (char c : s)
    out += c == '-' ? ':' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {
std::int64_t asn1Unix(const ASN1_TIME* t) {
  struct tm tmv {};
  ASN1_TIME_to_tm(t, &tmv);
  return static_cast<std::int64_t>(timegm(&tmv));
}
}  // namespace

std::int64_t notAfterUnix(X509* cert) {
  return asn1Unix(X509_get0_notAfter(cert));
}
std::int64_t notBeforeUnix(X509* cert) {
  return asn1Unix(X509_get0_notBefore(cert));
}

std::string subjectCommonName(X509* cert) {
  char buf[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf) > 0)
    return buf;
  return "";
}

bool keyMatches(X509* cert, EVP_PKEY* key) {
  return EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
}

bool isSelfSigned(X509* cert) {
  return X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0 &&
         X509_check_issued(cert, cert) == X509_V_OK;
}

}  // namespace nc::vault_sim
