// OpenSSL helpers for the simulated PKI engine: keys, certificates, CSRs, PEM and serials.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/error.hpp"

namespace nc::vault_sim {

struct PKeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, PKeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

/// key_type "rsa" (bits 2048..8192), "ec" (224/256/384/521), "ed25519".
Result<PKeyPtr> generateKey(const std::string& keyType, std::int64_t bits);
/// "rsa" | "ec" | "ed25519" | "".
std::string keyTypeOf(EVP_PKEY* key);
/// Vault's key PEM: RSA/EC traditional ("RSA PRIVATE KEY"/"EC PRIVATE KEY"), ed25519 or
/// pkcs8=true as "PRIVATE KEY". No trailing newline.
std::string privateKeyPem(EVP_PKEY* key, bool pkcs8);
std::string certPem(X509* cert);  ///< no trailing newline
std::string certDer(X509* cert);
Result<X509Ptr> parseCertPem(const std::string& pem);
/// Every certificate in a PEM bundle, in order.
std::vector<X509Ptr> parseCertChain(const std::string& pem);
Result<PKeyPtr> parsePrivateKeyPem(const std::string& pem);

struct CertSpec {
  std::string commonName;
  std::string subjectSerialNumber;
  std::vector<std::string> country, province, locality, streetAddress, postalCode, organization, ou;
  std::vector<std::string> dnsNames, emails, ipSans, uriSans;
  std::time_t notBefore = 0;
  std::time_t notAfter = 0;
  bool isCa = false;
  int maxPathLength = -1;                ///< CA only; -1 = unlimited
  std::vector<std::string> keyUsage;     ///< Vault names ("DigitalSignature", ...)
  std::vector<std::string> extKeyUsage;  ///< Vault names ("ServerAuth", ...)
  std::vector<std::string> extKeyUsageOids;
  bool basicConstraintsForNonCa = false;
  int signatureBits = 0;  ///< RSA issuers: 256/384/512
};

/// Builds and signs a certificate for `subjectKey`. issuer == nullptr: self-signed with
/// issuerKey == subjectKey's private key.
Result<X509Ptr> buildCertificate(const CertSpec& spec, EVP_PKEY* subjectKey, X509* issuer,
                                 EVP_PKEY* issuerKey);

/// A PKCS#10 CSR (PEM) with the given CN, signed by key.
Result<std::string> buildCsr(const std::string& commonName, EVP_PKEY* key);
struct CsrInfo {
  PKeyPtr publicKey;
  std::string commonName;
};
Result<CsrInfo> parseCsr(const std::string& pem);

/// Serial as lowercase colon hex of its magnitude ("3a:5f:...").
std::string serialColonHex(X509* cert);
/// Normalises user input ("3A-5F", "3a:5f") to colon lowercase.
std::string normaliseSerial(std::string_view s);
std::int64_t notAfterUnix(X509* cert);
std::int64_t notBeforeUnix(X509* cert);
std::string subjectCommonName(X509* cert);
/// True when the certificate's public key matches the private key.
bool keyMatches(X509* cert, EVP_PKEY* key);
bool isSelfSigned(X509* cert);

}  // namespace nc::vault_sim
