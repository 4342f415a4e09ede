// LogSink: alert events as log lines with key=value labels.
#include "events/log_sink.hpp"

#include <spdlog/spdlog.h>

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

boost::asio::awaitable<Result<void>> LogSink::deliver(std::vector<Alert> batch) {
  for (const auto& a : batch) {
    auto level = a.state == AlertState::resolved    ? spdlog::level::info
                 : a.severity == Severity::critical ? spdlog::level::err
                                                    : spdlog::level::warn;
    spdlog::log(level, "{}", format(a));
  }
  co_return Result<void>();
}

}  // namespace nc::events
