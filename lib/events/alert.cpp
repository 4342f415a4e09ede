// Alert helpers: severities, fingerprints and the JSON encoding used by the spool.
#include "events/alert.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <ctime>

namespace nc::events {

std::string_view toString(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::critical:
      return "critical";
  }
  return "warning";
}

Result<Severity> parseSeverity(std::string_view s) {
  if (s == "info") return Severity::info;
  if (s == "warning") return Severity::warning;
  if (s == "critical") return Severity::critical;
  return Error(errc::parse_error, "unknown severity \"" + std::string(s) + "\"");
}

std::string_view toString(AlertState s) {
  return s == AlertState::firing ? "firing" : "resolved";
}

std::map<std::string, std::string> Alert::allLabels() const {
  auto all = labels;
  all["alertname"] = name;
  all["severity"] = std::string(toString(severity));
  return all;
}

std::string Alert::fingerprint() const {
  auto all = allLabels();
  all.erase("severity");
  std::string material;
  for (const auto& [k, v] : all) {
    material += k;
    material.push_back('\0');
    material += v;
    material.push_back('\0');
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(material.data(), material.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

std::string formatRfc3339(TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

Result<TimePoint> parseRfc3339(std::string_view s) {
  std::string text(s);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19)
    return Error(errc::parse_error, "invalid RFC 3339 time \"" + text + "\"");
  std::size_t i = 19;
  long long nanos = 0;
  if (i < text.size() && text[i] == '.') {
    long long scale = 100'000'000;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      nanos += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  long offset = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    int hh = 0, mm = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &hh, &mm) != 2)
      return Error(errc::parse_error, "invalid RFC 3339 offset in \"" + text + "\"");
    offset = (hh * 3600L + mm * 60L) * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return Error(errc::parse_error, "RFC 3339 time without zone: \"" + text + "\"");
  }
  if (i != text.size()) return Error(errc::parse_error, "trailing text in time \"" + text + "\"");
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t secs = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(secs) +
         std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos));
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void writeMap(Writer& w, const char* key, const std::map<std::string, std::string>& m) {
  w.Key(key);
  w.StartObject();
  for (const auto& [k, v] : m) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
}

Result<std::map<std::string, std::string>> readMap(const rapidjson::Value& obj, const char* key) {
  std::map<std::string, std::string> out;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) return out;
  if (!it->value.IsObject())
    return Error(errc::parse_error, std::string("alert field ") + key + " is not an object");
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsString())
      return Error(errc::parse_error, std::string("alert field ") + key + "." + m.name.GetString() +
                                          " is not a string");
    out.emplace(m.name.GetString(), m.value.GetString());
  }
  return out;
}

Result<std::string> readString(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return Error(errc::parse_error, std::string("alert field ") + key + " missing or not a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace

std::string encodeAlert(const Alert& a) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("name");
  w.String(a.name.c_str(), static_cast<rapidjson::SizeType>(a.name.size()));
  w.Key("severity");
  w.String(toString(a.severity).data());
  w.Key("state");
  w.String(toString(a.state).data());
  writeMap(w, "labels", a.labels);
  writeMap(w, "annotations", a.annotations);
  w.Key("startsAt");
  w.String(formatRfc3339(a.startsAt).c_str());
  if (a.endsAt) {
    w.Key("endsAt");
    w.String(formatRfc3339(*a.endsAt).c_str());
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Alert> decodeAlert(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return Error(errc::parse_error, "alert record is not a JSON object");
  Alert a;
  auto name = readString(doc, "name");
  if (!name) return name.error();
  a.name = *name;
  auto sev = readString(doc, "severity");
  if (!sev) return sev.error();
  auto severity = parseSeverity(*sev);
  if (!severity) return severity.error();
  a.severity = *severity;
  auto state = readString(doc, "state");
  if (!state) return state.error();
  if (*state != "firing" && *state != "resolved")
    return Error(errc::parse_error, "unknown alert state \"" + *state + "\"");
  a.state = *state == "firing" ? AlertState::firing : AlertState::resolved;
  auto labels = readMap(doc, "labels");
  if (!labels) return labels.error();
  a.labels = std::move(*labels);
  auto annotations = readMap(doc, "annotations");
  if (!annotations) return annotations.error();
  a.annotations = std::move(*annotations);
  auto starts = readString(doc, "startsAt");
  if (!starts) return starts.error();
  auto startsAt = parseRfc3339(*starts);
  if (!startsAt) return startsAt.error();
  a.startsAt = *startsAt;
  if (doc.HasMember("endsAt")) {
    auto ends = readString(doc, "endsAt");
    if (!ends) return ends.error();
    auto endsAt = parseRfc3339(*ends);
    if (!endsAt) return endsAt.error();
    a.endsAt = *endsAt;
  }
  return a;
}

}  // namespace nc::events
