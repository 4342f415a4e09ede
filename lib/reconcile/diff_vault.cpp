// Declared Vault fields against live objects: normalisation, Vault's read defaults, merging.
#include <algorithm>
#include <cctype>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reconcile/diff.hpp"
#include "vault/codec.hpp"

namespace nc::reconcile {
namespace {

using config::FieldSchema;
using config::FieldType;
using config::FieldValue;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string quote(const std::string& s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return b.GetString();
}

std::string listText(std::vector<std::string> items, bool ci) {
  if (ci)
    for (auto& i : items) i = lower(i);
  std::set<std::string> uniq(items.begin(), items.end());
  std::string out = "[";
  for (const auto& i : uniq) out += (out.size() > 1 ? "," : "") + quote(i);
  return out + "]";
}

std::string mapText(const std::map<std::string, std::vector<std::string>>& m, bool lists) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    out += (out.size() > 1 ? "," : "") + quote(k) + ":";
    out += lists ? listText(v, false) : quote(v.empty() ? "" : v.front());
  }
  return out + "}";
}

std::vector<std::string> liveList(const rapidjson::Value* v) {
  std::vector<std::string> out;
  if (!v || v->IsNull()) return out;
  if (v->IsString()) {  // Vault also takes "a,b" on write; be lenient on read
    std::string s = v->GetString(), item;
    for (char c : s + ",") {
      if (c != ',') {
        item += c;
        continue;
      }
      auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
      if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
      item.clear();
    }
    return out;
  }
  if (v->IsArray())
    for (const auto& i : v->GetArray()) out.push_back(i.IsString() ? i.GetString() : "?");
  return out;
}

std::string scalarText(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return std::to_string(static_cast<std::int64_t>(v.GetDouble()));
  return "";
}

/// Canonical text of a live value read as `type` (nullopt: the field is absent).
std::string liveText(FieldType type, const rapidjson::Value* v, bool ci) {
  switch (type) {
    case FieldType::boolean: {
      if (!v || v->IsNull()) return "false";
      if (v->IsBool()) return v->GetBool() ? "true" : "false";
      std::string s = lower(scalarText(*v));
      return (s == "true" || s == "1") ? "true" : "false";
    }
    case FieldType::integer:
    case FieldType::duration: {
      if (!v || v->IsNull()) return "0";
      if (v->IsString()) {
        auto d = Duration::parse(v->GetString());
        return d ? std::to_string(d->wholeSeconds()) : v->GetString();
      }
      return scalarText(*v);
    }
    case FieldType::string: {
      std::string s = v && !v->IsNull() ? scalarText(*v) : "";
      return ci ? lower(s) : s;
    }
    case FieldType::stringList:
      return listText(liveList(v), ci);
    case FieldType::stringMap:
    case FieldType::claimMap: {
      std::map<std::string, std::vector<std::string>> m;
      if (v && v->IsObject())
        for (const auto& member : v->GetObject())
          m[member.name.GetString()] = member.value.IsArray()
                                           ? liveList(&member.value)
                                           : std::vector<std::string>{scalarText(member.value)};
      return mapText(m, type == FieldType::claimMap);
    }
  }
  return "";
}

std::string desiredText(const FieldValue& f, bool ci) {
  switch (f.type) {
    case FieldType::boolean:
      return f.boolean ? "true" : "false";
    case FieldType::integer:
    case FieldType::duration:
      return std::to_string(f.integer);
    case FieldType::string:
      return ci ? lower(f.string) : f.string;
    case FieldType::stringList:
      return listText(f.list, ci);
    case FieldType::stringMap:
      return mapText(f.map, false);
    case FieldType::claimMap:
      return mapText(f.map, true);
  }
  return "";
}

/// Vault's read value of a never-set field, per schema (the clients' default structs are
/// exactly Vault's write defaults).
const rapidjson::Document& defaultsFor(FieldSchema schema) {
  static const auto make = [](const std::string& text) {
    auto d = std::make_unique<rapidjson::Document>();
    d->Parse(text.c_str());
    return d;
  };
  static const auto pki = make(vault::codec::encodePkiRole(vault::PkiRole{}));
  static const auto jwtRole = make(vault::codec::encodeJwtRole(vault::JwtRole{}));
  static const auto empty = make("{}");
  switch (schema) {
    case FieldSchema::pkiRole:
      return *pki;
    case FieldSchema::jwtRole:
      return *jwtRole;
    default:
      return *empty;
  }
}

std::int64_t keyDefault(std::string_view field, const std::string& keyType) {
  if (field == "key_bits") return keyType == "rsa" ? 2048 : keyType == "ec" ? 256 : 0;
  return keyType == "rsa" ? 256 : 0;  // signature_bits
}

}  // namespace

std::string displayValue(const FieldValue& v) {
  return desiredText(v, false);
}

Result<std::vector<FieldDelta>> diffVaultFields(FieldSchema schema, const config::FieldMap& desired,
                                                std::string_view liveDataJson,
                                                const std::vector<std::string>& ignore) {
  rapidjson::Document live;
  live.Parse(liveDataJson.data(), liveDataJson.size());
  if (live.HasParseError() || !live.IsObject())
    return makeError(errc::protocol_error, "live Vault object is not a JSON object");
  const auto& defaults = defaultsFor(schema);
  std::string keyType = "rsa";
  if (auto it = live.FindMember("key_type"); it != live.MemberEnd() && it->value.IsString())
    keyType = it->value.GetString();
  if (auto k = config::getString(desired, "key_type")) keyType = *k;

  std::vector<FieldDelta> out;
  for (const auto& [name, value] : desired) {
    if (isIgnored(name, ignore)) continue;
    const auto* spec = config::findFieldSpec(schema, name);
    if (spec && spec->readOnly) continue;
    const bool ci = spec && spec->caseInsensitive;
    const rapidjson::Value* lv = nullptr;
    if (auto it = live.FindMember(name.c_str()); it != live.MemberEnd())
      lv = &it->value;
    else if (auto d = defaults.FindMember(name.c_str()); d != defaults.MemberEnd())
      lv = &d->value;
    std::string want = desiredText(value, ci);
    const std::string have = liveText(value.type, lv, ci);
    if (schema == FieldSchema::pkiRole && (name == "key_bits" || name == "signature_bits") &&
        value.integer == 0)
      want = std::to_string(keyDefault(name, keyType));
    if (want == have) continue;
    const bool secret = name.find("secret") != std::string::npos;
    out.push_back(
        {name, secret ? "(redacted)" : want, secret ? "(redacted)" : (lv ? have : "<absent>")});
  }
  return out;
}

Result<std::string> mergeVaultFields(std::string_view liveDataJson,
                                     const config::FieldMap& desired) {
  rapidjson::Document live, decl;
  live.Parse(liveDataJson.empty() ? "{}" : std::string(liveDataJson).c_str());
  if (live.HasParseError() || !live.IsObject())
    return makeError(errc::protocol_error, "live Vault object is not a JSON object");
  const std::string declared = config::toJson(desired);
  decl.Parse(declared.c_str());
  for (auto& m : decl.GetObject()) {
    if (auto it = live.FindMember(m.name); it != live.MemberEnd())
      it->value.CopyFrom(m.value, live.GetAllocator());
    else
      live.AddMember(rapidjson::Value(m.name, live.GetAllocator()),
                     rapidjson::Value(m.value, live.GetAllocator()), live.GetAllocator());
  }
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  live.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace nc::reconcile
