// extractFacts: one parse of a bundle and one chain check, kept as plain facts. A leaf the
// anchors accept directly (TrustAnchors::acceptsDirectly) is read as a CertificateView; every
// other bundle, and every error, takes OpenSSL's X509 reader and X509_verify_cert.
#include "certs/certificate_facts.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "certs/certificate_view.hpp"
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

/// The verdict window: the latest notBefore and earliest notAfter of the chain's certificates
/// (the leaf's own expiry is reported by the expiry policy, not as a chain failure).
struct Window {
  TimePoint from, until;
  explicit Window(const TrustAnchorsPtr& anchors)
      : from(anchors ? anchors->validFrom() : TimePoint::min()),
        until(anchors ? anchors->validUntil() : TimePoint::max()) {}
  void add(std::size_t index, TimePoint notBefore, TimePoint notAfter) {
    if (index > 0) until = std::min(until, notAfter);
    from = std::max(from, notBefore);
  }
  void settle(ChainVerdict& chain, const TrustAnchorsPtr& anchors, TimePoint at) const {
    chain.anchors = anchors;
    bool inWindow = from <= at && at < until;
    chain.validFrom = inWindow ? from : at;
    chain.validUntil = inWindow ? until : at;  // outside it: holds for this check only
  }
};

}  // namespace

std::optional<CertificateFacts> extractFactsDirectly(std::string_view pem,
                                                     const TrustAnchorsPtr& anchors, TimePoint at,
                                                     ParseLimits limits) {
  if (!anchors || pem.size() > limits.maxBytes) return std::nullopt;
  auto views = readCertificateViews(pem, limits.maxCertificates);
  if (!views || views->empty()) return std::nullopt;
  const CertificateView& leaf = views->front();
  if (!anchors->acceptsDirectly(leaf, at)) return std::nullopt;

  CertificateFacts f;
  Window window(anchors);
  for (std::size_t i = 0; i < views->size(); ++i) {
    auto nb = ossl::asn1TimeToTimePoint((*views)[i].notBefore());
    auto na = ossl::asn1TimeToTimePoint((*views)[i].notAfter());
    if (!nb || !na) return std::nullopt;
    if (i == 0) {
      f.notBefore = *nb;
      f.notAfter = *na;
    }
    window.add(i, *nb, *na);
  }
  f.commonName = ossl::commonNameOf(leaf.subject());
  f.serialBytes = ossl::serialBytes(leaf.serial());
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509V3_get_d2i(leaf.extensions(), NID_subject_alt_name, nullptr, nullptr))) {
    CertificateInfo info;
    ossl::readAltNames(names, info);
    GENERAL_NAMES_free(names);
    f.setDnsNames(std::move(info.dnsNames));
  }
  window.settle(f.chain, anchors, at);
  return f;
}

bool CertificateFacts::coversName(std::string_view name) const {
  return nameCovered(name, commonName, otherDnsNames);
}

void CertificateFacts::setDnsNames(std::vector<std::string> dnsNames) {
  std::erase_if(dnsNames, [&](const std::string& n) { return nameCovered(n, commonName, {}); });
  otherDnsNames = std::move(dnsNames);
  otherDnsNames.shrink_to_fit();
}

std::string CertificateFacts::serialHex() const {
  return ossl::hexWithColons(serialBytes.view());
}

CertificateFacts extractFacts(std::string_view pem, const TrustAnchorsPtr& anchors, TimePoint at,
                              ParseLimits limits) {
  if (auto direct = extractFactsDirectly(pem, anchors, at, limits)) return std::move(*direct);
  return extractFactsFromX509(pem, anchors, at, limits);
}

CertificateFacts extractFactsFromX509(std::string_view pem, const TrustAnchorsPtr& anchors,
                                      TimePoint at, ParseLimits limits) {
  auto certs = ossl::readCertificateBundle(pem, limits);
  if (!certs) return unreadable(certs.error().message, anchors);

  CertificateFacts f;
  X509* leaf = (*certs)[0].get();
  Window window(anchors);
  for (std::size_t i = 0; i < certs->size(); ++i) {
    TimePoint nb, na;
    if (!validity((*certs)[i].get(), nb, na))
      return unreadable("certificate #" + std::to_string(i + 1) +
                            ": certificate has an unreadable validity period",
                        anchors);
    if (i == 0) {
      f.notBefore = nb;
      f.notAfter = na;
    }
    window.add(i, nb, na);
  }
  if (!X509_get0_pubkey(leaf))
    return unreadable("certificate #1: certificate has an unreadable public key", anchors);
  f.commonName = ossl::commonNameOf(X509_get_subject_name(leaf));
  f.serialBytes = ossl::serialBytes(X509_get0_serialNumber(leaf));
  CertificateInfo names;
  ossl::readAltNames(leaf, names);
  f.setDnsNames(std::move(names.dnsNames));

  if (anchors) {
    std::vector<X509*> intermediates;
    for (std::size_t i = 1; i < certs->size(); ++i) intermediates.push_back((*certs)[i].get());
    auto verified = anchors->verify(leaf, intermediates, at);
    if (!verified && !verified.error().message.ends_with("certificate has expired"))
      f.chain.error = verified.error().message;
    window.settle(f.chain, anchors, at);
  }
  return f;
}

}  // namespace nc::certs
