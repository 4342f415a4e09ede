// Renewal-aware expiry policy: pure decisions over a certificate's dates and the clock, so every
// case is a table test. Timing facts: shared/reference vault-api.md §7.1–7.4.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/duration.hpp"
#include "core/error.hpp"

namespace nc::certs {

using TimePoint = std::chrono::system_clock::time_point;

/// States exported as nomad_certd_certificates{state}.
enum class CertState { ok, warning, critical, missing, invalid };
std::string_view toString(CertState s);

/// A reason's machine word ("Valid", "Expired"...). Only a string literal makes one (the
/// constructor is consteval), so it is kept as a pointer: 50k kept rows held a string each.
class ReasonWord {
 public:
  consteval ReasonWord(const char* word) : word_(word) {}  // NOLINT: stands in for the word
  std::string_view view() const { return word_; }
  operator std::string_view() const { return word_; }  // NOLINT
  friend bool operator==(ReasonWord a, std::string_view b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& out, ReasonWord r) { return out << r.view(); }

 private:
  const char* word_;
};

/// A duration ("72h") or a fraction of the certificate's lifetime ("33%").
class Threshold {
 public:
  static Result<Threshold> parse(std::string_view text);
  static Threshold ofDuration(Duration d) { return Threshold(d, -1); }
  static Threshold ofFraction(double f) { return Threshold({}, f); }
  /// The span before NotAfter at which the threshold trips, for a given lifetime.
  Duration resolve(Duration lifetime) const;
  std::string toString() const;

  friend bool operator==(const Threshold&, const Threshold&) = default;

 private:
  Threshold(Duration d, double f) : duration_(d), fraction_(f) {}
  Duration duration_;
  double fraction_;  ///< < 0 when this is a plain duration
};

/// How the certificate gets replaced (decides when a replacement is expected).
enum class RenewalMode {
  secret,   ///< Nomad template / Vault Agent `secret`: at a random 85–95 % of the lifetime
  pkiCert,  ///< `pkiCert`: at exactly 90 % of NotBefore..NotAfter
  none,     ///< nobody renews it (batch job, static file): only the thresholds apply
};

struct ExpiryInput {
  TimePoint notBefore;
  TimePoint notAfter;
  TimePoint now;
  Duration notBeforeDuration = Duration::seconds(30);  ///< the role's back-dating
  RenewalMode mode = RenewalMode::secret;
  Duration observationInterval = Duration::seconds(60);  ///< how often we look
  std::optional<Threshold> warnBefore;
  std::optional<Threshold> criticalBefore;
};

struct ExpiryDecision {
  CertState state = CertState::ok;
  ReasonWord reason = "Valid";  ///< Valid, RenewalWindow, RenewalOverdue, ExpiringSoon,
                                ///< ExpiryImminent, Expired, NotYetValid
  /// One human sentence. An ok one names only instants, never the time left, so it stays true
  /// until nextChange.
  std::string message;
  TimePoint renewalExpectedFrom;        ///< earliest expected replacement
  TimePoint renewalExpectedBy;          ///< latest expected replacement
  TimePoint overdueAt;                  ///< renewalExpectedBy plus slack: RenewalOverdue after this
  Duration remaining;                   ///< NotAfter - now (zero when expired)
  std::optional<TimePoint> nextChange;  ///< earliest future moment the decision can change
};

/// Decides a certificate's state. Early renewal is normal and never raises anything.
ExpiryDecision decideExpiry(const ExpiryInput& in);

/// The message of a Valid decision: "valid until 2026-12-30T01:02:03Z".
std::string validUntilMessage(TimePoint notAfter);

}  // namespace nc::certs
