// The health endpoint's request handling (/healthz, /readyz, /metrics, /status) as a plain
// function over lib/http's server structs, so it is tested without a socket.
#pragma once

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

class Endpoint {
 public:
  /// statusJson renders the /status document (must contain no secret).
  Endpoint(const HealthState& state, const Metrics& metrics,
           std::function<std::string()> statusJson, EndpointOptions options = {});

  http::ServerResponse handle(const http::ServerRequest& request) const;
  /// Adapter for http::startServer.
  http::Handler handler() const;

 private:
  bool authorized(const http::ServerRequest& request) const;
  const HealthState& state_;
  const Metrics& metrics_;
  std::function<std::string()> statusJson_;
  EndpointOptions options_;
};

}  // namespace nc::health
