// X.509 inspection with OpenSSL: PEM bundles to plain structs, chain verification, key matching.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::certs {

using TimePoint = std::chrono::system_clock::time_point;

struct CertificateInfo {
  std::string subject;     ///< RFC 2253 text, e.g. "CN=web.service.consul"
  std::string commonName;  ///< first CN of the subject; empty when absent
  std::string issuer;      ///< RFC 2253 text
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  std::vector<std::string> uris;
  std::vector<std::string> emails;
  std::string serial;  ///< colon-separated lower-case hex, as Vault prints it
  TimePoint notBefore;
  TimePoint notAfter;
  bool isCa = false;
  std::vector<std::string> keyUsage;          ///< e.g. "DigitalSignature", "KeyEncipherment"
  std::vector<std::string> extendedKeyUsage;  ///< e.g. "ServerAuth", "ClientAuth"
  std::string publicKeyAlgorithm;             ///< "RSA", "EC", "ED25519"
  std::string publicKeyFingerprint;           ///< SHA-256 of the DER SubjectPublicKeyInfo, hex
  std::string pem;                            ///< this certificate alone, re-encoded

  std::chrono::seconds lifetime() const {
    return std::chrono::duration_cast<std::chrono::seconds>(notAfter - notBefore);
  }
  /// True when name equals the CN or one of the DNS SANs (case-insensitive).
  bool coversName(std::string_view name) const;
};

/// True when name equals commonName or one of dnsNames, ignoring ASCII case.
bool nameCovered(std::string_view name, std::string_view commonName,
                 const std::vector<std::string>& dnsNames);

struct ParseLimits {
  std::size_t maxBytes = 1024 * 1024;  ///< a bundle larger than this is refused unread
  std::size_t maxCertificates = 16;
};

/// Parses every CERTIFICATE block of a PEM bundle, leaf first as written. Other PEM blocks
/// (private keys) are skipped without being copied. Errors: empty input, no certificate,
/// truncated or corrupt block (naming its index), over the limits.
Result<std::vector<CertificateInfo>> parsePemBundle(std::string_view pem, ParseLimits limits = {});

/// Verifies leaf against intermediates and trust anchors at time `at` (OpenSSL X509_verify_cert
/// with X509_V_FLAG_PARTIAL_CHAIN, so an intermediate may be the anchor). The error message
/// carries OpenSSL's reason ("certificate has expired", "unable to get local issuer ...").
Result<void> verifyChain(std::string_view leafPem, std::string_view intermediatesPem,
                         std::string_view trustAnchorsPem, TimePoint at);

/// Whether the PEM private key is the one of the certificate's public key. The key text is
/// never copied into messages.
Result<bool> privateKeyMatches(std::string_view certificatePem, std::string_view keyPem);

}  // namespace nc::certs
