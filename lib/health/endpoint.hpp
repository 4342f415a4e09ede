// The health endpoint's request handling (/healthz, /readyz, /metrics, /status) as a plain
// function over lib/http's server structs, so it is tested without a socket.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "health/health_state.hpp"
#include "health/metrics.hpp"
#include "http/server.hpp"

namespace nc::health {

struct EndpointOptions {
  /// When set, /metrics and /status require "Authorization: Bearer <token>".
  std::optional<std::string> bearerToken;
};

/// The /status document in pieces, so that a large certificate table is never held whole
/// (at 50k certificates the document is ~15 MB).
struct StatusDocument {
  std::uint64_t size = 0;  ///< bytes of all pieces together
  /// Appends the next piece to `out`; returns false with the last one.
  std::function<bool(std::string& out)> next;
};

class Endpoint {
 public:
  /// status produces the /status document (which must contain no secret); it is called once
  /// per request, and its pieces are taken while the response is written.
  Endpoint(const HealthState& state, const Metrics& metrics, std::function<StatusDocument()> status,
           EndpointOptions options = {});

  http::ServerResponse handle(const http::ServerRequest& request) const;
  /// Adapter for http::startServer.
  http::Handler handler() const;

 private:
  bool authorized(const http::ServerRequest& request) const;
  const HealthState& state_;
  const Metrics& metrics_;
  std::function<StatusDocument()> status_;
  EndpointOptions options_;
};

}  // namespace nc::health
