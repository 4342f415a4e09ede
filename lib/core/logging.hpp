// Logging setup: spdlog with human text on a terminal and JSON lines otherwise.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace nc::logging {

enum class Format { automatic, text, json };

struct Options {
  Format format = Format::automatic;
  std::string level = "info";  ///< trace|debug|info|warn|error|critical|off
};

/// Parses "auto" | "text" | "json".
Result<Format> parseFormat(std::string_view s);
/// Checks a level name; returns it unchanged when valid.
Result<std::string> parseLevel(std::string_view s);

/// Installs the default logger (to stderr). Safe to call again (reload changes the level).
void setup(const Options& options);

}  // namespace nc::logging
