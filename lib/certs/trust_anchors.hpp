// A CA chain read once into an OpenSSL trust store, so that checking a leaf against it costs one
// chain build and signature check instead of re-reading the anchors for every certificate.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certs/x509.hpp"

namespace nc::certs {

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

  /// The period in which every anchor is within its validity (empty when none was read).
  TimePoint validFrom() const { return validFrom_; }
  TimePoint validUntil() const { return validUntil_; }
  /// Whether the chain was read from exactly this text (cheap change detection for callers
  /// that refresh the chain each cycle).
  bool sameSource(std::string_view pem) const { return pem == source_; }

 private:
  TrustAnchors() = default;
  X509_STORE* store_ = nullptr;
  std::string loadError_;
  std::string source_;
  TimePoint validFrom_{}, validUntil_{};
};

using TrustAnchorsPtr = std::shared_ptr<const TrustAnchors>;

}  // namespace nc::certs
