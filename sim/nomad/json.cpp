// Small RapidJSON helpers shared by nomad-sim's job model, store and HTTP handlers.
#include "json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nc::nomadsim {

namespace {
rapidjson::Value::StringRefType ref(std::string_view s) {
  return rapidjson::Value::StringRefType(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
}  // namespace

void setMember(Val& obj, std::string_view name, Val v, Alloc& a) {
  auto it = obj.FindMember(ref(name));
  if (it != obj.MemberEnd()) {
    it->value = std::move(v);
    return;
  }
  obj.AddMember(str(name, a), std::move(v), a);
}

const Val* member(const Val& obj, std::string_view name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(ref(name));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

Val* member(Val& obj, std::string_view name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(ref(name));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

void removeMember(Val& obj, std::string_view name) {
  if (obj.IsObject()) obj.RemoveMember(ref(name));
}

std::string getString(const Val& obj, std::string_view name, std::string_view dflt) {
  const Val* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::string(dflt);
  return std::string(v->GetString(), v->GetStringLength());
}

std::int64_t getInt(const Val& obj, std::string_view name, std::int64_t dflt) {
  const Val* v = member(obj, name);
  if (v == nullptr) return dflt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<std::int64_t>(v->GetUint64());
  if (v->IsDouble()) return static_cast<std::int64_t>(v->GetDouble());
  return dflt;
}

std::uint64_t getUint(const Val& obj, std::string_view name, std::uint64_t dflt) {
  const Val* v = member(obj, name);
  if (v == nullptr) return dflt;
  if (v->IsUint64()) return v->GetUint64();
  if (v->IsInt64() && v->GetInt64() >= 0) return static_cast<std::uint64_t>(v->GetInt64());
  return dflt;
}

bool getBool(const Val& obj, std::string_view name, bool dflt) {
  const Val* v = member(obj, name);
  return v != nullptr && v->IsBool() ? v->GetBool() : dflt;
}

bool isNull(const Val& obj, std::string_view name) {
  const Val* v = member(obj, name);
  return v == nullptr || v->IsNull();
}

std::string toJson(const Val& v, bool pretty) {
  rapidjson::StringBuffer buf;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 4);
    v.Accept(w);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
  }
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Doc> parseJson(std::string_view text) {
  Doc d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError()) {
    return makeError(errc::parse_error,
                     fmt::format("{} at offset {}", rapidjson::GetParseError_En(d.GetParseError()),
                                 d.GetErrorOffset()));
  }
  return d;
}

Doc clone(const Val& v) {
  Doc d;
  d.CopyFrom(v, d.GetAllocator());
  return d;
}

}  // namespace nc::nomadsim
