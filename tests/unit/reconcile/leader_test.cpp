// Leader election timing: takeover bound after a holder dies or releases (manual clock, a lock
// server modelled on nomad-api.md §7.2), and stop() cancelling in-flight blocking queries.
#include <gtest/gtest.h>

#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "desired_fixture.hpp"
#include "fakes.hpp"
#include "reconcile/controller.hpp"
#include "reconcile/leader.hpp"

namespace nc::reconcile {
namespace {

using namespace testing;
using namespace std::chrono_literals;
using Mono = Clock::MonoTime;

/// One lock variable as Nomad keeps it: acquire/renew arm a 2×TTL timer; once it fires the lock
/// cannot be renewed, and LockDelay later it is removed (a write: the index moves). Release
/// removes it at once. A 409 for a held lock.
class LockServer : public FakeNomad {
 public:
  explicit LockServer(std::shared_ptr<ManualClock> clock) : clock_(std::move(clock)) {}
  struct Held {
    std::string id;
    Mono deadline, removeAt;
    bool lapsed = false;
  };
  std::optional<Held> lock;
  std::uint64_t varIndex = 5;
  Duration ttl, delay;
  bool readForbidden = false;
  int reads = 0, ids = 0;

  void expire() {
    const auto now = clock_->monotonic();
    if (!lock) return;
    if (!lock->lapsed && now >= lock->deadline) {
      lock->lapsed = true;
      lock->removeAt = lock->deadline + delay.as<Mono::duration>();
    }
    if (lock->lapsed && now >= lock->removeAt) {
      lock.reset();
      ++varIndex;
    }
  }
  Task<nomad::Variable> acquireLock(std::string path, Duration t, Duration d) override {
    ++acquireCalls;
    expire();
    if (lock) co_return Error(errc::conflict, "lock held");
    ttl = t;
    delay = d;
    lock =
        Held{"id-" + std::to_string(++ids), clock_->monotonic() + 2 * t.as<Mono::duration>(), {}};
    ++varIndex;
    nomad::Variable v;
    v.path = path;
    v.modifyIndex = varIndex;
    v.lock = nomad::VariableLock{lock->id, t.toString(), d.toString()};
    co_return v;
  }
  Task<nomad::Variable> renewLock(std::string path, std::string id) override {
    ++renewCalls;
    expire();
    if (!lock || lock->id != id || lock->lapsed)
      co_return Error(errc::conflict, "attempting to modify locked variable");
    lock->deadline = clock_->monotonic() + 2 * ttl.as<Mono::duration>();
    nomad::Variable v;
    v.path = path;
    co_return v;
  }
  Task<void> releaseLock(std::string, std::string id) override {
    ++releaseCalls;
    if (!lock || lock->id != id) co_return Error(errc::conflict, "not the holder");
    lock.reset();
    ++varIndex;
    co_return Result<void>();
  }
  /// Answers at once; the driver below only asks when a blocking query would have answered.
  Task<nomad::Indexed<nomad::Variable>> readVariable(std::string path,
                                                     nomad::QueryOptions) override {
    ++reads;
    if (readForbidden) co_return Error(errc::permission_denied, "403 Permission denied");
    expire();
    nomad::Indexed<nomad::Variable> out;
    out.value.path = path;
    out.value.modifyIndex = varIndex;
    out.meta.index = varIndex;
    co_return out;
  }

 private:
  std::shared_ptr<ManualClock> clock_;
};

constexpr auto kStep = 10ms;
const Duration kTtl = Duration::seconds(10);  // LockDelay = TTL, as the daemon asks

struct Takeover {
  Mono::duration took{};
  int acquires = 0, reads = 0;
};

/// Leader A holds the lock and renews on time, then dies `phase` (< 0.7×TTL) after a renewal;
/// follower B runs as Controller::run() does: tick() when due, and watch() whenever its
/// blocking read would answer (the index moved or the wait ran out). Time moves in kStep.
Takeover killLeaderAfter(Mono::duration phase, bool watchWorks) {
  phase = std::min(phase, kTtl.as<Mono::duration>() * 7 / 10 - kStep);
  auto clock = std::make_shared<ManualClock>();
  auto server = std::make_shared<LockServer>(clock);
  server->readForbidden = !watchWorks;
  LeaderElector a(server, "lock", kTtl, clock, 1), b(server, "lock", kTtl, clock, 2);
  const Duration wait = Duration::seconds(30);
  std::optional<Mono> watchedAt;
  std::uint64_t watchedIndex = 0;
  std::optional<Mono> deathAt;
  int acquiresAtDeath = 0, readsAtDeath = 0;
  const auto stepB = [&] {
    const auto now = clock->monotonic();
    const bool answers = !watchedAt || server->varIndex != watchedIndex ||
                         now - *watchedAt >= wait.as<Mono::duration>();
    if (!b.holdsLock() && answers) {
      auto r = runSync(b.watch(wait));
      // A failed read backs off in the controller; here it is simply asked again after the wait.
      watchedAt = now;
      watchedIndex = server->varIndex;
      (void)r;
    }
    if (now >= b.nextAt()) runSync(b.tick());
  };
  // A wins the first round (its first attempt comes first), then renews a few times.
  while (!a.holdsLock()) {
    clock->advance(kStep);
    server->expire();
    if (clock->monotonic() >= a.nextAt()) runSync(a.tick());
  }
  stepB();
  EXPECT_FALSE(b.holdsLock());
  Mono lastRenew = clock->monotonic();
  for (;;) {
    clock->advance(kStep);
    server->expire();
    const auto now = clock->monotonic();
    if (!deathAt && now >= a.nextAt()) {
      const int renewals = a.renewals();
      runSync(a.tick());
      EXPECT_TRUE(a.isLeader());
      if (a.renewals() > renewals) lastRenew = now;
    }
    if (!deathAt && a.renewals() >= 3 && now >= lastRenew + phase) {
      deathAt = now;  // kill -9: no more ticks, no release
      acquiresAtDeath = server->acquireCalls;
      readsAtDeath = server->reads;
    }
    stepB();
    if (b.isLeader()) break;
    if (now > Mono() + 20 * kTtl.as<Mono::duration>()) {
      ADD_FAILURE() << "no takeover";
      break;
    }
  }
  if (!deathAt) return {};
  return {clock->monotonic() - *deathAt, server->acquireCalls - acquiresAtDeath,
          server->reads - readsAtDeath};
}

double secondsOf(Mono::duration d) {
  return std::chrono::duration<double>(d).count();
}

TEST(LeaderTakeover, FollowerTakesOverWithin2TtlPlusLockDelayOfTheHolderDying) {
  const auto bound = 3 * kTtl.as<Mono::duration>();  // 2×TTL + LockDelay
  Mono::duration worst{};
  for (int tenth = 0; tenth <= 7; ++tenth) {  // the holder renews every 0.7×TTL
    const auto t = killLeaderAfter(kTtl.as<Mono::duration>() * tenth / 10, true);
    SCOPED_TRACE(tenth);
    EXPECT_LE(t.took, bound + kStep) << secondsOf(t.took);
    // No hammering: the 1.1×TTL retries, plus one acquire when the lock is removed.
    EXPECT_LE(t.acquires, 4);
    EXPECT_LE(t.reads, 4);  // blocking reads answer on a change or after 30 s
    worst = std::max(worst, t.took);
  }
  // Dying right after a renew is the worst case, and it reaches the bound.
  EXPECT_GE(worst, bound - kStep) << secondsOf(worst);
  std::fprintf(stderr, "worst takeover with the lock watch: %.2f s (2xTTL+LockDelay %.0f s)\n",
               secondsOf(worst), secondsOf(bound));
}

TEST(LeaderTakeover, WithoutTheLockWatchOnlyThe1point1TtlRetryIsLeftAndCanMissTheBound) {
  const auto bound = 3 * kTtl.as<Mono::duration>();
  Mono::duration worst{};
  for (int tenth = 0; tenth <= 7; ++tenth) {
    const auto t = killLeaderAfter(kTtl.as<Mono::duration>() * tenth / 10, false);
    SCOPED_TRACE(tenth);
    EXPECT_LE(t.took, bound + kTtl.as<Mono::duration>() * 11 / 10 + kStep) << secondsOf(t.took);
    worst = std::max(worst, t.took);
  }
  EXPECT_GT(worst, bound + kStep) << secondsOf(worst);
  std::fprintf(stderr, "worst takeover with the 1.1xTTL retry only: %.2f s\n", secondsOf(worst));
}

TEST(LeaderTakeover, ReleaseIsSeenByTheWatchAndTakenAtOnce) {
  auto clock = std::make_shared<ManualClock>();
  auto server = std::make_shared<LockServer>(clock);
  LeaderElector a(server, "lock", kTtl, clock, 1), b(server, "lock", kTtl, clock, 2);
  clock->advance(100ms);
  runSync(a.tick());
  ASSERT_TRUE(a.isLeader());
  ASSERT_TRUE(runSync(b.watch(Duration::seconds(30))).value());  // the first read: index learned
  runSync(b.tick());
  EXPECT_FALSE(b.holdsLock());
  EXPECT_EQ(server->acquireCalls, 2);
  clock->advance(2s);
  EXPECT_FALSE(runSync(b.watch(Duration::seconds(30))).value());  // unchanged: not due
  EXPECT_GE(b.nextAt(), clock->monotonic() + 9s);
  runSync(a.release());
  clock->advance(kStep);
  EXPECT_TRUE(runSync(b.watch(Duration::seconds(30))).value());
  EXPECT_LE(b.nextAt(), clock->monotonic());
  runSync(b.tick());
  EXPECT_TRUE(b.isLeader());
  EXPECT_FALSE(runSync(b.watch(Duration::seconds(30))).value());  // no read as leader
  EXPECT_EQ(server->reads, 3);
}

/// Blocking queries that really block (on the io_context, in real time) until their wait runs
/// out or the operation is cancelled.
class BlockingNomad : public FakeNomad {
 public:
  int inFlight = 0, jobListInFlight = 0;
  Task<nomad::Indexed<std::vector<nomad::JobStub>>> listJobs(nomad::QueryOptions q) override {
    if (q.index > 0 && q.wait) {
      ++jobListInFlight;
      const bool answered = co_await block(*q.wait);
      --jobListInFlight;
      if (!answered) co_return Error(errc::cancelled, "cancelled");
    }
    co_return co_await FakeNomad::listJobs(q);
  }
  Task<nomad::Indexed<nomad::Variable>> readVariable(std::string, nomad::QueryOptions q) override {
    if (q.index > 0 && q.wait && !co_await block(*q.wait))
      co_return Error(errc::cancelled, "cancelled");
    nomad::Indexed<nomad::Variable> out;
    out.meta.index = 42;
    co_return out;
  }

 private:
  boost::asio::awaitable<bool> block(Duration wait) {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, wait.nanos());
    ++inFlight;
    auto [ec] = co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    --inFlight;
    co_return !ec;
  }
};

/// Runs the controller in real time, stops it once `blocked` queries are in flight, and returns
/// how long run() took to end after stop().
std::chrono::steady_clock::duration stopWhileBlocked(std::shared_ptr<BlockingNomad> nomad,
                                                     int blocked) {
  ControllerOptions o;
  o.lockTtl = kTtl;
  o.jobWatchWait = Duration::seconds(30);
  o.lockWatchWait = Duration::seconds(30);
  o.maxWritesPerSecond = 1000;
  Controller c(std::make_shared<FakeVault>(), nomad, fullDesired(), o, SystemClock::shared());
  boost::asio::io_context io;
  std::optional<std::chrono::steady_clock::time_point> stoppedAt, endedAt;
  boost::asio::co_spawn(io, c.run(), [&](std::exception_ptr e) {
    EXPECT_FALSE(e);
    endedAt = std::chrono::steady_clock::now();
  });
  boost::asio::steady_timer poll(io);
  std::function<void(boost::system::error_code)> check = [&](boost::system::error_code) {
    if ((nomad->jobListInFlight > 0 && nomad->inFlight >= blocked) || endedAt) {
      stoppedAt = std::chrono::steady_clock::now();
      c.stop();
      return;
    }
    poll.expires_after(10ms);
    poll.async_wait(check);
  };
  poll.expires_after(10ms);
  poll.async_wait(check);
  io.run();
  EXPECT_TRUE(stoppedAt && endedAt);
  EXPECT_EQ(nomad->inFlight, 0);
  return stoppedAt && endedAt ? *endedAt - *stoppedAt : std::chrono::hours(1);
}

TEST(ControllerStop, CancelsTheBlockingJobListQueryAndReleasesTheLock) {
  auto nomad = std::make_shared<BlockingNomad>();
  const auto took = stopWhileBlocked(nomad, 1);
  EXPECT_LT(took, 1s);
  EXPECT_EQ(nomad->acquireCalls, 1);
  EXPECT_EQ(nomad->releaseCalls, 1);
  EXPECT_TRUE(nomad->lockHolder.empty());
}

TEST(ControllerStop, FollowerCancelsBothTheJobListAndTheLockWatch) {
  auto nomad = std::make_shared<BlockingNomad>();
  nomad->lockHolder = "other";
  const auto took = stopWhileBlocked(nomad, 2);
  EXPECT_LT(took, 1s);
  EXPECT_GE(nomad->acquireCalls, 1);
  EXPECT_EQ(nomad->releaseCalls, 0);  // nothing held, nothing released
}

}  // namespace
}  // namespace nc::reconcile
