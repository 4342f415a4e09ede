// The HTTP alert sinks: Alertmanager (POST /api/v2/alerts) and a generic JSON webhook with an
// optional HMAC-SHA256 signature. Both go through http::Transport.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "events/sink.hpp"
#include "http/transport.hpp"

namespace nc::events {

struct AlertmanagerSinkOptions {
  std::string name = "alertmanager";
  std::string generatorUrl;  ///< link shown in Alertmanager, e.g. the /status URL
  /// endsAt given to firing alerts: Alertmanager resolves them itself if we fall silent for
  /// this long. Should exceed the repeat interval several times (Prometheus uses 4×).
  Duration validity = Duration::seconds(3600);
  http::Headers headers;  ///< e.g. Authorization for a protected Alertmanager
};

class AlertmanagerSink final : public AlertSink {
 public:
  AlertmanagerSink(http::TransportPtr transport, ClockPtr clock, AlertmanagerSinkOptions options);
  const std::string& name() const override { return options_.name; }
  boost::asio::awaitable<Result<void>> deliver(std::vector<Alert> batch) override;

 private:
  http::TransportPtr transport_;
  ClockPtr clock_;
  AlertmanagerSinkOptions options_;
};

struct WebhookSinkOptions {
  std::string name = "webhook";
  std::string path = "/";  ///< request target on the transport's base URL
  http::Headers headers;
  std::optional<std::string> hmacSecret;  ///< adds X-Nomad-Certd-Signature: sha256=<hex>
};

class WebhookSink final : public AlertSink {
 public:
  WebhookSink(http::TransportPtr transport, WebhookSinkOptions options);
  const std::string& name() const override { return options_.name; }
  boost::asio::awaitable<Result<void>> deliver(std::vector<Alert> batch) override;

 private:
  http::TransportPtr transport_;
  WebhookSinkOptions options_;
};

}  // namespace nc::events
