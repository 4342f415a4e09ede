// Implementation of the defensive JSON field reader and the object writer.
#include "vault/json/fields.hpp"

#include "core/json_depth.hpp"

#include <rapidjson/error/en.h>

namespace nc::json {

bool nestingDeeperThan(std::string_view text, std::size_t limit) {
  return jsonTooDeepAt(text, limit).has_value();
}

Result<rapidjson::Document> parse(std::string_view body, std::string_view what) {
  if (nestingDeeperThan(body))
    return Error(errc::protocol_error, std::string(what) + ": JSON nested deeper than " +
                                           std::to_string(kMaxNesting) + " levels");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc.HasParseError()) {
    std::string msg = std::string(what) + ": invalid JSON at offset " +
                      std::to_string(doc.GetErrorOffset()) + ": " +
                      rapidjson::GetParseError_En(doc.GetParseError());
    if (body.empty()) msg = std::string(what) + ": empty body where JSON was expected";
    return Error(errc::protocol_error, std::move(msg));
  }
  return doc;
}

std::string toString(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

const char* typeName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "bool";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  return "number";
}

void DecodeState::fail(const std::string& field, const std::string& problem) {
  if (error) return;
  error = Error(errc::protocol_error, "field '" + field + "': " + problem);
}

Fields::Fields(const rapidjson::Value* object, std::string path, DecodeState& state)
    : obj_(object), path_(std::move(path)), state_(&state) {}

Fields rootObject(const rapidjson::Value& v, std::string what, DecodeState& state) {
  if (!v.IsObject()) {
    if (!state.error)
      state.error =
          Error(errc::protocol_error, what + ": expected a JSON object, got " + typeName(v));
    return Fields(nullptr, std::move(what), state);
  }
  return Fields(&v, std::move(what), state);
}

std::string Fields::path(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

const rapidjson::Value* Fields::value(const char* key) const {
  if (!obj_) return nullptr;
  auto it = obj_->FindMember(key);
  return it == obj_->MemberEnd() ? nullptr : &it->value;
}

bool Fields::has(const char* key) const {
  const auto* v = value(key);
  return v && !v->IsNull();
}

const rapidjson::Value* Fields::member(const char* key, Need need) {
  if (!obj_) return nullptr;  // the parent already recorded why
  const auto* v = value(key);
  if (!v || v->IsNull()) {
    if (need == Need::required) state_->fail(path(key), v ? "is null" : "is missing");
    return nullptr;
  }
  return v;
}

std::string Fields::str(const char* key, Need need, std::string def) {
  const auto* v = member(key, need);
  if (!v) return def;
  if (!v->IsString()) {
    state_->fail(path(key), std::string("expected string, got ") + typeName(*v));
    return def;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

bool Fields::boolean(const char* key, Need need, bool def) {
  const auto* v = member(key, need);
  if (!v) return def;
  if (!v->IsBool()) {
    state_->fail(path(key), std::string("expected bool, got ") + typeName(*v));
    return def;
  }
  return v->GetBool();
}

std::int64_t Fields::i64(const char* key, Need need, std::int64_t def) {
  const auto* v = member(key, need);
  if (!v) return def;
  if (!v->IsInt64()) {
    state_->fail(path(key), std::string("expected integer, got ") + typeName(*v));
    return def;
  }
  return v->GetInt64();
}

std::uint64_t Fields::u64(const char* key, Need need, std::uint64_t def) {
  const auto* v = member(key, need);
  if (!v) return def;
  if (!v->IsUint64()) {
    state_->fail(path(key), std::string("expected unsigned integer, got ") + typeName(*v));
    return def;
  }
  return v->GetUint64();
}

std::vector<std::string> Fields::strings(const char* key, Need need) {
  std::vector<std::string> out;
  const auto* v = member(key, need);
  if (!v) return out;
  if (!v->IsArray()) {
    state_->fail(path(key), std::string("expected array of strings, got ") + typeName(*v));
    return out;
  }
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) {
      state_->fail(path(key), std::string("expected array of strings, found ") + typeName(item));
      return {};
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::map<std::string, std::string> Fields::stringMap(const char* key, Need need) {
  std::map<std::string, std::string> out;
  const auto* v = member(key, need);
  if (!v) return out;
  if (!v->IsObject()) {
    state_->fail(path(key), std::string("expected object of strings, got ") + typeName(*v));
    return out;
  }
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString()) {
      state_->fail(path(key) + "." + m.name.GetString(),
                   std::string("expected string, got ") + typeName(m.value));
      return {};
    }
    out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return out;
}

Fields Fields::object(const char* key, Need need) {
  const auto* v = member(key, need);
  if (v && !v->IsObject()) {
    state_->fail(path(key), std::string("expected object, got ") + typeName(*v));
    v = nullptr;
  }
  return Fields(v, path(key), *state_);
}

std::string Fields::raw(const char* key) const {
  const auto* v = value(key);
  return v ? toString(*v) : std::string();
}

ObjectWriter::ObjectWriter() : w_(buf_) {
  w_.StartObject();
}

void ObjectWriter::key(std::string_view k) {
  w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

ObjectWriter& ObjectWriter::str(std::string_view k, std::string_view value) {
  key(k);
  w_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}

ObjectWriter& ObjectWriter::boolean(std::string_view k, bool value) {
  key(k);
  w_.Bool(value);
  return *this;
}

ObjectWriter& ObjectWriter::i64(std::string_view k, std::int64_t value) {
  key(k);
  w_.Int64(value);
  return *this;
}

ObjectWriter& ObjectWriter::u64(std::string_view k, std::uint64_t value) {
  key(k);
  w_.Uint64(value);
  return *this;
}

ObjectWriter& ObjectWriter::strings(std::string_view k, const std::vector<std::string>& values) {
  key(k);
  w_.StartArray();
  for (const auto& s : values) w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w_.EndArray();
  return *this;
}

ObjectWriter& ObjectWriter::stringMap(std::string_view k,
                                      const std::map<std::string, std::string>& values) {
  key(k);
  w_.StartObject();
  for (const auto& [name, value] : values) {
    key(name);
    w_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w_.EndObject();
  return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view k, std::string_view json) {
  key(k);
  w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

ObjectWriter& ObjectWriter::null(std::string_view k) {
  key(k);
  w_.Null();
  return *this;
}

ObjectWriter& ObjectWriter::begin(std::string_view k) {
  key(k);
  w_.StartObject();
  return *this;
}

ObjectWriter& ObjectWriter::end() {
  w_.EndObject();
  return *this;
}

std::string ObjectWriter::finish() {
  w_.EndObject();
  return std::string(buf_.GetString(), buf_.GetSize());
}

}  // namespace nc::json
