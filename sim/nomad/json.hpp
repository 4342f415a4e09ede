// Small RapidJSON helpers shared by nomad-sim's job model, store and HTTP handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "core/error.hpp"

namespace nc::nomadsim {

using Doc = rapidjson::Document;
using Val = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

inline Val str(std::string_view s, Alloc& a) {
  return Val(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

/// Sets obj[name] = v, replacing an existing member (obj must be an object).
void setMember(Val& obj, std::string_view name, Val v, Alloc& a);
inline void setMember(Val& obj, std::string_view name, std::string_view s, Alloc& a) {
  setMember(obj, name, str(s, a), a);
}
/// Member lookup; nullptr when obj is not an object or has no such member.
const Val* member(const Val& obj, std::string_view name);
Val* member(Val& obj, std::string_view name);
/// Removes obj[name] when present.
void removeMember(Val& obj, std::string_view name);

std::string getString(const Val& obj, std::string_view name, std::string_view dflt = "");
std::int64_t getInt(const Val& obj, std::string_view name, std::int64_t dflt = 0);
std::uint64_t getUint(const Val& obj, std::string_view name, std::uint64_t dflt = 0);
bool getBool(const Val& obj, std::string_view name, bool dflt = false);
/// True when obj[name] is absent or JSON null.
bool isNull(const Val& obj, std::string_view name);

/// Serialises compactly, or indented with pretty.
std::string toJson(const Val& v, bool pretty = false);
/// Parses a JSON document; the error message names the offset.
Result<Doc> parseJson(std::string_view text);

/// Deep copy into a new document.
Doc clone(const Val& v);

}  // namespace nc::nomadsim
