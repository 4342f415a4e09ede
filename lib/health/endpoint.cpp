// Health endpoint routes: status codes, content types and readiness reasons as JSON.
#include "health/endpoint.hpp"

#include <openssl/crypto.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace nc::health {
namespace {

http::ServerResponse text(int status, std::string body,
                          std::string type = "text/plain; charset=utf-8") {
  http::ServerResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", std::move(type)});
  r.headers.push_back({"Cache-Control", "no-store"});
  r.body = std::move(body);
  return r;
}

/// Writes the document piece by piece, then the trailing newline. A free coroutine with
/// by-value parameters: no lambda captures live in its frame.
boost::asio::awaitable<void> writeDocument(std::shared_ptr<StatusDocument> doc,
                                           http::StreamWriter& out) {
  for (bool more = true; more;) {
    std::string piece;
    more = doc->next(piece);
    if (!more) piece.push_back('\n');
    if (!co_await out.write(std::move(piece))) co_return;  // the client went away
  }
}

}  // namespace

Endpoint::Endpoint(const HealthState& state, const Metrics& metrics,
                   std::function<StatusDocument()> status, EndpointOptions options)
    : state_(state), metrics_(metrics), status_(std::move(status)), options_(std::move(options)) {}

bool Endpoint::authorized(const http::ServerRequest& req) const {
  if (!options_.bearerToken) return true;
  const std::string* auth = req.header("Authorization");
  std::string expected = "Bearer " + *options_.bearerToken;
  return auth && auth->size() == expected.size() &&
         CRYPTO_memcmp(auth->data(), expected.data(), expected.size()) == 0;
}

http::ServerResponse Endpoint::handle(const http::ServerRequest& req) const {
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = text(405, "method not allowed\n");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  if (req.path == "/healthz") {
    if (state_.alive()) return text(200, "ok\n");
    return text(503, "main loop has not ticked for " + state_.sinceLastTick().toString() + "\n");
  }
  if (req.path == "/readyz") {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("ready");
    w.Bool(state_.ready());
    w.Key("reasons");
    w.StartObject();
    for (const auto& [key, message] : state_.problems()) {
      w.Key(key.c_str());
      w.String(message.c_str());
    }
    w.EndObject();
    w.EndObject();
    return text(state_.ready() ? 200 : 503, std::string(buf.GetString(), buf.GetSize()) + "\n",
                "application/json");
  }
  if (req.path == "/metrics" || req.path == "/status") {
    if (!authorized(req)) {
      auto r = text(401, "unauthorized\n");
      r.headers.push_back({"WWW-Authenticate", "Bearer"});
      return r;
    }
    if (req.path == "/metrics")
      return text(200, metrics_.exposition(), "text/plain; version=0.0.4; charset=utf-8");
    auto doc = std::make_shared<StatusDocument>(status_());
    auto r = text(200, "", "application/json");
    r.streamLength = doc->size + 1;
    r.stream = [doc](http::StreamWriter& out) { return writeDocument(doc, out); };
    return r;
  }
  return text(404, "not found\n");
}

namespace {
// A free coroutine with by-value parameters: no lambda captures live in the coroutine frame.
boost::asio::awaitable<http::ServerResponse> handleAsync(const Endpoint* self,
                                                         http::ServerRequest req) {
  co_return self->handle(req);
}
}  // namespace

http::Handler Endpoint::handler() const {
  return [this](http::ServerRequest req) { return handleAsync(this, std::move(req)); };
}

}  // namespace nc::health
