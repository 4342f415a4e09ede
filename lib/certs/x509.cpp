// OpenSSL-backed certificate parsing, chain verification and private-key matching.
#include "certs/x509.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <memory>

#include "certs/openssl_util.hpp"

namespace nc::certs {
namespace {

using ossl::BioPtr;
using ossl::X509Ptr;

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return ossl::bioText(bio.get());
}

std::string commonNameOf(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string ipText(const ASN1_OCTET_STRING* ip) {
  char buf[64] = {};
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  int n = ASN1_STRING_length(ip);
  if (n == 4) {
    snprintf(buf, sizeof buf, "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
    return buf;
  }
  std::string out;
  for (int i = 0; i < n; i += 2) {  // IPv6, uncompressed form
    snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (d[i] << 8) | d[i + 1]);
    out += buf;
  }
  return out;
}

void readAltNames(X509* cert, CertificateInfo& info) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    auto str = [](const ASN1_IA5STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
    };
    switch (gn->type) {
      case GEN_DNS:
        info.dnsNames.push_back(str(gn->d.dNSName));
        break;
      case GEN_IPADD:
        info.ipAddresses.push_back(ipText(gn->d.iPAddress));
        break;
      case GEN_URI:
        info.uris.push_back(str(gn->d.uniformResourceIdentifier));
        break;
      case GEN_EMAIL:
        info.emails.push_back(str(gn->d.rfc822Name));
        break;
      default:
        break;
    }
  }
  GENERAL_NAMES_free(names);
}

void readUsages(X509* cert, CertificateInfo& info) {
  uint32_t ku = X509_get_key_usage(cert);
  if (ku != UINT32_MAX) {
    static constexpr std::pair<uint32_t, const char*> kKu[] = {
        {KU_DIGITAL_SIGNATURE, "DigitalSignature"},
        {KU_NON_REPUDIATION, "ContentCommitment"},
        {KU_KEY_ENCIPHERMENT, "KeyEncipherment"},
        {KU_DATA_ENCIPHERMENT, "DataEncipherment"},
        {KU_KEY_AGREEMENT, "KeyAgreement"},
        {KU_KEY_CERT_SIGN, "CertSign"},
        {KU_CRL_SIGN, "CRLSign"}};
    for (auto [bit, name] : kKu)
      if (ku & bit) info.keyUsage.emplace_back(name);
  }
  uint32_t xku = X509_get_extended_key_usage(cert);
  if (xku != UINT32_MAX) {
    static constexpr std::pair<uint32_t, const char*> kXku[] = {
        {XKU_SSL_SERVER, "ServerAuth"},  {XKU_SSL_CLIENT, "ClientAuth"},
        {XKU_SMIME, "EmailProtection"},  {XKU_CODE_SIGN, "CodeSigning"},
        {XKU_TIMESTAMP, "TimeStamping"}, {XKU_OCSP_SIGN, "OCSPSigning"}};
    for (auto [bit, name] : kXku)
      if (xku & bit) info.extendedKeyUsage.emplace_back(name);
  }
}

Result<CertificateInfo> inspect(X509* cert) {
  CertificateInfo info;
  info.subject = nameText(X509_get_subject_name(cert));
  info.commonName = commonNameOf(X509_get_subject_name(cert));
  info.issuer = nameText(X509_get_issuer_name(cert));
  info.serial = ossl::serialHex(X509_get0_serialNumber(cert));
  auto nb = ossl::asn1TimeToTimePoint(X509_get0_notBefore(cert));
  auto na = ossl::asn1TimeToTimePoint(X509_get0_notAfter(cert));
  if (!nb || !na) return Error(errc::parse_error, "certificate has an unreadable validity period");
  info.notBefore = *nb;
  info.notAfter = *na;
  info.isCa = X509_check_ca(cert) > 0;
  readAltNames(cert, info);
  readUsages(cert, info);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (!key) return Error(errc::parse_error, "certificate has an unreadable public key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      info.publicKeyAlgorithm = "RSA";
      break;
    case EVP_PKEY_EC:
      info.publicKeyAlgorithm = "EC";
      break;
    case EVP_PKEY_ED25519:
      info.publicKeyAlgorithm = "ED25519";
      break;
    default:
      info.publicKeyAlgorithm = "other";
      break;
  }
  info.publicKeyFingerprint = ossl::publicKeyFingerprint(cert);
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert);
  info.pem = ossl::bioText(out.get());
  return info;
}

}  // namespace

bool CertificateInfo::coversName(std::string_view name) const {
  auto eq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  };
  if (eq(commonName, name)) return true;
  for (const auto& d : dnsNames)
    if (eq(d, name)) return true;
  return false;
}

Result<std::vector<CertificateInfo>> parsePemBundle(std::string_view pem, ParseLimits limits) {
  if (pem.size() > limits.maxBytes)
    return Error(errc::too_large, "PEM bundle of " + std::to_string(pem.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(limits.maxBytes));
  if (pem.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error(errc::parse_error, "empty PEM data");
  auto certs = ossl::readPemBlocks(pem, "CERTIFICATE", limits.maxCertificates);
  if (!certs) return certs.error();
  if (certs->empty()) return Error(errc::parse_error, "no CERTIFICATE block in PEM data");
  std::vector<CertificateInfo> out;
  for (std::size_t i = 0; i < certs->size(); ++i) {
    auto info = inspect((*certs)[i].get());
    if (!info)
      return Error(errc::parse_error,
                   "certificate #" + std::to_string(i + 1) + ": " + info.error().message);
    out.push_back(std::move(*info));
  }
  return out;
}

Result<void> verifyChain(std::string_view leafPem, std::string_view intermediatesPem,
                         std::string_view trustAnchorsPem, TimePoint at) {
  auto leaf = ossl::readPemBlocks(leafPem, "CERTIFICATE", 1);
  if (!leaf) return leaf.error();
  if (leaf->empty()) return Error(errc::parse_error, "no leaf certificate");
  auto inter = ossl::readPemBlocks(intermediatesPem, "CERTIFICATE", 16);
  if (!inter) return inter.error();
  auto anchors = ossl::readPemBlocks(trustAnchorsPem, "CERTIFICATE", 16);
  if (!anchors) return anchors.error();
  if (anchors->empty()) return Error(errc::invalid_argument, "no trust anchor certificate");

  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  for (auto& a : *anchors) X509_STORE_add_cert(store.get(), a.get());
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  for (auto& c : *inter) sk_X509_push(untrusted.get(), c.get());

  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!X509_STORE_CTX_init(ctx.get(), store.get(), (*leaf)[0].get(), untrusted.get()))
    return Error(errc::io_error, "cannot initialise certificate verification");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_USE_CHECK_TIME);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_ANY);
  if (X509_verify_cert(ctx.get()) == 1) return {};
  int err = X509_STORE_CTX_get_error(ctx.get());
  return Error(errc::invalid_argument,
               std::string("chain verification failed: ") + X509_verify_cert_error_string(err));
}

Result<bool> privateKeyMatches(std::string_view certificatePem, std::string_view keyPem) {
  auto certs = ossl::readPemBlocks(certificatePem, "CERTIFICATE", 1);
  if (!certs) return certs.error();
  if (certs->empty()) return Error(errc::parse_error, "no certificate");
  auto key = ossl::readPrivateKey(keyPem);
  if (!key) return key.error();
  return X509_check_private_key((*certs)[0].get(), key->get()) == 1;
}

}  // namespace nc::certs
