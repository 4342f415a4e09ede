// Wraps a simulator's synchronous request handler into a server Handler that counts requests
// and applies the fault table (latency, status override, connection reset).
#pragma once

#include <functional>

#include "common/fault_table.hpp"
#include "http/server.hpp"

namespace nc::sim {

using SyncHandler = std::function<http::ServerResponse(const http::ServerRequest&)>;

/// Requests under /_sim/ are neither counted nor faulted. A status override without a rule
/// body answers {"errors":["injected fault"]} (the Vault/Nomad error shape).
/// The tables must outlive the returned handler.
http::Handler withFaults(FaultTable& faults, RequestCounters& counters, SyncHandler core);

}  // namespace nc::sim
