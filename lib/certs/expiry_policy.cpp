// The expiry policy as an ordered chain of checks; the first one that trips decides.
#include "certs/expiry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "events/alert.hpp"

namespace nc::certs {
namespace {

using std::chrono::duration_cast;
using Ns = std::chrono::nanoseconds;

Duration toDuration(TimePoint::duration d) {
  return Duration(duration_cast<Ns>(d));
}
TimePoint::duration fromDuration(Duration d) {
  return duration_cast<TimePoint::duration>(d.nanos());
}

Duration scale(Duration d, double f) {
  return Duration(
      Ns(static_cast<Ns::rep>(std::llround(static_cast<double>(d.nanos().count()) * f))));
}

/// Everything derived from the input once, shared by the checks.
struct Facts {
  const ExpiryInput& in;
  Duration lifetime;
  Duration slack;
  Duration remaining;
  TimePoint from, by, overdueAt;
  std::optional<Duration> warn, critical;
};

struct Verdict {
  CertState state;
  ReasonWord reason;
  std::string message;
};
using Check = std::function<std::optional<Verdict>(const Facts&)>;

std::string left(const Facts& f) {
  return f.remaining.toString() + " left";
}

/// An instant to the second, as in the certificate ("2026-12-30T01:02:03Z").
std::string at(TimePoint t) {
  std::string s = events::formatRfc3339(t);
  return s.substr(0, 19) + "Z";
}

const std::vector<Check>& checks() {
  static const std::vector<Check> list = {
      [](const Facts& f) -> std::optional<Verdict> {
        if (f.in.now < f.in.notAfter) return std::nullopt;
        return Verdict{
            CertState::critical, "Expired",
            "certificate expired " + toDuration(f.in.now - f.in.notAfter).toString() + " ago"};
      },
      [](const Facts& f) -> std::optional<Verdict> {
        if (f.in.now >= f.in.notBefore) return std::nullopt;
        return Verdict{CertState::warning, "NotYetValid",
                       "certificate is not valid for another " +
                           toDuration(f.in.notBefore - f.in.now).toString() +
                           " (clock skew between Vault and this host?)"};
      },
      [](const Facts& f) -> std::optional<Verdict> {
        if (!f.critical || f.remaining > *f.critical) return std::nullopt;
        return Verdict{CertState::critical, "ExpiryImminent",
                       left(f) + ", under critical_before " + f.in.criticalBefore->toString()};
      },
      [](const Facts& f) -> std::optional<Verdict> {
        if (f.in.mode == RenewalMode::none || f.in.now <= f.overdueAt) return std::nullopt;
        bool nearEnd = f.remaining.nanos() < 2 * f.slack.nanos();
        return Verdict{nearEnd ? CertState::critical : CertState::warning, "RenewalOverdue",
                       "renewal was expected by " + toDuration(f.by - f.in.notBefore).toString() +
                           " after NotBefore and has not happened; " + left(f)};
      },
      [](const Facts& f) -> std::optional<Verdict> {
        if (!f.warn || f.remaining > *f.warn) return std::nullopt;
        return Verdict{CertState::warning, "ExpiringSoon",
                       left(f) + ", under warn_before " + f.in.warnBefore->toString()};
      },
      [](const Facts& f) -> std::optional<Verdict> {
        if (f.in.mode == RenewalMode::none || f.in.now < f.from) return std::nullopt;
        // Absolute times: an ok verdict stands unchanged until nextChange (the scanner reuses it).
        return Verdict{CertState::ok, "RenewalWindow",
                       "inside the expected renewal window (renewal expected by " + at(f.by) +
                           "); valid until " + at(f.in.notAfter)};
      },
  };
  return list;
}

}  // namespace

std::string_view toString(CertState s) {
  switch (s) {
    case CertState::ok:
      return "ok";
    case CertState::warning:
      return "warning";
    case CertState::critical:
      return "critical";
    case CertState::missing:
      return "missing";
    case CertState::invalid:
      return "invalid";
  }
  return "invalid";
}

Result<Threshold> Threshold::parse(std::string_view text) {
  if (!text.empty() && text.back() == '%') {
    std::string num(text.substr(0, text.size() - 1));
    char* end = nullptr;
    double pct = std::strtod(num.c_str(), &end);
    if (num.empty() || end != num.c_str() + num.size() || !(pct > 0) || pct >= 100)
      return Error(errc::parse_error, "invalid percentage \"" + std::string(text) +
                                          "\": expected a number between 0 and 100, e.g. \"33%\"");
    return ofFraction(pct / 100.0);
  }
  auto d = Duration::parse(text);
  if (!d) return d.error();
  return ofDuration(*d);
}

Duration Threshold::resolve(Duration lifetime) const {
  return fraction_ < 0 ? duration_ : scale(lifetime, fraction_);
}

std::string Threshold::toString() const {
  if (fraction_ < 0) return duration_.toString();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", fraction_ * 100.0);
  return buf;
}

ExpiryDecision decideExpiry(const ExpiryInput& in) {
  // Issue time: NotBefore is back-dated by the role's not_before_duration.
  TimePoint issued = in.notBefore + fromDuration(in.notBeforeDuration);
  if (issued > in.notAfter) issued = in.notBefore;
  Duration lifetime = toDuration(in.notAfter - issued);
  Duration span = toDuration(in.notAfter - in.notBefore);

  Facts f{in, lifetime, {}, {}, {}, {}, {}, {}, {}};
  // Slack for template wait (≤4m), Vault retries (≈5m) and our own polling; never more than
  // 2.5 % of the lifetime so short certificates still get a useful warning.
  f.slack = std::min(Duration(Duration::seconds(600).nanos() + in.observationInterval.nanos()),
                     scale(lifetime, 0.025));
  f.remaining = in.now < in.notAfter ? toDuration(in.notAfter - in.now) : Duration{};
  if (in.mode == RenewalMode::pkiCert) {
    f.from = f.by = in.notBefore + fromDuration(scale(span, 0.90));
  } else {
    f.from = issued + fromDuration(scale(lifetime, 0.85));
    f.by = issued + fromDuration(scale(lifetime, 0.95));
  }
  f.overdueAt = f.by + fromDuration(f.slack);
  if (in.warnBefore) f.warn = in.warnBefore->resolve(lifetime);
  if (in.criticalBefore) f.critical = in.criticalBefore->resolve(lifetime);

  ExpiryDecision d;
  d.renewalExpectedFrom = f.from;
  d.renewalExpectedBy = f.by;
  d.overdueAt = f.overdueAt;
  d.remaining = f.remaining;
  d.state = CertState::ok;
  d.reason = "Valid";
  d.message = validUntilMessage(in.notAfter);
  for (const auto& check : checks()) {
    if (auto v = check(f)) {
      d.state = v->state;
      d.reason = v->reason;
      d.message = std::move(v->message);
      break;
    }
  }

  // The next moment any check's outcome can flip, so the watcher can schedule exactly.
  std::vector<TimePoint> moments = {in.notBefore, in.notAfter};
  if (in.mode != RenewalMode::none) {
    moments.push_back(f.from);
    moments.push_back(f.overdueAt);
    moments.push_back(in.notAfter - fromDuration(Duration(2 * f.slack.nanos())));
  }
  if (f.warn) moments.push_back(in.notAfter - fromDuration(*f.warn));
  if (f.critical) moments.push_back(in.notAfter - fromDuration(*f.critical));
  for (TimePoint t : moments)
    if (t > in.now && (!d.nextChange || t < *d.nextChange)) d.nextChange = t;
  return d;
}

std::string validUntilMessage(TimePoint notAfter) {
  return "valid until " + at(notAfter);
}

}  // namespace nc::certs
