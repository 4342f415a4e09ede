// Vault object fields declared in the desired state (PKI roles, JWT auth config and roles,
// mount config), typed as Vault's API expects them (shared/reference/vault-api.md §1.5, §3, §5).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.hpp"

namespace nc::config {

/// The JSON type a Vault field has on write and on read.
enum class FieldType {
  boolean,
  integer,
  duration,  ///< written and read back as integer seconds
  string,
  stringList,  ///< JSON array of strings (YAML list, or a comma-separated string as Vault takes)
  stringMap,   ///< JSON object string -> string
  claimMap,    ///< JSON object string -> string or [string] (JWT bound_claims)
};

/// One declared field value. Only the member matching `type` is meaningful.
struct FieldValue {
  FieldType type = FieldType::string;
  bool boolean = false;
  std::int64_t integer = 0;  ///< integer, or duration in whole seconds
  std::string string;
  std::vector<std::string> list;
  /// stringMap: exactly one item per key; claimMap: one item (a string) or several (a list).
  std::map<std::string, std::vector<std::string>> map;
  bool mapValueIsList = false;  ///< claimMap: some value was written as a list
  SourceRef where;              ///< where the value was declared
};

/// Declared fields by Vault field name. Only these are compared with the live object.
using FieldMap = std::map<std::string, FieldValue>;

/// Which Vault object a FieldMap describes.
enum class FieldSchema { pkiRole, jwtAuthConfig, jwtRole, mountConfig };

struct FieldSpec {
  FieldSpec(std::string_view n, FieldType t, std::vector<std::string> allowed = {}, bool ci = false,
            bool ro = false)
      : name(n), type(t), allowedValues(std::move(allowed)), caseInsensitive(ci), readOnly(ro) {}
  std::string_view name;
  FieldType type;
  std::vector<std::string> allowedValues;  ///< for strings / list items; empty = any
  bool caseInsensitive = false;            ///< allowedValues compared ignoring case
  bool readOnly = false;                   ///< shown by GET but not settable
};

/// Every field Vault documents for that object (vault-api.md §3.2, §5.1–5.3, §2.3).
const std::vector<FieldSpec>& fieldSpecs(FieldSchema schema);
const FieldSpec* findFieldSpec(FieldSchema schema, std::string_view name);

/// The fields as a JSON object text with Vault's types (durations as integer seconds),
/// ready to be a request body or to be compared with a GET's `data`.
std::string toJson(const FieldMap& fields);

// Typed look-ups; nothing when the field is not declared (or has another type).
std::optional<bool> getBool(const FieldMap& m, std::string_view name);
std::optional<std::int64_t> getInt(const FieldMap& m, std::string_view name);  ///< int/duration
std::optional<std::string> getString(const FieldMap& m, std::string_view name);
std::optional<std::vector<std::string>> getList(const FieldMap& m, std::string_view name);

}  // namespace nc::config
