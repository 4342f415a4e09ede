// Nomad codec: status/error mapping, X-Nomad-* headers, agent health and leader.
#include <charconv>

#include "nomad/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::nomad::codec {

errc errcForStatus(int status, std::string_view body) {
  switch (status) {
    case 400:
      return errc::invalid_argument;
    case 401:
    case 403:
      return errc::permission_denied;
    case 404:
      return errc::not_found;
    case 409:
      return errc::conflict;
    case 413:
      return errc::too_large;
    case 429:
    case 503:
      return errc::unavailable;
    default:
      break;
  }
  if (status == 500) {
    // Nomad reports check-and-set failures as uncoded 500s; detect them by their text.
    if (body.starts_with("Enforcing job modify index")) return errc::conflict;
    if (body.find("No cluster leader") != std::string_view::npos ||
        body.find("no leader") != std::string_view::npos)
      return errc::unavailable;
  }
  if (status >= 500) return errc::server_error;
  return errc::protocol_error;
}

Error responseError(std::string_view what, int status, std::string_view body) {
  std::string msg = "nomad: " + std::string(what) + ": HTTP " + std::to_string(status);
  if (!body.empty()) {
    constexpr std::size_t kMax = 1024;
    msg += ": " + std::string(body.substr(0, kMax)) + (body.size() > kMax ? "…" : "");
  }
  return Error(errcForStatus(status, body), std::move(msg));
}

namespace {

template <class T>
bool parseNumber(const std::string& s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<QueryMeta> parseQueryMeta(const http::Headers& headers) {
  QueryMeta m;
  if (const auto* v = http::findHeader(headers, "X-Nomad-Index")) {
    if (!parseNumber(*v, m.index))
      return Error(errc::protocol_error, "nomad: malformed X-Nomad-Index header \"" + *v + "\"");
  }
  if (const auto* v = http::findHeader(headers, "X-Nomad-KnownLeader"))
    m.knownLeader = *v == "true";
  if (const auto* v = http::findHeader(headers, "X-Nomad-LastContact")) {
    if (!parseNumber(*v, m.lastContactMs))
      return Error(errc::protocol_error,
                   "nomad: malformed X-Nomad-LastContact header \"" + *v + "\"");
  }
  if (const auto* v = http::findHeader(headers, "X-Nomad-NextToken")) m.nextToken = *v;
  return m;
}

Result<AgentHealth> decodeAgentHealth(int status, std::string_view body) {
  if (status != 200 && status != 500) return responseError("GET agent/health", status, body);
  // An unhealthy agent answers 500 with the same JSON (labelled text/plain).
  auto doc = json::parse(body, "nomad agent/health");
  if (!doc) {
    if (status == 500) return responseError("GET agent/health", status, body);
    return doc.error();
  }
  json::DecodeState st;
  auto f = json::rootObject(*doc, "agent/health", st);
  AgentHealth h;
  h.ok = status == 200;
  for (const char* role : {"client", "server"}) {
    auto part = f.object(role);
    if (!part.valid()) continue;
    AgentHealthPart p{part.boolean("ok", json::Need::required), part.str("message")};
    (std::string_view(role) == "client" ? h.client : h.server) = p;
  }
  return json::finish(st, std::move(h));
}

Result<std::string> decodeLeader(std::string_view body) {
  auto doc = json::parse(body, "nomad status/leader");
  if (!doc) return doc.error();
  if (!doc->IsString())
    return Error(
        errc::protocol_error,
        std::string("nomad status/leader: expected a JSON string, got ") + json::typeName(*doc));
  return std::string(doc->GetString(), doc->GetStringLength());
}

}  // namespace nc::nomad::codec
