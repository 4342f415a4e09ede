// A CA chain read once into an OpenSSL trust store, so that checking a leaf against it costs one
// chain build and signature check instead of re-reading the anchors for every certificate.
#pragma once

#include <openssl/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certs/x509.hpp"

namespace nc::certs {

class CertificateView;

class TrustAnchors {
 public:
  /// Never fails: an unreadable or empty chain is kept as an error every verify() returns, so
  /// each certificate checked against it says why.
  static std::shared_ptr<const TrustAnchors> fromPem(std::string_view pem);
  ~TrustAnchors();
  TrustAnchors(const TrustAnchors&) = delete;
  TrustAnchors& operator=(const TrustAnchors&) = delete;

  /// Verifies leaf against intermediates and these anchors at `at` (X509_verify_cert with
  /// X509_V_FLAG_PARTIAL_CHAIN); the error carries OpenSSL's reason.
  Result<void> verify(X509* leaf, const std::vector<X509*>& intermediates, TimePoint at) const;

  /// Whether verify() would accept this leaf at `at`, shown without decoding it into an X509
  /// (whose public-key decode is most of a first sight's cost in OpenSSL 3.0). Holds only for
  /// a leaf issued by exactly one anchor through which verify() has already accepted a leaf:
  /// that covers everything above the leaf, which does not depend on it (no anchor may carry
  /// name or policy constraints). The leaf's own checks are made here: validity, version,
  /// extensions that decode and none critical that OpenSSL refuses, no CA or proxy leaf,
  /// key identifiers, the signature algorithm, and the signature with the anchor's key. Its own
  /// public key is not decoded (its peers use it; the signature covers it). False means "not
  /// shown", never "invalid": the caller then runs verify(), which names the reason.
  bool acceptsDirectly(const CertificateView& leaf, TimePoint at) const;

  /// The period in which every anchor is within its validity (empty when none was read).
  TimePoint validFrom() const { return validFrom_; }
  TimePoint validUntil() const { return validUntil_; }
  /// Whether the chain was read from exactly this text (cheap change detection for callers
  /// that refresh the chain each cycle).
  bool sameSource(std::string_view pem) const { return pem == source_; }

 private:
  TrustAnchors() = default;
  /// The one anchor OpenSSL would take as the leaf's issuer (by name, then key identifier);
  /// anchors_.size() when there is none or no single one.
  std::size_t issuerOf(const CertificateView& leaf) const;
  /// Notes the anchor that issued the leaf of a chain verify() accepted.
  void noteAcceptedChain(X509_STORE_CTX* ctx) const;

  X509_STORE* store_ = nullptr;
  std::vector<X509*> anchors_;                           // own a reference each
  bool directChecks_ = false;                            // no anchor has name or policy constraints
  std::unique_ptr<std::atomic<bool>[]> acceptedIssuer_;  // per anchor: verify() accepted a leaf
  std::string loadError_;
  std::string source_;
  TimePoint validFrom_{}, validUntil_{};
};

using TrustAnchorsPtr = std::shared_ptr<const TrustAnchors>;

}  // namespace nc::certs
