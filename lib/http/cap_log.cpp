// ConnectionCapLog: one line for the first refusal, then interval summaries with counts.
#include "http/cap_log.hpp"

#include <fmt/format.h>

namespace nc::http {

std::string ConnectionCapLog::summary(Clock::time_point now, const char* tail) {
  const double seconds = std::chrono::duration<double>(now - *last_).count();
  std::string line =
      fmt::format("connection cap {}: {} connection{} refused in the last {:.1f}s ({} in total){}",
                  cap_, unreported_, unreported_ == 1 ? "" : "s", seconds, total_, tail);
  last_ = now;
  unreported_ = 0;
  return line;
}

std::optional<std::string> ConnectionCapLog::refused(Clock::time_point now) {
  ++total_;
  ++unreported_;
  if (!due(now)) return std::nullopt;
  if (unreported_ > 1) return summary(now, "");
  last_ = now;
  unreported_ = 0;
  return fmt::format(
      "connection cap {} reached, closing new connections (counted; logged at most every {}s)",
      cap_, std::chrono::duration_cast<std::chrono::seconds>(interval_).count());
}

std::optional<std::string> ConnectionCapLog::accepted(Clock::time_point now) {
  if (unreported_ == 0 || !due(now)) return std::nullopt;
  return summary(now, "; accepting again");
}

}  // namespace nc::http
