// Secret: a token or key held in memory whose printed form never shows the value.
#pragma once

#include <ostream>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace nc::config {

/// Holds a secret string. Every formatting path (operator<<, fmt, toString) prints a
/// placeholder; only reveal() gives the value, so a call site that sends it is easy to audit.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  /// The value itself: only for putting it on the wire (headers), never for logs.
  const std::string& reveal() const { return value_; }
  /// "(empty)" or "(redacted, N bytes)".
  std::string toString() const {
    return empty() ? "(empty)" : "(redacted, " + std::to_string(value_.size()) + " bytes)";
  }

  friend bool operator==(const Secret&, const Secret&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Secret& s) { return os << s.toString(); }

 private:
  std::string value_;
};

}  // namespace nc::config

template <>
struct fmt::formatter<nc::config::Secret> : fmt::formatter<std::string> {
  template <class Ctx>
  auto format(const nc::config::Secret& s, Ctx& ctx) const {
    return fmt::formatter<std::string>::format(s.toString(), ctx);
  }
};
