// The alert model of DESIGN §7: names, severities, labels, annotations, lifecycle times and a
// stable fingerprint; plus its JSON form as stored in the spool.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace nc::events {

using TimePoint = std::chrono::system_clock::time_point;

enum class Severity { info, warning, critical };
std::string_view toString(Severity s);
Result<Severity> parseSeverity(std::string_view s);

/// Alert names of the contract.
namespace alertname {
inline constexpr std::string_view kRenewalDue = "CertificateRenewalDue";
inline constexpr std::string_view kExpired = "CertificateExpired";
inline constexpr std::string_view kMissing = "CertificateMissing";
inline constexpr std::string_view kInvalid = "CertificateInvalid";
inline constexpr std::string_view kTemplateRenderFailed = "TemplateRenderFailed";
inline constexpr std::string_view kRenewalNotApplied = "RenewalNotApplied";
inline constexpr std::string_view kChurn = "CertificateChurn";
inline constexpr std::string_view kDriftDetected = "DriftDetected";
inline constexpr std::string_view kDriftFixFailed = "DriftFixFailed";
inline constexpr std::string_view kBackendUnavailable = "BackendUnavailable";
}  // namespace alertname

enum class AlertState { firing, resolved };
std::string_view toString(AlertState s);

struct Alert {
  std::string name;  ///< the alertname label
  Severity severity = Severity::warning;
  std::map<std::string, std::string> labels;       ///< job, namespace, task, alloc_id, path, ...
  std::map<std::string, std::string> annotations;  ///< summary, description, not_after, remaining
  AlertState state = AlertState::firing;
  TimePoint startsAt;
  std::optional<TimePoint> endsAt;  ///< set when resolved

  /// Every label Alertmanager sees: labels plus alertname and severity.
  std::map<std::string, std::string> allLabels() const;
  /// Stable 16-hex-digit identity from allLabels() minus severity (a severity change is the
  /// same alert escalating, not a new one).
  std::string fingerprint() const;
};

/// Spool/wire JSON of one alert event; decode validates every field.
std::string encodeAlert(const Alert& a);
Result<Alert> decodeAlert(std::string_view json);

/// RFC 3339 UTC with milliseconds, as Alertmanager accepts: "2026-11-28T10:00:00.000Z".
std::string formatRfc3339(TimePoint t);
Result<TimePoint> parseRfc3339(std::string_view s);

}  // namespace nc::events
