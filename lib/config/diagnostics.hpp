// Diagnostics: the errors and warnings found while loading configuration, each with its place.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nc::config {

enum class Severity { error, warning };
const char* toString(Severity s);

/// A position in a configuration file (1-based line and column; 0 when unknown).
struct SourceRef {
  std::string file;
  int line = 0;
  int column = 0;
  /// "file:line:column" (or just "file" when the line is unknown).
  std::string toString() const;
};

/// One finding. `field` is the dotted path of the key, e.g. "vault.pki_roles[0].config.ttl",
/// or "<root>" for a finding about the whole document.
struct Diagnostic {
  Severity severity = Severity::error;
  SourceRef where;
  std::string field;
  std::string message;
  /// "file:line:col: field: message" (warnings say "warning: " before the field).
  std::string toString() const;
};

/// Findings in the order they were made; a file's findings are all reported, not only the first.
class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(SourceRef where, std::string field, std::string message);
  void warning(SourceRef where, std::string field, std::string message);
  void append(const Diagnostics& other);

  const std::vector<Diagnostic>& items() const { return items_; }
  std::size_t errorCount() const;
  std::size_t warningCount() const;
  bool hasErrors() const { return errorCount() > 0; }
  bool empty() const { return items_.empty(); }
  /// Every finding, one per line.
  std::string toString() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace nc::config
