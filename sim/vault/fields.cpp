// Vault-style weakly typed request field decoding.
#include "vault/fields.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <rapidjson/error/en.h>

#include "common/json_util.hpp"
#include "core/duration.hpp"

namespace nc::vault_sim {
namespace {

std::string display(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  return sim::toJson(v);
}

Error convError(std::string_view name, const rapidjson::Value& v, std::string_view why) {
  return makeError(errc::invalid_argument, "Field validation failed: error converting input " +
                                               display(v) + " for field \"" + std::string(name) +
                                               "\": " + std::string(why));
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string toLower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r;
}

std::vector<std::string> splitComma(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    auto item = trim(s.substr(start, end - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

std::optional<bool> parseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

Result<std::int64_t> parseDurationSeconds(std::string_view text) {
  auto t = trim(text);
  if (t.empty()) return std::int64_t{0};
  auto d = Duration::parse(t);
  if (!d) return makeError(errc::invalid_argument, "time: invalid duration \"" + t + "\"");
  return d->wholeSeconds();
}

Result<std::int64_t> parseDurationSeconds(const rapidjson::Value& v) {
  if (v.IsInt64()) {
    if (v.GetInt64() < 0)
      return makeError(errc::invalid_argument, "cannot parse negative duration");
    return v.GetInt64();
  }
  if (v.IsNumber()) return static_cast<std::int64_t>(v.GetDouble());
  if (v.IsString())
    return parseDurationSeconds(std::string_view(v.GetString(), v.GetStringLength()));
  if (v.IsNull()) return std::int64_t{0};
  return makeError(errc::invalid_argument, "could not parse duration");
}

std::string goDuration(std::int64_t s) {
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  std::int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0)
    return out + std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(sec) + "s";
  if (m > 0) return out + std::to_string(m) + "m" + std::to_string(sec) + "s";
  return out + std::to_string(sec) + "s";
}

Result<Fields> Fields::fromBody(std::string_view body) {
  Fields f;
  auto t = trim(body);
  if (t.empty()) return f;
  f.doc_.Parse(t.data(), t.size());
  if (f.doc_.HasParseError())
    return makeError(errc::parse_error, std::string("failed to parse JSON input: ") +
                                            rapidjson::GetParseError_En(f.doc_.GetParseError()));
  if (!f.doc_.IsObject())
    return makeError(errc::parse_error, "failed to parse JSON input: not an object");
  return f;
}

Fields Fields::fromQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  Fields f;
  auto& a = f.doc_.GetAllocator();
  for (const auto& [k, v] : query)
    if (!f.doc_.HasMember(k.c_str()))
      f.doc_.AddMember(sim::stringValue(k, a), sim::stringValue(v, a), a);
  return f;
}

const rapidjson::Value* Fields::raw(std::string_view name) const {
  auto it = doc_.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == doc_.MemberEnd() ? nullptr : &it->value;
}

bool Fields::has(std::string_view name) const {
  return raw(name) != nullptr;
}

std::vector<std::string> Fields::names() const {
  std::vector<std::string> r;
  for (auto it = doc_.MemberBegin(); it != doc_.MemberEnd(); ++it)
    r.emplace_back(it->name.GetString());
  return r;
}

Result<std::string> Fields::str(std::string_view name, std::string def) const {
  const auto* v = raw(name);
  if (!v || v->IsNull()) return def;
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsNumber() || v->IsBool()) return sim::toJson(*v);
  return convError(name, *v, "expected a string");
}

Result<bool> Fields::boolean(std::string_view name, bool def) const {
  const auto* v = raw(name);
  if (!v || v->IsNull()) return def;
  if (v->IsBool()) return v->GetBool();
  if (v->IsNumber()) return v->GetDouble() != 0;
  if (v->IsString()) {
    std::string_view s(v->GetString(), v->GetStringLength());
    if (s.empty()) return false;
    if (auto b = parseGoBool(s)) return *b;
    return convError(name, *v,
                     "strconv.ParseBool: parsing \"" + std::string(s) + "\": invalid syntax");
  }
  return convError(name, *v, "expected a bool");
}

Result<std::int64_t> Fields::integer(std::string_view name, std::int64_t def) const {
  const auto* v = raw(name);
  if (!v || v->IsNull()) return def;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsNumber()) return static_cast<std::int64_t>(v->GetDouble());
  if (v->IsString()) {
    std::string_view s(v->GetString(), v->GetStringLength());
    if (s.empty()) return std::int64_t{0};
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size()) return out;
    return convError(name, *v,
                     "strconv.ParseInt: parsing \"" + std::string(s) + "\": invalid syntax");
  }
  return convError(name, *v, "expected an integer");
}

Result<std::int64_t> Fields::seconds(std::string_view name, std::int64_t def) const {
  const auto* v = raw(name);
  if (!v || v->IsNull()) return def;
  auto r = parseDurationSeconds(*v);
  if (!r) return convError(name, *v, r.error().message);
  return r;
}

Result<std::vector<std::string>> Fields::list(std::string_view name,
                                              std::vector<std::string> def) const {
  const auto* v = raw(name);
  if (!v || v->IsNull()) return def;
  if (v->IsString()) return splitComma(std::string_view(v->GetString(), v->GetStringLength()));
  if (v->IsArray()) {
    std::vector<std::string> out;
    for (const auto& item : v->GetArray()) {
      if (item.IsString()) {
        auto t = trim(std::string_view(item.GetString(), item.GetStringLength()));
        if (!t.empty()) out.push_back(std::move(t));
      } else if (item.IsNumber() || item.IsBool()) {
        out.push_back(sim::toJson(item));
      } else {
        return convError(name, *v, "expected a list of strings");
      }
    }
    return out;
  }
  if (v->IsNumber()) return std::vector<std::string>{sim::toJson(*v)};
  return convError(name, *v, "expected a list of strings");
}

Result<std::map<std::string, std::string>> Fields::stringMap(std::string_view name) const {
  std::map<std::string, std::string> out;
  const auto* v = raw(name);
  if (!v || v->IsNull()) return out;
  if (v->IsObject()) {
    for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it)
      out[it->name.GetString()] =
          it->value.IsString() ? it->value.GetString() : sim::toJson(it->value);
    return out;
  }
  if (v->IsString() || v->IsArray()) {  // "k=v" pairs
    auto items = list(name);
    if (!items) return items.error();
    for (const auto& kv : *items) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) return convError(name, *v, "invalid key value pair");
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return out;
  }
  return convError(name, *v, "expected a map");
}

}  // namespace nc::vault_sim

namespace nc::vault_sim {

std::optional<std::string> decodeBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = s[i + j];
      if (c == '=') {
        if (i + 4 != s.size() || j < 2) return std::nullopt;
        v[j] = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;
        v[j] = val(c);
        if (v[j] < 0) return std::nullopt;
      }
    }
    std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

}  // namespace nc::vault_sim
