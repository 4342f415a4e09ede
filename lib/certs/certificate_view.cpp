// CertificateView: X.509's own structure (RFC 5280 §4.1) as an OpenSSL ASN.1 template, with the
// SubjectPublicKeyInfo kept as an algorithm and a bit string instead of a decoded key.
#include "certs/certificate_view.hpp"

#include <openssl/asn1t.h>
#include <openssl/err.h>

#include "certs/openssl_util.hpp"

namespace nc::certs {
namespace view_detail {

struct PublicKeyInfo {
  X509_ALGOR* algorithm;
  ASN1_BIT_STRING* key;
};

struct SignedPart {
  ASN1_ENCODING enc;  // the bytes as read, which the signature covers
  ASN1_INTEGER* version;
  ASN1_INTEGER* serial;
  X509_ALGOR* signature;
  X509_NAME* issuer;
  X509_VAL* validity;
  X509_NAME* subject;
  PublicKeyInfo* key;
  ASN1_BIT_STRING* issuerUid;
  ASN1_BIT_STRING* subjectUid;
  STACK_OF(X509_EXTENSION) * extensions;
};

struct Certificate {
  SignedPart* tbs;
  X509_ALGOR* signatureAlgorithm;
  ASN1_BIT_STRING* signature;
};

// clang-format off
ASN1_SEQUENCE(PublicKeyInfo) = {
  ASN1_SIMPLE(PublicKeyInfo, algorithm, X509_ALGOR),
  ASN1_SIMPLE(PublicKeyInfo, key, ASN1_BIT_STRING)
} ASN1_SEQUENCE_END(PublicKeyInfo)

ASN1_SEQUENCE_enc(SignedPart, enc, 0) = {
  ASN1_EXP_OPT(SignedPart, version, ASN1_INTEGER, 0),
  ASN1_SIMPLE(SignedPart, serial, ASN1_INTEGER),
  ASN1_SIMPLE(SignedPart, signature, X509_ALGOR),
  ASN1_SIMPLE(SignedPart, issuer, X509_NAME),
  ASN1_SIMPLE(SignedPart, validity, X509_VAL),
  ASN1_SIMPLE(SignedPart, subject, X509_NAME),
  ASN1_SIMPLE(SignedPart, key, PublicKeyInfo),
  ASN1_IMP_OPT(SignedPart, issuerUid, ASN1_BIT_STRING, 1),
  ASN1_IMP_OPT(SignedPart, subjectUid, ASN1_BIT_STRING, 2),
  ASN1_EXP_SEQUENCE_OF_OPT(SignedPart, extensions, X509_EXTENSION, 3)
} ASN1_SEQUENCE_END_enc(SignedPart, SignedPart)

ASN1_SEQUENCE(Certificate) = {
  ASN1_SIMPLE(Certificate, tbs, SignedPart),
  ASN1_SIMPLE(Certificate, signatureAlgorithm, X509_ALGOR),
  ASN1_SIMPLE(Certificate, signature, ASN1_BIT_STRING)
} ASN1_SEQUENCE_END(Certificate)

void CertificateFree::operator()(Certificate* c) const {
  ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(c), ASN1_ITEM_rptr(Certificate));
}
// clang-format on

}  // namespace view_detail

std::optional<CertificateView> CertificateView::read(std::span<const unsigned char> der) {
  const unsigned char* p = der.data();
  auto* c = reinterpret_cast<view_detail::Certificate*>(ASN1_item_d2i(
      nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(view_detail::Certificate)));
  if (!c) {
    ERR_clear_error();
    return std::nullopt;
  }
  CertificateView v(c);
  if (p != der.data() + der.size()) return std::nullopt;
  return v;
}

long CertificateView::version() const {
  return cert_->tbs->version ? ASN1_INTEGER_get(cert_->tbs->version) : 0;
}
const ASN1_INTEGER* CertificateView::serial() const {
  return cert_->tbs->serial;
}
const X509_NAME* CertificateView::issuer() const {
  return cert_->tbs->issuer;
}
const X509_NAME* CertificateView::subject() const {
  return cert_->tbs->subject;
}
const ASN1_TIME* CertificateView::notBefore() const {
  return cert_->tbs->validity->notBefore;
}
const ASN1_TIME* CertificateView::notAfter() const {
  return cert_->tbs->validity->notAfter;
}
int CertificateView::publicKeyAlgorithm() const {
  return OBJ_obj2nid(cert_->tbs->key->algorithm->algorithm);
}
const STACK_OF(X509_EXTENSION) * CertificateView::extensions() const {
  return cert_->tbs->extensions;
}
std::span<const unsigned char> CertificateView::signedBytes() const {
  return {cert_->tbs->enc.enc, static_cast<std::size_t>(cert_->tbs->enc.len)};
}
const X509_ALGOR* CertificateView::innerSignatureAlgorithm() const {
  return cert_->tbs->signature;
}
const X509_ALGOR* CertificateView::signatureAlgorithm() const {
  return cert_->signatureAlgorithm;
}
const ASN1_BIT_STRING* CertificateView::signature() const {
  return cert_->signature;
}

std::optional<std::vector<CertificateView>> readCertificateViews(std::string_view pem,
                                                                 std::size_t maxCount) {
  std::vector<CertificateView> out;
  bool whole = true;
  auto read = ossl::forEachPemBlock(pem, [&](std::string_view name, auto der, std::size_t) {
    if (name != "CERTIFICATE") return true;
    auto view = CertificateView::read(der);
    if (!view || out.size() == maxCount) return whole = false;
    out.push_back(std::move(*view));
    return true;
  });
  if (!read || !whole) return std::nullopt;
  return out;
}

}  // namespace nc::certs
