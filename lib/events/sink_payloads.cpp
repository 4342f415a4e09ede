// JSON bodies for the Alertmanager and webhook sinks (RapidJSON), and the webhook signature.
#include "events/sink_payloads.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace nc::events {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void object(Writer& w, const char* key, const std::map<std::string, std::string>& m) {
  w.Key(key);
  w.StartObject();
  for (const auto& [k, v] : m) {
    str(w, k);
    str(w, v);
  }
  w.EndObject();
}

}  // namespace

std::string alertmanagerBody(const std::vector<Alert>& alerts, TimePoint sentAt, Duration validity,
                             std::string_view generatorUrl) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const auto& a : alerts) {
    w.StartObject();
    object(w, "labels", a.allLabels());
    object(w, "annotations", a.annotations);
    w.Key("startsAt");
    str(w, formatRfc3339(a.startsAt));
    w.Key("endsAt");
    TimePoint ends = a.state == AlertState::resolved && a.endsAt
                         ? *a.endsAt
                         : sentAt + validity.as<TimePoint::duration>();
    str(w, formatRfc3339(ends));
    if (!generatorUrl.empty()) {
      w.Key("generatorURL");
      str(w, generatorUrl);
    }
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string webhookBody(const std::vector<Alert>& alerts) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("version");
  w.String("1");
  w.Key("source");
  w.String("nomad-certd");
  w.Key("alerts");
  w.StartArray();
  for (const auto& a : alerts) {
    w.StartObject();
    w.Key("status");
    str(w, toString(a.state));
    w.Key("fingerprint");
    str(w, a.fingerprint());
    object(w, "labels", a.allLabels());
    object(w, "annotations", a.annotations);
    w.Key("startsAt");
    str(w, formatRfc3339(a.startsAt));
    if (a.endsAt) {
      w.Key("endsAt");
      str(w, formatRfc3339(*a.endsAt));
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string hmacSignature(std::string_view secret, std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), md, &len);
  std::string out = "sha256=";
  char hex[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

}  // namespace nc::events
