// The simulated scheduler and client: places allocations per group count when a job changes,
// runs their tasks through Nomad's task states and events, stops old allocations, creates the
// allocation directories on disk and writes the tasks' workload identity JWTs.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alloc_model.hpp"
#include "keyring.hpp"
#include "state.hpp"

namespace boost::asio {
class io_context;
}

namespace nc::nomadsim {

struct ClientOptions {
  std::string dataDir;  ///< allocation directories go to <dataDir>/alloc/<id>; empty = none
  std::string region = "global";
  std::string datacenter = "dc1";
  std::string vaultAddr;  ///< VAULT_ADDR in the tasks' environment
  std::string nodeId = "8d1c9b6e-5f1e-4f3a-9a57-3f0c2c6d7e01";
  std::string nodeName = "nomad-sim-client-1";
  int startDelayMs = 20;  ///< time from placement to the client starting the tasks
  int batchRunMs = 50;    ///< how long a batch task runs
};

class ClientSim {
 public:
  ClientSim(boost::asio::io_context& io, SimState& state, const KeyRing& keys, ClientOptions options);
  ~ClientSim();

  /// Scheduler pass for one job (called after the job was written).
  void jobChanged(const std::string& ns, const std::string& id);
  void reset();

  const Allocation* alloc(const std::string& id) const;
  /// Allocations in ns ("*" = all) whose ID starts with prefix, by ID.
  std::vector<const Allocation*> allocs(const std::string& ns, const std::string& prefix) const;
  std::vector<const Allocation*> jobAllocs(const std::string& ns, const std::string& jobId) const;
  const ClientOptions& options() const { return opt_; }
  /// <dataDir>/alloc/<id>, or "" without a data dir.
  std::string allocDir(const std::string& id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ClientOptions opt_;
};

}  // namespace nc::nomadsim
