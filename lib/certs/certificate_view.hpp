// A certificate read with an ASN.1 template that leaves its subject public key undecoded.
// OpenSSL 3.0's d2i_X509 decodes that key through its provider decoders, which is most of the
// cost of reading a leaf (~80 µs here); this template reads the same DER in a few µs. It gives
// what a scan keeps (names, serial, validity, extensions) and what checking the leaf's signature
// with its issuer's key needs (the signed bytes, algorithm and signature); anything beyond that
// takes OpenSSL's X509 object.
#pragma once

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace nc::certs {

namespace view_detail {
struct Certificate;  // the template's decoded structure (certificate_view.cpp)
struct CertificateFree {
  void operator()(Certificate* c) const;
};
}  // namespace view_detail

class CertificateView {
 public:
  /// Decodes one DER certificate; nullopt when the bytes are not a well-formed certificate
  /// (or carry trailing bytes).
  static std::optional<CertificateView> read(std::span<const unsigned char> der);

  long version() const;  ///< 0 for v1 … 2 for v3
  const ASN1_INTEGER* serial() const;
  const X509_NAME* issuer() const;
  const X509_NAME* subject() const;
  const ASN1_TIME* notBefore() const;
  const ASN1_TIME* notAfter() const;
  /// NID of the subject public key's algorithm (e.g. NID_X9_62_id_ecPublicKey).
  int publicKeyAlgorithm() const;
  /// Null when the certificate has no extensions.
  const STACK_OF(X509_EXTENSION) * extensions() const;
  /// The signed part (TBSCertificate) exactly as encoded, for signature verification.
  std::span<const unsigned char> signedBytes() const;
  const X509_ALGOR* innerSignatureAlgorithm() const;  ///< the one inside the signed part
  const X509_ALGOR* signatureAlgorithm() const;
  const ASN1_BIT_STRING* signature() const;

 private:
  explicit CertificateView(view_detail::Certificate* c) : cert_(c) {}
  std::unique_ptr<view_detail::Certificate, view_detail::CertificateFree> cert_;
};

/// The CERTIFICATE blocks of a PEM bundle read as views, other blocks skipped; nullopt when a
/// block is corrupt or not a certificate, or there are more than maxCount (the X509 reader
/// gives the precise error for those).
std::optional<std::vector<CertificateView>> readCertificateViews(std::string_view pem,
                                                                 std::size_t maxCount);

}  // namespace nc::certs
