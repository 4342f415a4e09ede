// Small RAII and conversion helpers over OpenSSL, private to lib/certs.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certs/x509.hpp"
#include "core/error.hpp"

namespace nc::certs::ossl {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string bioText(BIO* bio);
std::string serialHex(const ASN1_INTEGER* serial);
/// The integer's magnitude bytes, big-endian (what serialHex spells).
std::string serialBytes(const ASN1_INTEGER* serial);
/// "1a:2b:…" for the bytes {0x1a, 0x2b, …}.
std::string hexWithColons(std::string_view bytes);
std::optional<TimePoint> asn1TimeToTimePoint(const ASN1_TIME* t);
std::string publicKeyFingerprint(X509* cert);
/// The first CN of a name as UTF-8; empty when absent.
std::string commonNameOf(const X509_NAME* name);
/// The subjectAltName entries (DNS, IP, URI, email) into info.
void readAltNames(X509* cert, CertificateInfo& info);
void readAltNames(const GENERAL_NAMES* names, CertificateInfo& info);

/// Calls onBlock(name, der, position) for each PEM block in order, position counting from 1;
/// onBlock returns false to stop. A block's bytes are wiped after the call (they may be key
/// material). Ends cleanly at the end of the input; an error naming the block's position for a
/// truncated or corrupt block.
using PemBlockVisitor =
    std::function<bool(std::string_view name, std::span<const unsigned char> der, std::size_t)>;
Result<void> forEachPemBlock(std::string_view pem, const PemBlockVisitor& onBlock);

/// Every PEM block named `wanted` decoded as X509; other blocks are skipped. A truncated or
/// corrupt block is an error naming the block's position; more than maxCount is too_large.
Result<std::vector<X509Ptr>> readPemBlocks(std::string_view pem, std::string_view wanted,
                                           std::size_t maxCount);
/// The certificates of a bundle within the limits: an error for input over maxBytes, blank
/// input, a corrupt block, more than maxCertificates, or no CERTIFICATE block at all.
Result<std::vector<X509Ptr>> readCertificateBundle(std::string_view pem, ParseLimits limits);
/// The first private key in the PEM text (PKCS#8, RSA or EC). Errors never quote the key.
Result<PkeyPtr> readPrivateKey(std::string_view pem);

}  // namespace nc::certs::ossl
