// JSON helpers for the simulators: serialise RapidJSON values and build JSON/error HTTP responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "http/server.hpp"

namespace nc::sim {

/// Compact JSON text of a value.
std::string toJson(const rapidjson::Value& value);

/// Parses a JSON document; std::nullopt-like failure is reported by returning false.
bool parseJson(std::string_view text, rapidjson::Document& out);

/// A response with Content-Type application/json and the given body.
http::ServerResponse jsonResponse(int status, std::string body);
/// A response whose body is the serialised value.
http::ServerResponse jsonResponse(int status, const rapidjson::Value& value);
/// `{"errors":[...]}` with the given status (the array may be empty).
http::ServerResponse errorsResponse(int status, const std::vector<std::string>& errors);
/// An empty-bodied response (e.g. 204).
http::ServerResponse emptyResponse(int status);

/// Adds `name: value` to an object, copying the strings into the allocator.
void addString(rapidjson::Value& obj, std::string_view name, std::string_view value,
               rapidjson::Document::AllocatorType& alloc);
/// Copies a string into a new JSON string value.
rapidjson::Value stringValue(std::string_view value, rapidjson::Document::AllocatorType& alloc);
/// A JSON array of strings.
rapidjson::Value stringArray(const std::vector<std::string>& items,
                             rapidjson::Document::AllocatorType& alloc);

}  // namespace nc::sim
