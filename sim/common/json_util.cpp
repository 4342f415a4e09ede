// JSON helpers for the simulators.
#include "common/json_util.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nc::sim {

std::string toJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

bool parseJson(std::string_view text, rapidjson::Document& out) {
  out.Parse(text.data(), text.size());
  return !out.HasParseError();
}

http::ServerResponse jsonResponse(int status, std::string body) {
  http::ServerResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::move(body);
  return r;
}

http::ServerResponse jsonResponse(int status, const rapidjson::Value& value) {
  return jsonResponse(status, toJson(value));
}

http::ServerResponse errorsResponse(int status, const std::vector<std::string>& errors) {
  rapidjson::Document d(rapidjson::kObjectType);
  d.AddMember("errors", stringArray(errors, d.GetAllocator()), d.GetAllocator());
  return jsonResponse(status, d);
}

http::ServerResponse emptyResponse(int status) {
  http::ServerResponse r;
  r.status = status;
  return r;
}

rapidjson::Value stringValue(std::string_view value, rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value v;
  v.SetString(value.data(), static_cast<rapidjson::SizeType>(value.size()), alloc);
  return v;
}

void addString(rapidjson::Value& obj, std::string_view name, std::string_view value,
               rapidjson::Document::AllocatorType& alloc) {
  obj.AddMember(stringValue(name, alloc), stringValue(value, alloc), alloc);
}

rapidjson::Value stringArray(const std::vector<std::string>& items,
                             rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value a(rapidjson::kArrayType);
  for (const auto& s : items) a.PushBack(stringValue(s, alloc), alloc);
  return a;
}

}  // namespace nc::sim
