// Go's time.ParseDuration and Duration.String(), as Nomad parses and prints durations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nc::nomadsim {

/// Parses "1h30m", "500ms", "-2s", "0" like Go's time.ParseDuration; nullopt when invalid.
std::optional<std::int64_t> parseGoDuration(std::string_view s);
/// Formats nanoseconds like Go's Duration.String(): "15s", "1m0s", "1h0m0s", "500ms", "0s".
std::string formatGoDuration(std::int64_t ns);

}  // namespace nc::nomadsim
