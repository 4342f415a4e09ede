// Internal to lib/config: walks a YAML document by field path, collecting diagnostics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/source_text.hpp"
#include "config/yaml_tree.hpp"
#include "core/duration.hpp"

namespace nc::config::detail {

/// One YAML file being read: its name for messages and where findings go.
class DocContext {
 public:
  DocContext(const SourceText& src, Diagnostics& diags) : src_(src), diags_(diags) {}
  SourceRef at(const YamlNode& n) const;
  void error(const YamlNode& n, const std::string& field, std::string message);
  void warning(const YamlNode& n, const std::string& field, std::string message);
  const SourceText& source() const { return src_; }
  Diagnostics& diags() { return diags_; }

  /// Counts `n` more entries read. Aliases let a small file expand into a huge tree, so reading
  /// stops (with one error) after kMaxEntries; returns false from then on.
  bool spend(const YamlNode& at, std::size_t n);
  static constexpr std::size_t kMaxEntries = kMaxEntriesPerFile;
  static constexpr std::size_t kMaxFindings = kMaxFindingsPerFile;

 private:
  const SourceText& src_;
  Diagnostics& diags_;
  std::size_t spent_ = 0;
  std::size_t findings_ = 0;
  bool tooMany();
  bool exhausted_ = false;
};

/// Parses the text as exactly one YAML document; syntax errors are reported with the position
/// and the enclosing key path. Returns null on error.
std::unique_ptr<const YamlDocument> parseYaml(const SourceText& src, Diagnostics& diags);

std::string joinPath(std::string_view parent, std::string_view key);
std::string indexPath(std::string_view parent, std::size_t index);
/// "a mapping", "a list", "null", "a string" — for "expected X, got Y" messages.
std::string describeNode(const YamlNode& n);

// Scalar readers: report a typed error at the node and return false when it does not fit.
bool readString(DocContext& c, const YamlNode& n, const std::string& field, std::string& out);
bool readBool(DocContext& c, const YamlNode& n, const std::string& field, bool& out);
bool readInt(DocContext& c, const YamlNode& n, const std::string& field, std::int64_t& out,
             std::int64_t min, std::int64_t max);
bool readDouble(DocContext& c, const YamlNode& n, const std::string& field, double& out, double min,
                double max);
bool readDuration(DocContext& c, const YamlNode& n, const std::string& field, Duration& out);
bool readEnum(DocContext& c, const YamlNode& n, const std::string& field, std::string& out,
              const std::vector<std::string>& allowed);
bool readStringList(DocContext& c, const YamlNode& n, const std::string& field,
                    std::vector<std::string>& out);
bool readStringMap(DocContext& c, const YamlNode& n, const std::string& field,
                   std::map<std::string, std::string>& out);

/// A YAML mapping read key by key. Every key asked for becomes "known"; finish() reports the
/// keys nobody asked for as unknown, with a "did you mean" from the known ones. Duplicate keys
/// are reported when the reader is built.
class MapReader {
 public:
  MapReader(DocContext& ctx, const YamlNode& node, std::string path);
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return valid_; }
  const std::string& path() const { return path_; }
  const YamlNode& node() const { return node_; }
  DocContext& ctx() { return ctx_; }
  std::string field(std::string_view key) const { return joinPath(path_, key); }

  /// The value of `key` when present (and not a duplicate); marks the key as known.
  std::optional<YamlNode> take(std::string_view key);
  /// Reports "missing required field" for `key` when absent; returns the value otherwise.
  std::optional<YamlNode> require(std::string_view key);
  /// Marks keys as known without reading them.
  void allow(std::initializer_list<std::string_view> keys);

  bool optString(std::string_view key, std::string& out);
  bool reqString(std::string_view key, std::string& out);
  bool optBool(std::string_view key, bool& out);
  bool optInt(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  bool optDouble(std::string_view key, double& out, double min, double max);
  bool optDuration(std::string_view key, Duration& out);
  bool optEnum(std::string_view key, std::string& out, const std::vector<std::string>& allowed);
  bool optStringList(std::string_view key, std::vector<std::string>& out);
  bool optStringMap(std::string_view key, std::map<std::string, std::string>& out);

  /// Reports every key that no take()/allow() asked for.
  void finish();

 private:
  DocContext& ctx_;
  YamlNode node_;
  std::string path_;
  bool valid_ = false;
  std::vector<std::pair<YamlNode, YamlNode>> entries_;  // key node, value node
  std::set<std::string, std::less<>> known_;
};

}  // namespace nc::config::detail
