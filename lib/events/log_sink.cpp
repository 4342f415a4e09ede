// LogSink: alert events as log lines with key=value labels and structured fields (journald
// ALERT=, ALERT_STATE=, SEVERITY=, FINGERPRINT=, JOB=, ALLOC_ID=, ...; JSON keys likewise).
#include "events/log_sink.hpp"

#include "core/logging.hpp"

namespace nc::events {

std::string LogSink::format(const Alert& a) {
  std::string line = "alert " + a.name + " " + std::string(toString(a.state)) +
                     " severity=" + std::string(toString(a.severity)) +
                     " fingerprint=" + a.fingerprint();
  for (const auto& [k, v] : a.labels) line += " " + k + "=" + v;
  if (auto it = a.annotations.find("summary"); it != a.annotations.end())
    line += " summary=\"" + it->second + "\"";
  return line;
}

logging::Fields LogSink::fields(const Alert& a) {
  logging::Fields f = {{"alert", a.name},
                       {"alert_state", std::string(toString(a.state))},
                       {"severity", std::string(toString(a.severity))},
                       {"fingerprint", a.fingerprint()}};
  for (const auto& [k, v] : a.labels) {
    if (k == "alertname" || k == "severity") continue;
    f.emplace_back(k == "path" ? "cert_path" : k, v);  // PATH would read as the search path
  }
  for (const char* k : {"not_after", "remaining"})
    if (auto it = a.annotations.find(k); it != a.annotations.end()) f.emplace_back(k, it->second);
  return f;
}

boost::asio::awaitable<Result<void>> LogSink::deliver(std::vector<Alert> batch) {
  for (const auto& a : batch) {
    auto level = a.state == AlertState::resolved    ? logging::Level::info
                 : a.severity == Severity::critical ? logging::Level::error
                                                    : logging::Level::warn;
    logging::event(level, format(a), fields(a));
  }
  co_return Result<void>();
}

}  // namespace nc::events
