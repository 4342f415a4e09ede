// Controller: the `run` loop — work queue, backoff, write rate limit, Vault resync, Nomad job
// watch and leader election over a Reconciler.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "config/daemon_config.hpp"
#include "core/clock.hpp"
#include "nomad/blocking.hpp"
#include "reconcile/leader.hpp"
#include "reconcile/reconciler.hpp"
#include "reconcile/status_table.hpp"
#include "reconcile/work_queue.hpp"

namespace nc::health {
class Metrics;
}

namespace nc::reconcile {

struct ControllerOptions {
  Duration resyncInterval = Duration::seconds(60);  ///< Vault objects are re-read this often
  Duration resyncJitter = Duration::seconds(6);     ///< plus a random 0..jitter per key
  double maxWritesPerSecond = 1.0;  ///< global write token bucket (burst: one second of writes)
  Duration backoffBase = Duration::milliseconds(5), backoffCap = Duration::seconds(300);
  bool leaderElection = true;
  std::string lockPath = "nomad-certd/leader";
  Duration lockTtl = Duration::seconds(15);
  /// `wait` of the blocking query on the job list: Nomad's maximum (300 s), since every answer
  /// carries all N job stubs (~6 MB at 10k jobs) even when nothing changed. A changed job
  /// still answers at once. stop() cancels it in flight.
  Duration jobWatchWait = Duration::seconds(300);
  /// `wait` of a follower's blocking query on the lock variable (stop() cancels it too).
  Duration lockWatchWait = Duration::seconds(30);
  ReconcilerOptions reconciler;
  /// From the daemon config's reconcile and nomad sections.
  static ControllerOptions fromConfig(const config::DaemonConfig& config);
};

/// Usage (one io_context thread): construct, co_spawn run(); stop() ends it: the in-flight
/// blocking queries (job list, lock variable) are cancelled, run() releases the lock and
/// returns. The Controller must outlive run(). Only the leader (or every instance when leader
/// election is off) writes; followers observe, report drift and keep status/metrics current.
///
/// Scheduling: every key starts queued. A processed key is re-queued: after an error with
/// exponential backoff (5 ms doubling, capped); Vault keys after resyncInterval + jitter;
/// Nomad jobs only when the job watch sees their JobModifyIndex or Stop flag change (or the
/// job vanish): status-only updates are not replanned, and the index of a job this instance
/// just wrote (and confirmed) is taken as seen, so its own write is not planned again.
/// A write needs a token from the bucket; without one the key waits for the next token.
class Controller {
 public:
  Controller(vault::VaultApiPtr vault, nomad::NomadApiPtr nomad, config::DesiredState desired,
             ControllerOptions options, ClockPtr clock, health::Metrics* metrics = nullptr);
  ~Controller();

  boost::asio::awaitable<void> run();
  void stop();
  /// Reload: at the next boundary between two reconciles, queues every key whose declaration
  /// changed (now), forgets removed ones, and schedules a prune pass when prune is on.
  void updateDesired(config::DesiredState desired);
  /// The last status of every declared resource (for /status), in key order.
  std::vector<ResourceStatus> status() const;
  /// How many resources failed their last reconcile (no copy of the statuses).
  std::size_t errorCount() const;
  /// A backend answers again: the resources that failed are retried now, not after a backoff
  /// that grew through the outage (up to backoffCap). Their failure counts stay.
  void retryFailedNow();
  bool isLeader() const;

  // Steps of run(), public so tests drive them with a ManualClock and fake APIs.
  /// Reconciles every key ready at the clock's time; returns how many were processed.
  boost::asio::awaitable<std::size_t> processReady();
  /// One job-list query (blocking when an index is known); queues changed managed jobs.
  boost::asio::awaitable<Result<void>> pollJobs(Duration wait);
  /// Acquire/renew the lock when due.
  boost::asio::awaitable<void> electionStep();
  /// When run() should wake next (queue, prune, election).
  std::optional<MonoTime> nextWake() const;
  const WorkQueue& queue() const { return queue_; }
  std::uint64_t writes() const { return writes_; }

 private:
  bool canWrite() const;
  void applyPending();
  void schedule(const ResourceKey& key, MonoTime at);
  void wake();
  boost::asio::awaitable<void> watchLoop();
  boost::asio::awaitable<void> lockWatchLoop();
  void updateMetrics();
  /// What the job list last showed for one declared job ("ns/id"): 0 = absent.
  struct JobSeen {
    std::uint64_t index = 0;   ///< JobModifyIndex
    std::uint64_t listed = 0;  ///< listGen_ of the last list that held it
    bool stop = false, known = false;
    bool ownWrite = false;  ///< `index` is our confirmed write, newer than the lists so far
  };
  void trackJobs();
  void noteJob(const std::string& name, JobSeen& seen, std::uint64_t index, bool stop,
               std::uint64_t listIndex, MonoTime now);
  void settleJob(const ResourceKey& key, const ResourceStatus& s, MonoTime now);

  Reconciler reconciler_;
  nomad::NomadApiPtr nomad_;
  ControllerOptions options_;
  ClockPtr clock_;
  health::Metrics* metrics_;
  WorkQueue queue_;
  TokenBucket bucket_;
  std::optional<LeaderElector> elector_;
  StatusTable status_;
  std::unordered_map<std::string, JobSeen> jobSeen_;  ///< declared jobs by "ns/id"
  std::uint64_t listGen_ = 0;
  std::optional<ResourceKey> inFlight_;  ///< the key being reconciled
  bool inFlightMoved_ = false;           ///< the job list moved it meanwhile
  bool inFlightStopMoved_ = false;
  nomad::BlockingIndex listIndex_;
  std::optional<MonoTime> pruneAt_;
  std::optional<config::DesiredState> pending_;  ///< reload waiting for a reconcile boundary
  std::mt19937 rng_;
  std::uint64_t writes_ = 0;
  bool stopped_ = false, watching_ = false, watchingLock_ = false;
  struct Waker;
  std::unique_ptr<Waker> waker_;
};

}  // namespace nc::reconcile
