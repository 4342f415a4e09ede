// Reading configuration files safely: size cap, empty, binary and tab checks, positions.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.hpp"

namespace nc::config {

/// Largest configuration, policy or job file nomad-certd reads (4 MiB).
inline constexpr std::size_t kMaxFileBytes = 4u * 1024u * 1024u;
/// Findings reported per YAML file before reading stops (one more says so).
inline constexpr std::size_t kMaxFindingsPerFile = 200;
/// Entries read per YAML file, counting every use of an alias (guards against alias bombs).
inline constexpr std::size_t kMaxEntriesPerFile = 200000;

/// File text plus the name used in messages (as the user wrote it, or relative to the file
/// that named it).
struct SourceText {
  std::filesystem::path path;
  std::string displayName;
  std::string text;
};

/// Who named a file, so a missing file is reported at the naming place with both names.
struct FileReference {
  SourceRef where;    ///< position of the reference in the naming file
  std::string field;  ///< e.g. "vault.policies[0].file"
};

/// Reads a file of at most kMaxFileBytes. Reports (as errors, into `diags`) a missing or
/// unreadable file, a directory, an over-size file, an empty file (when !allowEmpty), NUL
/// bytes or invalid UTF-8 ("not a text file"). Returns nothing when the text is unusable.
/// Without `ref`, findings are placed in the file itself (field "<root>").
std::optional<SourceText> readSourceFile(const std::filesystem::path& path, std::string displayName,
                                         Diagnostics& diags,
                                         const std::optional<FileReference>& ref = std::nullopt,
                                         bool allowEmpty = false);

/// 1-based line and column of a byte offset.
std::pair<int, int> lineColumnAt(std::string_view text, std::size_t offset);

/// The dotted YAML key path that encloses `line` (1-based), guessed from indentation, for
/// messages about text that could not be parsed ("vault.pki_roles[0].config.ttl").
/// "<root>" when nothing encloses it.
std::string outlinePath(std::string_view text, int line);

/// Reports every tab used for indentation (YAML forbids it). Returns true when any was found.
bool checkYamlTabs(const SourceText& src, Diagnostics& diags);

/// True when `text` holds only whitespace and comments.
bool isBlankYaml(std::string_view text);

}  // namespace nc::config
