// vault-sim's request entry point: turns HTTP requests into logical Vault requests (operation,
// token, ACL, mount routing) and renders replies; also serves the /_sim/ admin API.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/fault_table.hpp"
#include "core/clock.hpp"
#include "http/server.hpp"
#include "vault/core.hpp"

namespace nc::vault_sim {

struct SimOptions {
  std::string rootToken = "root";
  ClockPtr clock;      ///< defaults to the system clock
  UrlFetcher fetcher;  ///< for JWKS URLs; unset = fetching fails with a clear error
  std::size_t maxRequestSize = 32 * 1024 * 1024;
  std::string stateFile;  ///< optional persistence (written after each change)
};

class VaultSim {
 public:
  explicit VaultSim(SimOptions options);
  ~VaultSim();

  /// Handles one request: /v1/... as Vault, /_sim/... admin. Never throws.
  http::ServerResponse handle(const http::ServerRequest& req);

  Core& core() { return *core_; }
  sim::FaultTable& faults() { return faults_; }
  sim::RequestCounters& counters() { return counters_; }

 private:
  http::ServerResponse handleVault(const http::ServerRequest& req);
  http::ServerResponse handleAdmin(const http::ServerRequest& req);

  SimOptions options_;
  std::unique_ptr<Core> core_;
  sim::FaultTable faults_;
  sim::RequestCounters counters_;
};

}  // namespace nc::vault_sim
