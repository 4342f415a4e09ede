// What the checks need from one PEM bundle, extracted once per file content: the leaf's names,
// serial and validity, and its chain verdict with the period that verdict holds for. The
// scanner keeps these instead of the PEM text, so a rescan of an unchanged file costs only the
// expiry decision.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "certs/trust_anchors.hpp"
#include "certs/x509.hpp"

namespace nc::certs {

/// Text that is almost always empty, one pointer wide: facts are kept per file, and an empty
/// std::string is 32 bytes each time.
class RareText {
 public:
  RareText() = default;
  RareText(std::string text) { *this = std::move(text); }  // NOLINT: stands in for a string
  RareText(const RareText& o)
      : text_(o.text_ ? std::make_unique<std::string>(*o.text_) : nullptr) {}
  RareText(RareText&&) noexcept = default;
  RareText& operator=(const RareText& o) { return *this = o.str(); }
  RareText& operator=(RareText&&) noexcept = default;
  RareText& operator=(std::string text) {
    text_ = text.empty() ? nullptr : std::make_unique<std::string>(std::move(text));
    return *this;
  }
  bool empty() const { return !text_; }
  const std::string& str() const {
    static const std::string kNone;
    return text_ ? *text_ : kNone;
  }
  friend bool operator==(const RareText& a, const RareText& b) { return a.str() == b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const RareText& t) { return out << t.str(); }

 private:
  std::unique_ptr<std::string> text_;
};

/// A serial number's bytes, big-endian: up to 20 (RFC 5280's limit, and Vault's length) held in
/// place, a longer one from a lax CA in a block of its own. Facts are kept per file (50k at B5
/// scale), and a std::string of 20 bytes takes a heap block besides its 32.
class SerialBytes {
 public:
  SerialBytes() = default;
  SerialBytes(std::string_view bytes) {  // NOLINT: stands in for the bytes
    if (bytes.size() > kInPlace) {
      longer_ = std::string(bytes);
    } else {
      size_ = static_cast<std::uint8_t>(bytes.size());
      if (size_ != 0) std::memcpy(inPlace_.data(), bytes.data(), size_);
    }
  }
  SerialBytes(const std::string& bytes) : SerialBytes(std::string_view(bytes)) {}  // NOLINT
  std::string_view view() const {
    return longer_.empty() ? std::string_view(inPlace_.data(), size_) : longer_.str();
  }
  bool empty() const { return view().empty(); }
  friend bool operator==(const SerialBytes& a, const SerialBytes& b) {
    return a.view() == b.view();
  }

 private:
  static constexpr std::size_t kInPlace = 20;
  std::array<char, kInPlace> inPlace_{};
  std::uint8_t size_ = 0;
  RareText longer_;
};

struct ChainVerdict {
  TrustAnchorsPtr anchors;              ///< what the leaf was checked against; null: not checked
  RareText error;                       ///< empty: the leaf chains to the anchors
  TimePoint validFrom{}, validUntil{};  ///< the verdict holds for checks in [from, until)

  /// True when a check against `against` at `at` would give the same verdict.
  bool holdsFor(const TrustAnchorsPtr& against, TimePoint at) const {
    return anchors == against && (!anchors || (validFrom <= at && at < validUntil));
  }
};

struct CertificateFacts {
  RareText parseError;  ///< non-empty: the bundle could not be read (the message)
  std::string commonName;
  /// The spelled form would cost a heap block per file, so it is made when asked for (serialHex).
  SerialBytes serialBytes;
  /// The DNS SANs other than the common name: Vault puts the CN among the SANs too, and
  /// coversName looks at the CN anyway (case-insensitive, like these names).
  std::vector<std::string> otherDnsNames;
  TimePoint notBefore{}, notAfter{};
  ChainVerdict chain;

  /// "1a:2b:…", lower case, as Vault spells serial numbers; empty when not read.
  std::string serialHex() const;
  /// True when name equals the CN or one of the DNS SANs (case-insensitive).
  bool coversName(std::string_view name) const;
  /// Keeps the DNS SANs that are not the common name.
  void setDnsNames(std::vector<std::string> dnsNames);
};

using CertificateFactsPtr = std::shared_ptr<const CertificateFacts>;

/// Parses the bundle (leaf first, intermediates after it) once and, when anchors are given,
/// verifies the leaf against them at `at`. Errors are kept in the facts, never thrown.
CertificateFacts extractFacts(std::string_view pem, const TrustAnchorsPtr& anchors, TimePoint at,
                              ParseLimits limits = {});

/// extractFacts' two ways, for tests and benchmarks. Directly: the bundle read as
/// CertificateViews, only for a leaf the anchors accept directly (nullopt otherwise, which is
/// never a verdict). From X509: OpenSSL's reader and X509_verify_cert, for every input.
std::optional<CertificateFacts> extractFactsDirectly(std::string_view pem,
                                                     const TrustAnchorsPtr& anchors, TimePoint at,
                                                     ParseLimits limits = {});
CertificateFacts extractFactsFromX509(std::string_view pem, const TrustAnchorsPtr& anchors,
                                      TimePoint at, ParseLimits limits = {});

}  // namespace nc::certs
