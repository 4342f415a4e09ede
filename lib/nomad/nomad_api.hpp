// NomadApi: the narrow, abstract Nomad interface the reconciler, watcher and CLI use.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "nomad/types.hpp"

namespace nc::nomad {

template <class T>
using Task = boost::asio::awaitable<Result<T>>;

struct EventStreamOptions {
  std::vector<std::string> topics;  ///< "Job:*", "Allocation:web"; empty = all (management)
  std::uint64_t index = 0;          ///< resume from this raft index (inclusive)
  std::optional<std::string> nomadNamespace;
  Duration heartbeatTimeout = Duration::seconds(45);  ///< server heartbeats every 30 s
  Duration reconnectMin = Duration::milliseconds(250), reconnectMax = Duration::seconds(30);
  /// After this many failed (re)connects in a row next() returns the error (and keeps
  /// retrying on the following call).
  int maxConsecutiveFailures = 5;
  /// Called when a connection delivers its first line (the subscription stands from then on),
  /// once per connection, from within next().
  std::function<void()> onLive;
};

/// A subscription to /v1/event/stream that reconnects on heartbeat timeout, server close or
/// error, resuming from the last seen index + 1.
class EventStream {
 public:
  virtual ~EventStream() = default;
  /// The next batch of events (heartbeats are consumed). Errors: see maxConsecutiveFailures.
  virtual boost::asio::awaitable<Result<EventBatch>> next() = 0;
  virtual std::uint64_t lastIndex() const = 0;
  virtual int reconnects() const = 0;
  /// Connected, and a line (heartbeat or events) arrived on this connection: the subscription
  /// is active, so every later event will be delivered unless reconnects() changes.
  virtual bool live() const = 0;
  virtual void close() = 0;
};
using EventStreamPtr = std::unique_ptr<EventStream>;

/// Errors: 400 invalid_argument, 403 permission_denied, 404 not_found, 409 conflict,
/// EnforceIndex failures (HTTP 500 "Enforcing job modify index ...") conflict, 503
/// unavailable, other 5xx server_error, malformed bodies protocol_error. Messages keep
/// Nomad's plain-text error. Job JSON is passed and returned as text (the Job object).
class NomadApi {
 public:
  virtual ~NomadApi() = default;

  virtual Task<Indexed<std::vector<JobStub>>> listJobs(QueryOptions q) = 0;
  virtual Task<Indexed<Job>> readJob(std::string id, QueryOptions q) = 0;
  virtual Task<RegisterResult> registerJob(std::string jobJson, RegisterOptions options) = 0;
  virtual Task<PlanResult> planJob(std::string jobJson, bool diff) = 0;
  /// POST /v1/jobs/parse → the api.Job JSON.
  virtual Task<std::string> parseJob(std::string hcl, bool canonicalize, std::string variables) = 0;
  /// DELETE /v1/job/:id (stop; purge removes it). A missing job is not an error in Nomad.
  virtual Task<DeregisterResult> deregisterJob(std::string id, bool purge) = 0;
  virtual Task<Indexed<std::vector<Job>>> jobVersions(std::string id, QueryOptions q) = 0;
  virtual Task<Indexed<std::vector<Allocation>>> jobAllocations(std::string id, QueryOptions q) = 0;

  virtual Task<Indexed<std::vector<Allocation>>> listAllocations(QueryOptions q) = 0;
  virtual Task<Indexed<Allocation>> readAllocation(std::string id, QueryOptions q) = 0;

  virtual Task<FileInfo> statFile(std::string allocId, std::string path) = 0;
  virtual Task<std::vector<FileInfo>> listFiles(std::string allocId, std::string path) = 0;
  /// cat; a 200 whose body is one of Nomad's error texts is returned as an error.
  virtual Task<std::string> catFile(std::string allocId, std::string path) = 0;
  virtual Task<std::string> readFileAt(std::string allocId, std::string path, std::int64_t offset,
                                       std::int64_t limit) = 0;
  /// stat + cat with the size cross-check; refuses secrets/ and private/ (use exec).
  virtual Task<std::string> readFile(std::string allocId, std::string path) = 0;

  virtual Task<ExecResult> exec(std::string allocId, std::string task,
                                std::vector<std::string> command, ExecOptions options) = 0;

  virtual Task<Indexed<Variable>> readVariable(std::string path, QueryOptions q) = 0;
  /// cas: ModifyIndex the variable must have (0 = create only); conflict on mismatch.
  virtual Task<Variable> putVariable(std::string path, std::map<std::string, std::string> items,
                                     std::optional<std::uint64_t> cas) = 0;
  virtual Task<void> deleteVariable(std::string path, std::optional<std::uint64_t> cas) = 0;
  /// conflict when another holder has the lock.
  virtual Task<Variable> acquireLock(std::string path, Duration ttl, Duration lockDelay) = 0;
  /// conflict when the lock is lost (expired or taken over).
  virtual Task<Variable> renewLock(std::string path, std::string lockId) = 0;
  virtual Task<void> releaseLock(std::string path, std::string lockId) = 0;

  /// Connects lazily on the first next().
  virtual EventStreamPtr subscribe(EventStreamOptions options) = 0;

  virtual Task<AgentHealth> agentHealth() = 0;
  /// RPC address of the leader; "" when there is none.
  virtual Task<std::string> leader() = 0;
};

using NomadApiPtr = std::shared_ptr<NomadApi>;

}  // namespace nc::nomad
