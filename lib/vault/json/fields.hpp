// Defensive JSON decoding and small JSON writing helpers shared by the Vault and Nomad clients.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"

namespace nc::json {

/// Deepest array/object nesting parse() accepts: RapidJSON parses, copies and frees
/// recursively, so a body like "[[[[..." a million levels deep would overflow the stack.
inline constexpr std::size_t kMaxNesting = 256;
/// True when arrays/objects in `text` nest deeper than `limit` (strings are skipped).
bool nestingDeeperThan(std::string_view text, std::size_t limit = kMaxNesting);

/// Parses a whole body; errc::protocol_error naming `what` and the offset on failure, or
/// the nesting limit.
Result<rapidjson::Document> parse(std::string_view body, std::string_view what);

/// Serialises a value back to compact JSON text.
std::string toString(const rapidjson::Value& v);

/// JSON type name for messages ("string", "integer", "null", ...).
const char* typeName(const rapidjson::Value& v);

enum class Need { required, optional };

/// The first decoding error of one document; later errors are dropped.
struct DecodeState {
  std::optional<Error> error;
  void fail(const std::string& field, const std::string& problem);
};

/// Reads fields of one JSON object. Optional fields that are missing or null yield the
/// default; required ones record "field 'path.key' is missing/null" in the shared state.
/// Wrong types always record "field 'path.key': expected X, got Y".
class Fields {
 public:
  Fields(const rapidjson::Value* object, std::string path, DecodeState& state);

  bool valid() const { return obj_ != nullptr; }
  bool has(const char* key) const;  ///< present and not null
  const rapidjson::Value* value(const char* key) const;
  std::string path(const char* key) const;

  std::string str(const char* key, Need need = Need::optional, std::string def = {});
  bool boolean(const char* key, Need need = Need::optional, bool def = false);
  std::int64_t i64(const char* key, Need need = Need::optional, std::int64_t def = 0);
  std::uint64_t u64(const char* key, Need need = Need::optional, std::uint64_t def = 0);
  std::vector<std::string> strings(const char* key, Need need = Need::optional);
  std::map<std::string, std::string> stringMap(const char* key, Need need = Need::optional);
  /// Nested object; an invalid Fields (valid()==false) when optional and absent/null.
  Fields object(const char* key, Need need = Need::optional);
  /// Compact JSON text of a member ("" when absent).
  std::string raw(const char* key) const;

  DecodeState& state() { return *state_; }

 private:
  const rapidjson::Value* member(const char* key, Need need);
  const rapidjson::Value* obj_;
  std::string path_;
  DecodeState* state_;
};

/// Checks that `v` is an object; records an error naming `what` otherwise.
Fields rootObject(const rapidjson::Value& v, std::string what, DecodeState& state);

/// Returns `value` or the recorded decoding error (errc::protocol_error).
template <class T>
Result<T> finish(DecodeState& state, T value) {
  if (state.error) return *state.error;
  return value;
}

/// Builds one JSON object with a fluent interface; nested objects via begin()/end().
class ObjectWriter {
 public:
  ObjectWriter();
  ObjectWriter& str(std::string_view key, std::string_view value);
  ObjectWriter& boolean(std::string_view key, bool value);
  ObjectWriter& i64(std::string_view key, std::int64_t value);
  ObjectWriter& u64(std::string_view key, std::uint64_t value);
  ObjectWriter& strings(std::string_view key, const std::vector<std::string>& values);
  ObjectWriter& stringMap(std::string_view key, const std::map<std::string, std::string>& values);
  /// Embeds already-serialised JSON (must be valid JSON; checked by the caller).
  ObjectWriter& raw(std::string_view key, std::string_view json);
  ObjectWriter& null(std::string_view key);
  ObjectWriter& begin(std::string_view key);  ///< opens a nested object
  ObjectWriter& end();                        ///< closes it
  std::string finish();

 private:
  void key(std::string_view k);
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

}  // namespace nc::json
