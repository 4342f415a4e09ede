// Wire bodies for the HTTP sinks, as pure functions: Alertmanager's POST /api/v2/alerts array
// and the generic webhook document with its optional HMAC-SHA256 signature.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "events/alert.hpp"

namespace nc::events {

/// Alertmanager v2 body: [{labels, annotations, startsAt, endsAt, generatorURL}]. A firing alert
/// gets endsAt = sentAt + validity, so Alertmanager resolves it by itself if we go silent
/// (as Prometheus does); a resolved one carries its real endsAt.
std::string alertmanagerBody(const std::vector<Alert>& alerts, TimePoint sentAt, Duration validity,
                             std::string_view generatorUrl);

/// Webhook body: {"version":"1","source":"nomad-certd","alerts":[{status, fingerprint, labels,
/// annotations, startsAt, endsAt?}]}.
std::string webhookBody(const std::vector<Alert>& alerts);

/// "sha256=<hex HMAC-SHA256 of body>", for the X-Nomad-Certd-Signature header.
std::string hmacSignature(std::string_view secret, std::string_view body);

}  // namespace nc::events
