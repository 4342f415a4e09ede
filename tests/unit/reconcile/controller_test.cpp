// Controller with a ManualClock and fake APIs: backoff, de-duplication, write rate limit, resync
// timing, job watch cost and leader/follower behaviour.
#include <gtest/gtest.h>

#include "desired_fixture.hpp"
#include "fakes.hpp"
#include "reconcile/controller.hpp"
#include "reconcile/work_queue.hpp"

namespace nc::reconcile {
namespace {

using namespace testing;
using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesKeepingTheEarliestTime) {
  WorkQueue q;
  const MonoTime t0{};
  const ResourceKey a{Kind::policy, "a"};
  q.add(a, t0 + 5s);
  q.add(a, t0 + 1s);
  q.add(a, t0 + 9s);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(*q.nextReady(), t0 + 1s);
  EXPECT_FALSE(q.pop(t0));
  EXPECT_EQ(q.pop(t0 + 1s)->name, "a");
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, BackoffDoublesFrom5msAndCapsAt5Minutes) {
  WorkQueue q;
  EXPECT_EQ(q.backoffFor(1), Duration::milliseconds(5));
  EXPECT_EQ(q.backoffFor(2), Duration::milliseconds(10));
  EXPECT_EQ(q.backoffFor(5), Duration::milliseconds(80));
  EXPECT_EQ(q.backoffFor(17), Duration::seconds(300));  // 5 ms * 2^16 = 327 s -> cap
  EXPECT_EQ(q.backoffFor(60), Duration::seconds(300));
  const ResourceKey a{Kind::policy, "a"};
  const MonoTime t0{};
  EXPECT_EQ(q.retryAfterFailure(a, t0), Duration::milliseconds(5));
  EXPECT_EQ(q.retryAfterFailure(a, t0), Duration::milliseconds(10));
  q.forget(a);
  EXPECT_EQ(q.failures(a), 0);
}

TEST(TokenBucket, AllowsOneWritePerIntervalAtRateOne) {
  const MonoTime t0{};
  TokenBucket b(2.0, 1.0, t0);
  EXPECT_TRUE(b.ready(t0));
  b.take(t0);
  EXPECT_FALSE(b.ready(t0));
  EXPECT_EQ(b.readyAt(t0), t0 + 500ms);
  EXPECT_TRUE(b.ready(t0 + 500ms));
}

struct Harness {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<FakeVault> vault = std::make_shared<FakeVault>();
  std::shared_ptr<FakeNomad> nomad = std::make_shared<FakeNomad>();
  ControllerOptions options;
  std::unique_ptr<Controller> c;
  Harness() {
    options.leaderElection = false;
    options.resyncInterval = Duration::seconds(60);
    options.resyncJitter = Duration::seconds(6);
    options.maxWritesPerSecond = 1000;
  }
  void start(config::DesiredState d) {
    c = std::make_unique<Controller>(vault, nomad, std::move(d), options, clock);
  }
  std::size_t step() { return runSync(c->processReady()); }
  State stateOf(Kind k) {
    for (const auto& s : c->status())
      if (s.key.kind == k) return s.state;
    return State::error;
  }
};

TEST(Controller, ErrorsBackOffExponentiallyPerKey) {
  Harness h;
  int failures = 3;
  h.vault->fault = [&failures](const std::string& op) -> std::optional<Error> {
    if (op == "readPolicy" && failures > 0) {
      --failures;
      return Error(errc::unavailable, "sealed");
    }
    return std::nullopt;
  };
  auto d = fullDesired();
  h.start(d);
  EXPECT_EQ(h.step(), 6u);
  EXPECT_EQ(h.stateOf(Kind::policy), State::error);
  const ResourceKey pol{Kind::policy, "nomad-job-pki"};
  EXPECT_EQ(h.c->queue().failures(pol), 1);
  EXPECT_EQ(h.step(), 0u);  // not before 5 ms
  h.clock->advance(5ms);
  EXPECT_EQ(h.step(), 1u);
  h.clock->advance(9ms);
  EXPECT_EQ(h.step(), 0u);  // second backoff is 10 ms
  h.clock->advance(1ms);
  EXPECT_EQ(h.step(), 1u);
  h.clock->advance(20ms);
  EXPECT_EQ(h.step(), 1u);  // third failure was the last; now fixed
  EXPECT_EQ(h.stateOf(Kind::policy), State::inSync);
  EXPECT_EQ(h.c->queue().failures(pol), 0);
}

TEST(Controller, FailedKeysAreRetriedAtOnceWhenTheBackendAnswersAgain) {
  Harness h;
  bool down = true;
  h.vault->fault = [&down](const std::string& op) -> std::optional<Error> {
    if (op == "readPolicy" && down) return Error(errc::connection_failed, "connection refused");
    return std::nullopt;
  };
  h.start(fullDesired());
  EXPECT_EQ(h.step(), 6u);
  const ResourceKey pol{Kind::policy, "nomad-job-pki"};
  for (int i = 0; i < 12; ++i) {  // a long outage: the backoff grows to seconds
    h.clock->advance(std::chrono::nanoseconds(h.c->queue().backoffFor(i + 1).nanos()));
    EXPECT_EQ(h.step(), 1u);
  }
  EXPECT_GE(h.c->queue().backoffFor(h.c->queue().failures(pol)), Duration::seconds(10));
  down = false;
  EXPECT_EQ(h.step(), 0u);  // still backing off
  h.c->retryFailedNow();
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.stateOf(Kind::policy), State::inSync);
  h.c->retryFailedNow();  // nothing failed: nothing queued
  EXPECT_EQ(h.step(), 0u);
}

TEST(Controller, VaultKeysResyncAfterIntervalPlusJitterJobsDoNot) {
  Harness h;
  h.start(fullDesired());
  EXPECT_EQ(h.step(), 6u);
  const int plans = h.nomad->planCalls;
  h.clock->advance(59s);
  EXPECT_EQ(h.step(), 0u);
  h.clock->advance(1s);
  h.clock->advance(6s);     // interval + the largest jitter
  EXPECT_EQ(h.step(), 5u);  // every Vault key, not the job
  EXPECT_EQ(h.nomad->planCalls, plans);
  auto next = h.c->queue().nextReady();
  ASSERT_TRUE(next);
  EXPECT_GE(*next - h.clock->monotonic(), 60s);
  EXPECT_LE(*next - h.clock->monotonic(), 66s);
}

TEST(Controller, WritesAreRateLimited) {
  Harness h;
  h.options.maxWritesPerSecond = 1;
  auto d = fullDesired();
  d.vault.auth.clear();
  d.nomad.jobs.clear();
  d.vault.mounts.clear();
  h.start(d);               // a PKI role and a policy, both missing
  EXPECT_EQ(h.step(), 1u);  // the second write waits for a token
  EXPECT_EQ(h.c->writes(), 1u);
  h.clock->advance(500ms);
  EXPECT_EQ(h.step(), 0u);
  h.clock->advance(500ms);
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.c->writes(), 2u);
  EXPECT_EQ(h.stateOf(Kind::policy), State::inSync);
  EXPECT_EQ(h.stateOf(Kind::pkiRole), State::inSync);
}

TEST(Controller, JobWatchReplansOnlyChangedJobsAndIdleCostsOneRequest) {
  Harness h;
  auto d = fullDesired();
  config::JobSpec other = d.nomad.jobs[0];
  other.id = "api";
  other.source = R"({"ID":"api","Name":"api","Type":"service"})";
  d.nomad.jobs.push_back(other);
  h.start(d);
  h.step();  // creates both jobs
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  const int plans = h.nomad->planCalls, lists = h.nomad->listJobsCalls;
  // Idle: the list did not move; one request, nothing queued.
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.nomad->listJobsCalls, lists + 1);
  EXPECT_EQ(h.step(), 0u);
  EXPECT_EQ(h.nomad->planCalls, plans);
  // Out-of-band change to one job: only that job is planned (and repaired).
  h.nomad->putJob("web", R"({"ID":"web","Name":"web","Type":"batch"})");
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.nomad->planCalls, plans + 2);  // observe + confirm
  EXPECT_NE(h.nomad->jobs["web"].json.find("\"service\""), std::string::npos);
}

// A failed list (Nomad restarting) drops the blocking index: the next list answers at once even
// if the restarted server is behind, instead of waiting out the 300 s wait.
TEST(Controller, AFailedJobListSendsTheNextOneWithoutAnIndex) {
  Harness h;
  h.start(fullDesired());
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(300))));
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(300))));
  EXPECT_GT(h.nomad->lastListIndex, 0u);
  h.nomad->listJobsError = Error(errc::connection_failed, "connection refused");
  EXPECT_FALSE(runSync(h.c->pollJobs(Duration::seconds(300))));
  h.nomad->listJobsError.reset();
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(300))));
  EXPECT_EQ(h.nomad->lastListIndex, 0u);
}

TEST(Controller, JobWatchSkipsOwnWritesAndStatusOnlyUpdates) {
  Harness h;
  h.start(fullDesired());
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));  // records: job absent
  h.step();                                                    // creates it
  ASSERT_EQ(h.stateOf(Kind::job), State::inSync);
  const int plans = h.nomad->planCalls, registers = h.nomad->registers;
  // The list now shows the job at the index of our own write: nothing to plan.
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 0u);
  EXPECT_EQ(h.nomad->planCalls, plans);
  // A status-only update moves ModifyIndex, not JobModifyIndex: nothing to plan either.
  h.nomad->jobs["web"].modifyIndex = ++h.nomad->index;
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 0u);
  EXPECT_EQ(h.nomad->planCalls, plans);
  // An out-of-band edit: planned once, fixed, confirmed; the fix itself is not planned again.
  h.nomad->putJob("web", R"({"ID":"web","Name":"web","Type":"batch"})");
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.nomad->planCalls, plans + 2);  // observe + confirm
  EXPECT_EQ(h.nomad->registers, registers + 1);
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 0u);
  EXPECT_EQ(h.nomad->planCalls, plans + 2);
  // A list generated between the edit and our fix (lower index than our write) still shows
  // the edited job: it is not a change to plan again.
  h.nomad->putJob("web", R"({"ID":"web","Name":"web","Type":"batch"})");
  const std::uint64_t edited = h.nomad->index;
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  h.nomad->index += 5;  // status updates meanwhile
  EXPECT_EQ(h.step(), 1u);
  const std::uint64_t written = h.nomad->jobs["web"].jobModifyIndex;
  ASSERT_GT(written, edited + 3);
  h.nomad->jobs["web"].jobModifyIndex = edited;  // the stale list, at edited + 3
  h.nomad->index = edited + 3;
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  h.nomad->jobs["web"].jobModifyIndex = written;
  h.nomad->index = written;
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 0u);
  EXPECT_EQ(h.nomad->planCalls, plans + 4);
  // Stopped out of band (Stop flips): planned and started again.
  runSync(h.nomad->deregisterJob("web", false));
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 1u);
  EXPECT_FALSE(h.nomad->jobs["web"].stop);
  // Purged out of band: recreated.
  h.nomad->jobs.erase("web");
  ++h.nomad->index;
  ASSERT_TRUE(runSync(h.c->pollJobs(Duration::seconds(30))));
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.nomad->jobs.count("web"), 1u);
}

TEST(Controller, FollowerNeverWritesAndLeaderTakesOver) {
  Harness h;
  h.options.leaderElection = true;
  h.options.lockTtl = Duration::seconds(10);
  h.nomad->lockHolder = "other";
  h.start(fullDesired());
  h.clock->advance(100ms);  // past the random first delay
  runSync(h.c->electionStep());
  EXPECT_FALSE(h.c->isLeader());
  EXPECT_EQ(h.nomad->acquireCalls, 1);
  h.step();
  EXPECT_EQ(h.vault->writes, 0);  // follower: observes and reports only
  EXPECT_EQ(h.stateOf(Kind::policy), State::drifted);
  h.clock->advance(10s);
  runSync(h.c->electionStep());
  EXPECT_EQ(h.nomad->acquireCalls, 1);  // retry only after 1.1 x TTL
  h.clock->advance(1s);
  h.nomad->lockHolder.clear();
  runSync(h.c->electionStep());
  EXPECT_EQ(h.nomad->acquireCalls, 2);
  EXPECT_TRUE(h.c->isLeader());
  EXPECT_EQ(h.step(), 6u);  // the new leader re-queues everything and repairs it
  EXPECT_GT(h.vault->writes, 0);
  EXPECT_EQ(h.stateOf(Kind::policy), State::inSync);
  // Renew at 0.7 x TTL; a failed renew stops writing at once.
  h.clock->advance(7s);
  runSync(h.c->electionStep());
  EXPECT_EQ(h.nomad->renewCalls, 1);
  EXPECT_TRUE(h.c->isLeader());
  h.nomad->failRenew = true;
  h.clock->advance(7s);
  runSync(h.c->electionStep());
  EXPECT_FALSE(h.c->isLeader());
  h.vault->policies.clear();
  h.c->updateDesired([] {
    auto d = fullDesired();
    d.vault.policies[0].text += "\n";
    return d;
  }());
  const int writes = h.vault->writes;
  h.step();
  EXPECT_EQ(h.vault->writes, writes);
}

TEST(Controller, LeaderStopsWritingWhenItsLeaseRunsOutWithoutRenew) {
  auto clock = std::make_shared<ManualClock>();
  auto nomad = std::make_shared<FakeNomad>();
  LeaderElector e(nomad, "lock", Duration::seconds(10), clock, 1);
  clock->advance(100ms);
  runSync(e.tick());
  EXPECT_TRUE(e.isLeader());
  clock->advance(10s);  // no tick: the renew never happened
  EXPECT_FALSE(e.isLeader());
}

TEST(Controller, LeaderRenewsBetweenWritesOfALongBatchAndStopsWhenTheLockIsTaken) {
  Harness h;
  h.options.leaderElection = true;
  h.options.lockTtl = Duration::seconds(10);
  auto d = fullDesired();
  for (int i = 0; i < 20; ++i) {
    config::PolicySpec p;
    p.name = "p" + std::to_string(i);
    p.text = "path \"x/" + std::to_string(i) + "\" {\n  capabilities = [\"read\"]\n}\n";
    d.vault.policies.push_back(p);
  }
  h.start(d);
  h.clock->advance(100ms);
  runSync(h.c->electionStep());
  ASSERT_TRUE(h.c->isLeader());
  int puts = 0, putsAfterLoss = 0, stealAt = -1, renewsAtSteal = -1;
  h.vault->fault = [&](const std::string& op) -> std::optional<Error> {
    if (op != "putPolicy") return std::nullopt;
    if (renewsAtSteal >= 0 && h.nomad->renewCalls > renewsAtSteal) ++putsAfterLoss;
    if (++puts == stealAt) {  // another instance takes the lock while this write is in flight
      h.nomad->lockHolder = "other";
      renewsAtSteal = h.nomad->renewCalls;
    }
    h.clock->advance(1s);  // slow writes: the batch outlives the 10 s TTL
    return std::nullopt;
  };
  h.step();
  EXPECT_EQ(puts, 21);  // one batch of 21 s: renewed between writes, never lapsed
  EXPECT_GE(h.nomad->renewCalls, 2);
  EXPECT_TRUE(h.c->isLeader());
  // All policies drift again; the lock is taken after the 3rd write of the next batch.
  h.vault->policies.clear();
  puts = 0;
  stealAt = 3;
  h.clock->advance(61s);  // resync
  runSync(h.c->electionStep());
  ASSERT_TRUE(h.c->isLeader());
  h.step();
  EXPECT_FALSE(h.c->isLeader());
  EXPECT_GT(h.nomad->renewCalls, renewsAtSteal);
  EXPECT_EQ(putsAfterLoss, 0);  // nothing written after the failed renew
  EXPECT_GE(puts, 3);
  EXPECT_LE(puts, 3 + 8);  // at most 0.7 x TTL of 1 s writes before the next renew
  EXPECT_LT(h.vault->policies.size(), 21u);
}

TEST(Controller, ReloadQueuesOnlyChangedKeys) {
  Harness h;
  h.start(fullDesired());
  h.step();
  auto d = fullDesired();
  d.vault.pkiRoles[0].config["ttl"] = fDur(7200);
  h.c->updateDesired(d);
  EXPECT_EQ(h.step(), 1u);
  EXPECT_EQ(h.stateOf(Kind::pkiRole), State::inSync);
}

}  // namespace
}  // namespace nc::reconcile
