// extractFacts: one parse of a bundle and one chain check, kept as plain facts.
#include "certs/certificate_facts.hpp"

#include <openssl/x509.h>

#include <algorithm>

#include "certs/openssl_util.hpp"

namespace nc::certs {
namespace {

/// Facts of a bundle that cannot be read; the verdict holds for these anchors at any time, as
/// only new file content can change it.
CertificateFacts unreadable(std::string message, const TrustAnchorsPtr& anchors) {
  CertificateFacts f;
  f.parseError = std::move(message);
  f.chain.anchors = anchors;
  f.chain.validFrom = TimePoint::min();
  f.chain.validUntil = TimePoint::max();
  return f;
}

/// X.509 validity as time points; false when either date cannot be read.
bool validity(X509* cert, TimePoint& from, TimePoint& until) {
  auto nb = ossl::asn1TimeToTimePoint(X509_get0_notBefore(cert));
  auto na = ossl::asn1TimeToTimePoint(X509_get0_notAfter(cert));
  if (!nb || !na) return false;
  from = *nb;
  until = *na;
  return true;
}

}  // namespace

bool CertificateFacts::coversName(std::string_view name) const {
  return nameCovered(name, commonName, dnsNames);
}

CertificateFacts extractFacts(std::string_view pem, const TrustAnchorsPtr& anchors, TimePoint at,
                              ParseLimits limits) {
  auto certs = ossl::readCertificateBundle(pem, limits);
  if (!certs) return unreadable(certs.error().message, anchors);

  CertificateFacts f;
  X509* leaf = (*certs)[0].get();
  // The verdict window: the latest notBefore and earliest notAfter of the chain's certificates
  // (the leaf's own expiry is reported by the expiry policy, not as a chain failure).
  TimePoint from = anchors ? anchors->validFrom() : TimePoint::min();
  TimePoint until = anchors ? anchors->validUntil() : TimePoint::max();
  for (std::size_t i = 0; i < certs->size(); ++i) {
    TimePoint nb, na;
    if (!validity((*certs)[i].get(), nb, na))
      return unreadable("certificate #" + std::to_string(i + 1) +
                            ": certificate has an unreadable validity period",
                        anchors);
    if (i == 0) {
      f.notBefore = nb;
      f.notAfter = na;
    } else {
      until = std::min(until, na);
    }
    from = std::max(from, nb);
  }
  if (!X509_get0_pubkey(leaf))
    return unreadable("certificate #1: certificate has an unreadable public key", anchors);
  f.commonName = ossl::commonNameOf(X509_get_subject_name(leaf));
  f.serial = ossl::serialHex(X509_get0_serialNumber(leaf));
  CertificateInfo names;
  ossl::readAltNames(leaf, names);
  f.dnsNames = std::move(names.dnsNames);

  if (anchors) {
    std::vector<X509*> intermediates;
    for (std::size_t i = 1; i < certs->size(); ++i) intermediates.push_back((*certs)[i].get());
    auto verified = anchors->verify(leaf, intermediates, at);
    if (!verified && !verified.error().message.ends_with("certificate has expired"))
      f.chain.error = verified.error().message;
    f.chain.anchors = anchors;
    bool inWindow = from <= at && at < until;
    f.chain.validFrom = inWindow ? from : at;
    f.chain.validUntil = inWindow ? until : at;  // outside it: holds for this check only
  }
  return f;
}

}  // namespace nc::certs
