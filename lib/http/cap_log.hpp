// Log lines for the server's connection cap, rate-limited: the first refusal is logged, then at
// most one summary line per interval with the number refused since the last line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace nc::http {

/// Decides what to log about refused connections; the caller passes the time (a steady clock in
/// the server, a manual one in tests) and logs the returned line.
class ConnectionCapLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ConnectionCapLog(std::size_t cap,
                            std::chrono::nanoseconds interval = std::chrono::seconds(10))
      : cap_(cap), interval_(interval) {}

  /// A new connection was closed at `now` because the cap was reached. Returns the line to log:
  /// "connection cap N reached, ..." for the first refusal (or the first after a quiet
  /// interval), "connection cap N: K connections refused in the last Xs (T in total)" when an
  /// interval has passed since the last line; std::nullopt otherwise (counted only).
  std::optional<std::string> refused(Clock::time_point now);
  /// A connection was accepted again at `now`: a summary of refusals not logged yet, once an
  /// interval has passed since the last line.
  std::optional<std::string> accepted(Clock::time_point now);

  /// Connections refused since the start.
  std::uint64_t total() const { return total_; }
  /// Refused connections not mentioned in a logged line yet.
  std::uint64_t unreported() const { return unreported_; }

 private:
  bool due(Clock::time_point now) const { return !last_ || now - *last_ >= interval_; }
  std::string summary(Clock::time_point now, const char* tail);

  std::size_t cap_;
  std::chrono::nanoseconds interval_;
  std::optional<Clock::time_point> last_;  ///< when the last line was returned
  std::uint64_t total_ = 0, unreported_ = 0;
};

}  // namespace nc::http
