// The simulated scheduler and client: places allocations per group count when a job changes,
// runs their tasks through Nomad's task states and events, stops old allocations, creates the
// allocation directories on disk, writes the tasks' workload identity JWTs and runs their
// templates (Vault login, PKI issue, renewal with change_mode events).
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
  std::string vaultJwtMount = "jwt-nomad";  ///< auth/<mount>/login for the tasks' identities
  int vaultRetryAttempts = 3;               ///< Vault attempts before a template fails
  int vaultRetryBaseMs = 100;               ///< first retry backoff, doubled per attempt
  int templateEventRateMs = 3000;  ///< delay of a template's "Missing: ..." event (Nomad: 3s)
};

class ClientSim {
 public:
  ClientSim(boost::asio::io_context& io, SimState& state, const KeyRing& keys,
            ClientOptions options);
  ~ClientSim();

  /// Scheduler pass for one job (called after the job was written).
  void jobChanged(const std::string& ns, const std::string& id);
  void reset();

  // Admin controls of the template runners (see README).
  /// Every Vault request of the job's templates fails with error (403); "" clears.
  void failTemplates(const std::string& ns, const std::string& jobId, const std::string& error);
  /// Pauses (or resumes) certificate re-issuing for the job.
  void pauseRenewals(const std::string& ns, const std::string& jobId, bool paused);
  /// A client agent restart: templates are rebuilt, log in again, re-issue and re-render.
  void restartClient();
  /// JSON array: the job's template runners and their secrets' issue/renew times.
  std::string templateStatus(const std::string& ns, const std::string& jobId) const;

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
