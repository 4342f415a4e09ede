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
#include "certs/trust_anchors.hpp"

namespace nc::certs {
namespace {

using ossl::BioPtr;
using ossl::X509Ptr;

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return ossl::bioText(bio.get());
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
  info.commonName = ossl::commonNameOf(X509_get_subject_name(cert));
  info.issuer = nameText(X509_get_issuer_name(cert));
  info.serial = ossl::serialHex(X509_get0_serialNumber(cert));
  auto nb = ossl::asn1TimeToTimePoint(X509_get0_notBefore(cert));
  auto na = ossl::asn1TimeToTimePoint(X509_get0_notAfter(cert));
  if (!nb || !na) return Error(errc::parse_error, "certificate has an unreadable validity period");
  info.notBefore = *nb;
  info.notAfter = *na;
  info.isCa = X509_check_ca(cert) > 0;
  ossl::readAltNames(cert, info);
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
  return nameCovered(name, commonName, dnsNames);
}

bool nameCovered(std::string_view name, std::string_view commonName,
                 const std::vector<std::string>& dnsNames) {
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
  auto certs = ossl::readCertificateBundle(pem, limits);
  if (!certs) return certs.error();
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
  std::vector<X509*> untrusted;
  for (auto& c : *inter) untrusted.push_back(c.get());
  return TrustAnchors::fromPem(trustAnchorsPem)->verify((*leaf)[0].get(), untrusted, at);
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
