// The /_sim/ admin endpoints every simulator shares: fault rules and request counters.
#pragma once

#include <optional>

#include "common/fault_table.hpp"
#include "http/server.hpp"

namespace nc::sim {

/// Handles
///   GET /_sim/faults                list rules;  POST /_sim/faults  add a rule (JSON, see
///   FaultRule) DELETE /_sim/faults[?prefix=P]  remove all rules, or those of one prefix GET
///   /_sim/counters[?prefix=P]   per-path/method counts;  DELETE /_sim/counters  reset
/// Returns std::nullopt for any other path so the simulator can handle its own /_sim/ routes.
std::optional<http::ServerResponse> handleCommonAdmin(const http::ServerRequest& req,
                                                      FaultTable& faults,
                                                      RequestCounters& counters);

/// First value of a query parameter in a ServerRequest (no lib/http link needed).
std::optional<std::string> queryValue(const http::ServerRequest& req, std::string_view name);
/// Case-insensitive header lookup (no lib/http link needed).
const std::string* headerValue(const http::ServerRequest& req, std::string_view name);

}  // namespace nc::sim
