// Controller: scheduling of reconcile work, leader election and metrics for `run` (the job
// watch is in controller_job_watch.cpp).
#include "reconcile/controller.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "health/metrics.hpp"
#include "reconcile/plan.hpp"

namespace nc::reconcile {
namespace {
using boost::asio::use_awaitable;

boost::asio::awaitable<void> sleepFor(boost::asio::steady_timer& t, std::chrono::nanoseconds d) {
  t.expires_after(d);
  boost::system::error_code ec;
  co_await t.async_wait(boost::asio::redirect_error(use_awaitable, ec));
}
}  // namespace

/// The timers run()'s loops sleep on, and the signals that cancel the in-flight blocking
/// queries (job list, lock variable) on stop().
struct Controller::Waker {
  std::unique_ptr<boost::asio::steady_timer> timer;     ///< run()'s loop
  std::unique_ptr<boost::asio::steady_timer> lockIdle;  ///< the lock watch while leader
  boost::asio::cancellation_signal jobWatchStop, lockWatchStop;
};

ControllerOptions ControllerOptions::fromConfig(const config::DaemonConfig& c) {
  ControllerOptions o;
  o.resyncInterval = c.reconcile.interval;
  o.resyncJitter = c.reconcile.jitter;
  o.maxWritesPerSecond = c.reconcile.maxWritesPerSecond;
  o.leaderElection = c.reconcile.leaderElection.enabled;
  o.lockPath = c.reconcile.leaderElection.variablePath;
  o.lockTtl = c.reconcile.leaderElection.ttl;
  o.reconciler.modeCap = c.reconcile.mode;
  o.reconciler.ownershipPath = c.reconcile.ownershipVariable;
  o.reconciler.nomadNamespace = c.nomad.nomadNamespace.empty() ? "default" : c.nomad.nomadNamespace;
  return o;
}

Controller::Controller(vault::VaultApiPtr vault, nomad::NomadApiPtr nomad,
                       config::DesiredState desired, ControllerOptions options, ClockPtr clock,
                       health::Metrics* metrics)
    : reconciler_(std::move(vault), nomad, options.reconciler),
      nomad_(nomad),
      options_(std::move(options)),
      clock_(std::move(clock)),
      metrics_(metrics),
      queue_(options_.backoffBase, options_.backoffCap),
      bucket_(options_.maxWritesPerSecond, std::max(1.0, options_.maxWritesPerSecond),
              clock_->monotonic()),
      rng_(std::random_device{}()),
      waker_(std::make_unique<Waker>()) {
  if (options_.leaderElection)
    elector_.emplace(nomad_, options_.lockPath, options_.lockTtl, clock_);
  const bool prune = desired.defaults.prune;
  reconciler_.setDesired(std::move(desired));
  const auto now = clock_->monotonic();
  for (const auto& k : reconciler_.keys()) queue_.add(k, now);
  trackJobs();
  if (prune) pruneAt_ = now;
  if (metrics_) metrics_->setLeader(false);
}

Controller::~Controller() = default;

bool Controller::isLeader() const {
  return elector_ && elector_->isLeader();
}

bool Controller::canWrite() const {
  return !options_.leaderElection || isLeader();
}

void Controller::wake() {
  if (waker_->timer) waker_->timer->cancel();
}

void Controller::retryFailedNow() {
  const MonoTime now = clock_->monotonic();
  bool any = false;
  for (const auto& [key, s] : status_.all())
    if (s.state == State::error) {
      queue_.add(key, now);  // keeps the earlier time: now
      any = true;
    }
  if (any) wake();
}

void Controller::schedule(const ResourceKey& key, MonoTime at) {
  queue_.add(key, at);
  wake();
}

void Controller::stop() {
  stopped_ = true;
  wake();
  if (waker_->lockIdle) waker_->lockIdle->cancel();
  // Terminal cancellation reaches the socket read of an in-flight blocking query (the HTTP
  // transport's operations are awaited in the same coroutine chain), which ends at once.
  waker_->jobWatchStop.emit(boost::asio::cancellation_type::terminal);
  waker_->lockWatchStop.emit(boost::asio::cancellation_type::terminal);
}

void Controller::updateDesired(config::DesiredState desired) {
  // Applied between two reconciles: an in-flight one holds pointers into the current state.
  pending_ = std::move(desired);
  wake();
}

void Controller::applyPending() {
  if (!pending_) return;
  config::DesiredState desired = std::move(*pending_);
  pending_.reset();
  const auto changed = reconciler_.changedKeys(desired);
  const bool prune = desired.defaults.prune;
  reconciler_.setDesired(std::move(desired));
  const auto now = clock_->monotonic();
  for (const auto& k : changed) {
    if (reconciler_.declared(k)) {
      queue_.add(k, now);
      queue_.forget(k);
    } else {
      queue_.remove(k);
      status_.erase(k);
      if (k.kind == Kind::job) jobSeen_.erase(k.name);
    }
  }
  trackJobs();
  if (prune) pruneAt_ = now;
  spdlog::info("event=desired_state_reloaded changed={}", changed.size());
}

std::vector<ResourceStatus> Controller::status() const {
  std::vector<ResourceStatus> out;
  for (const auto& [k, s] : status_.all()) out.push_back(s);
  return out;
}

std::size_t Controller::errorCount() const {
  return status_.errors();
}

std::optional<MonoTime> Controller::nextWake() const {
  auto next = queue_.nextReady();
  auto earlier = [&](MonoTime t) {
    if (!next || t < *next) next = t;
  };
  if (pruneAt_) earlier(*pruneAt_);
  if (pending_) earlier(clock_->monotonic());
  if (elector_) earlier(elector_->nextAt());
  return next;
}

void Controller::updateMetrics() {
  if (!metrics_) return;
  metrics_->setLeader(canWrite());
  for (Kind k :
       {Kind::mount, Kind::pkiRole, Kind::policy, Kind::authMethod, Kind::authRole, Kind::job})
    for (State st : {State::inSync, State::drifted, State::error})
      metrics_->setResources(toString(k), toString(st), static_cast<double>(status_.count(k, st)));
}

boost::asio::awaitable<std::size_t> Controller::processReady() {
  std::size_t done = 0;
  auto now = clock_->monotonic();
  while (!stopped_) {
    applyPending();
    auto key = queue_.pop(now);
    if (!key) break;
    if (!reconciler_.declared(*key)) continue;
    const bool enforce = reconciler_.modeOf(*key) == config::Mode::enforce;
    // A renew due mid-batch happens before the next write: a long batch neither outlives the
    // lease nor defers the lock check (a lost lock stops the writes here).
    if (enforce && elector_ && elector_->holdsLock() && now >= elector_->nextAt()) {
      co_await electionStep();
      now = clock_->monotonic();
    }
    bool write = enforce && canWrite();
    if (write && !bucket_.ready(now)) {
      queue_.add(*key, bucket_.readyAt(now));  // wait for a write token; observe then
      continue;
    }
    const auto t0 = clock_->monotonic();
    inFlight_ = *key;
    ResourceStatus s = co_await reconciler_.reconcile(*key, write && canWrite());
    now = clock_->monotonic();
    if (key->kind == Kind::job)
      settleJob(*key, s, now);
    else
      inFlight_.reset();
    const bool attempted =
        write && (s.changed || (s.state == State::error && (s.missing || !s.deltas.empty())));
    if (attempted) {
      bucket_.take(now);
      ++writes_;
    }
    if (metrics_) {
      const double secs = std::chrono::duration<double>(now - t0).count();
      metrics_->reconcileRun(s.state == State::error                    ? "error"
                             : (s.state == State::drifted || s.changed) ? "drift"
                                                                        : "ok",
                             secs);
      if (!s.deltas.empty() || s.missing) metrics_->driftDetected(toString(key->kind));
      if (s.changed && s.state == State::inSync) metrics_->driftFixed(toString(key->kind));
    }
    if (s.state == State::error) {
      queue_.retryAfterFailure(*key, now);
    } else {
      queue_.forget(*key);
      if (key->kind != Kind::job) {
        const auto jitterNs = options_.resyncJitter.nanos().count();
        const auto jitter =
            jitterNs > 0 ? std::uniform_int_distribution<std::int64_t>(0, jitterNs)(rng_) : 0;
        queue_.add(*key, now + options_.resyncInterval.as<MonoTime::duration>() +
                             std::chrono::duration_cast<MonoTime::duration>(
                                 std::chrono::nanoseconds(jitter)));
      }
    }
    status_.set(*key, std::move(s));
    ++done;
  }
  if (!stopped_ && pruneAt_ && now >= *pruneAt_) {
    status_.keepOnly([this](const ResourceKey& k) { return reconciler_.declared(k); });
    std::vector<ResourceStatus> pruned = co_await reconciler_.prune(canWrite());
    for (auto& s : pruned) {
      if (s.changed) {
        bucket_.take(clock_->monotonic());
        ++writes_;
      }
      status_.set(s.key, std::move(s));
    }
    pruneAt_.reset();
    if (reconciler_.desired().defaults.prune)
      pruneAt_ = clock_->monotonic() + options_.resyncInterval.as<MonoTime::duration>();
  }
  updateMetrics();
  co_return done;
}

boost::asio::awaitable<void> Controller::electionStep() {
  if (!elector_) co_return;
  const bool wasLeader = isLeader();
  co_await elector_->tick();
  if (!elector_->holdsLock() && waker_->lockIdle) waker_->lockIdle->cancel();  // watch the lock
  if (isLeader() != wasLeader) {
    if (metrics_) metrics_->setLeader(isLeader());
    if (isLeader()) {  // a new leader repairs what followers only reported
      const auto now = clock_->monotonic();
      for (const auto& k : reconciler_.keys()) queue_.add(k, now);
    }
  }
}

boost::asio::awaitable<void> Controller::watchLoop() {
  // Cancelled on stop(): the loop ends by itself and must not throw at its next co_await.
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer pause(ex);
  int failures = 0;
  while (!stopped_) {
    auto r = co_await pollJobs(options_.jobWatchWait);
    if (r) {
      failures = 0;
      continue;
    }
    if (stopped_ || r.error().is(errc::cancelled)) break;
    ++failures;
    spdlog::warn("event=job_watch_error failures={} message=\"{}\"", failures, r.error().message);
    const auto d =
        WorkQueue(Duration::milliseconds(250), Duration::seconds(30)).backoffFor(failures);
    co_await sleepFor(pause, d.nanos());
  }
  watching_ = false;
}

boost::asio::awaitable<void> Controller::lockWatchLoop() {
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  auto ex = co_await boost::asio::this_coro::executor;
  boost::asio::steady_timer pause(ex);
  int failures = 0;
  while (!stopped_) {
    if (elector_->holdsLock()) {  // until the next renew, electionStep() sees it end, or stop()
      const auto until = std::max(elector_->nextAt() - clock_->monotonic(),
                                  MonoTime::duration(std::chrono::milliseconds(100)));
      co_await sleepFor(*waker_->lockIdle,
                        std::chrono::duration_cast<std::chrono::nanoseconds>(until));
      continue;
    }
    auto r = co_await elector_->watch(options_.lockWatchWait);
    if (stopped_) break;
    if (r) {
      failures = 0;
      if (*r) wake();  // the lock moved: acquire now
      continue;
    }
    if (r.error().is(errc::cancelled)) break;
    ++failures;
    // The 1.1 x TTL acquire retry goes on regardless; this only delays the fast path.
    if (failures == 1 || failures % 10 == 0)
      spdlog::warn("event=leadership_watch_error lock={} failures={} message=\"{}\"",
                   options_.lockPath, failures, r.error().message);
    const auto d =
        WorkQueue(Duration::milliseconds(250), Duration::seconds(30)).backoffFor(failures);
    co_await sleepFor(pause, d.nanos());
  }
  watchingLock_ = false;
}

boost::asio::awaitable<void> Controller::run() {
  auto ex = co_await boost::asio::this_coro::executor;
  waker_->timer = std::make_unique<boost::asio::steady_timer>(ex);
  watching_ = true;  // set before spawning: the loops may start only after stop()
  boost::asio::co_spawn(
      ex, watchLoop(),
      boost::asio::bind_cancellation_slot(waker_->jobWatchStop.slot(), boost::asio::detached));
  if (elector_) {
    waker_->lockIdle = std::make_unique<boost::asio::steady_timer>(ex);
    watchingLock_ = true;
    boost::asio::co_spawn(
        ex, lockWatchLoop(),
        boost::asio::bind_cancellation_slot(waker_->lockWatchStop.slot(), boost::asio::detached));
  }
  while (!stopped_) {
    co_await electionStep();
    co_await processReady();
    if (stopped_) break;
    auto next = nextWake();
    auto delay =
        next ? *next - clock_->monotonic() : std::chrono::nanoseconds(std::chrono::hours(1));
    if (delay > std::chrono::nanoseconds(0))
      co_await sleepFor(*waker_->timer,
                        std::chrono::duration_cast<std::chrono::nanoseconds>(delay));
  }
  if (elector_) co_await elector_->release();
  if (metrics_) metrics_->setLeader(false);
  boost::asio::steady_timer poll(ex);
  while (watching_ || watchingLock_) co_await sleepFor(poll, std::chrono::milliseconds(5));
  waker_->timer.reset();
  waker_->lockIdle.reset();
}

}  // namespace nc::reconcile
