// LogSink: writes each alert event as one structured log line.
#pragma once

#include "core/logging.hpp"
#include "events/sink.hpp"

namespace nc::events {

class LogSink final : public AlertSink {
 public:
  explicit LogSink(std::string name = "log") : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  boost::asio::awaitable<Result<void>> deliver(std::vector<Alert> batch) override;

  /// The line logged for one alert (exposed for tests).
  static std::string format(const Alert& alert);
  /// Its structured fields: alert, alert_state, severity, fingerprint, every label (path as
  /// cert_path), not_after and remaining.
  static logging::Fields fields(const Alert& alert);

 private:
  std::string name_;
};

}  // namespace nc::events
