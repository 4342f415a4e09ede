// Logging setup: spdlog with human text on a terminal, JSON lines otherwise, and journald with
// structured fields under systemd; plus log events that carry such fields (ALERT=, JOB=, ...).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace nc::logging {

enum class Format { automatic, text, json, journal };

struct Options {
  Format format = Format::automatic;
  std::string level = "info";  ///< trace|debug|info|warn|error|critical|off
};

/// Parses "auto" | "text" | "json" | "journal".
Result<Format> parseFormat(std::string_view s);
/// Checks a level name; returns it unchanged when valid.
Result<std::string> parseLevel(std::string_view s);

/// The format `automatic` resolves to: journal when stderr is the journal stream systemd set
/// up ($JOURNAL_STREAM names stderr's device:inode), text on a terminal, JSON lines otherwise.
Format resolveFormat(Format format);

/// Installs the default logger (to stderr, or to journald). Safe to call again (reload).
void setup(const Options& options);

/// One structured field: a lower-case key ("alloc_id"); journald gets it upper-cased
/// ("ALLOC_ID"), JSON lines as a key, text as " key=value". Never put a secret in one.
using Field = std::pair<std::string, std::string>;
using Fields = std::vector<Field>;

enum class Level { trace, debug, info, warn, error, critical };

/// Logs `message` with `fields` through the default logger.
void event(Level level, std::string_view message, const Fields& fields);

/// journald field name for a key: upper case, [A-Z0-9_] only, no leading '_' or digit.
std::string journalFieldName(std::string_view key);

/// Replaces how journal entries are written (default: sd_journal_sendv); each entry is its
/// list of "NAME=value" strings. For tests; an empty function restores the default.
void setJournalWriterForTest(std::function<void(const std::vector<std::string>&)> writer);

}  // namespace nc::logging
