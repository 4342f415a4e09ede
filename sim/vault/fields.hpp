// Request data decoding with Vault's weak typing (framework field types: bool, int, duration,
// comma-string slices, maps), over a JSON body or query parameters.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "core/error.hpp"

namespace nc::vault_sim {

class Fields {
 public:
  Fields() : doc_(rapidjson::kObjectType) {}
  /// Parses a JSON object body ("" = no fields). Error text as Vault's ("failed to parse JSON
  /// input: ...").
  static Result<Fields> fromBody(std::string_view body);
  /// Fields from query parameters (all values are strings).
  static Fields fromQuery(const std::vector<std::pair<std::string, std::string>>& query);

  bool has(std::string_view name) const;
  const rapidjson::Value* raw(std::string_view name) const;
  std::vector<std::string> names() const;

  /// Each accessor returns `def` when the field is absent, and a 400-style error
  /// ("Field validation failed: error converting input ... for field ...") when the value
  /// cannot be converted the way Vault's framework would.
  Result<std::string> str(std::string_view name, std::string def = "") const;
  Result<bool> boolean(std::string_view name, bool def) const;
  Result<std::int64_t> integer(std::string_view name, std::int64_t def) const;
  /// TypeDurationSecond: int seconds, "90", "1h30m", "7d", "" = 0.
  Result<std::int64_t> seconds(std::string_view name, std::int64_t def) const;
  /// TypeCommaStringSlice: array of strings or "a, b" (items trimmed; "" = []).
  Result<std::vector<std::string>> list(std::string_view name,
                                        std::vector<std::string> def = {}) const;
  /// TypeKVPairs / map[string]string: object of scalars.
  Result<std::map<std::string, std::string>> stringMap(std::string_view name) const;

  /// Lenient forms: the default also replaces a value that fails to convert.
  std::string strOr(std::string_view name, std::string def) const {
    auto r = str(name, def);
    return r ? *r : def;
  }
  bool booleanOr(std::string_view name, bool def) const {
    auto r = boolean(name, def);
    return r ? *r : def;
  }
  std::int64_t integerOr(std::string_view name, std::int64_t def) const {
    auto r = integer(name, def);
    return r ? *r : def;
  }
  std::vector<std::string> listOr(std::string_view name, std::vector<std::string> def) const {
    auto r = list(name, def);
    return r ? *r : def;
  }

  rapidjson::Document& doc() { return doc_; }
  const rapidjson::Document& doc() const { return doc_; }

 private:
  rapidjson::Document doc_;
};

/// Parses a Vault duration value (JSON number or string) into whole seconds.
Result<std::int64_t> parseDurationSeconds(const rapidjson::Value& v);
/// Parses a duration string ("", "90", "1h", "7d") into whole seconds.
Result<std::int64_t> parseDurationSeconds(std::string_view text);
/// Go's time.Duration.String() for whole seconds: "720h0m0s", "1m30s", "0s".
std::string goDuration(std::int64_t seconds);
/// Go's strconv.ParseBool.
std::optional<bool> parseGoBool(std::string_view s);
/// Splits on commas, trims spaces, drops empty items.
std::vector<std::string> splitComma(std::string_view s);
std::string toLower(std::string_view s);

}  // namespace nc::vault_sim

namespace nc::vault_sim {
/// Strict standard base64 (with padding) decoding; std::nullopt when `s` is not valid base64.
std::optional<std::string> decodeBase64(std::string_view s);
}  // namespace nc::vault_sim
