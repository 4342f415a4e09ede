// Duration: the time spans Vault and Nomad accept ("90s", "1h30m", "7d", 86400), parsed strictly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace nc {

class Duration {
 public:
  using Rep = std::chrono::nanoseconds;

  constexpr Duration() = default;
  constexpr explicit Duration(Rep ns) : ns_(ns) {}
  static constexpr Duration seconds(std::int64_t s) { return Duration(std::chrono::seconds(s)); }
  static constexpr Duration milliseconds(std::int64_t ms) {
    return Duration(std::chrono::milliseconds(ms));
  }

  /// Parses a Go duration ("1h30m", "500ms", "1.5h"), a day suffix ("7d", whole days, as Vault
  /// accepts), or a bare non-negative integer of seconds ("86400"). Negative values, spaces,
  /// unknown units and overflow are errors whose message quotes the input.
  static Result<Duration> parse(std::string_view text);

  constexpr Rep nanos() const { return ns_; }
  constexpr std::int64_t wholeSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(ns_).count();
  }
  template <class D>
  constexpr D as() const {
    return std::chrono::duration_cast<D>(ns_);
  }

  /// Canonical compact text: "0s", "500ms", "1m30s", "24h", "1h30m".
  std::string toString() const;

  friend constexpr auto operator<=>(const Duration&, const Duration&) = default;

 private:
  Rep ns_{0};
};

}  // namespace nc
