// Alert lifecycle with a manual clock: fire once, repeat on interval, escalate, resolve once.
#include "events/alert_tracker.hpp"

#include <gtest/gtest.h>

namespace nc::events {
namespace {

using namespace std::chrono_literals;

Alert cond(const char* alloc, Severity s = Severity::warning) {
  Alert a;
  a.name = "CertificateRenewalDue";
  a.severity = s;
  a.labels = {{"alloc_id", alloc}, {"job", "web"}};
  return a;
}

TEST(AlertTracker, Lifecycle) {
  auto clock = std::make_shared<ManualClock>();
  AlertTracker t(clock, Duration::seconds(300));
  auto first = t.fire(cond("a1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->state, AlertState::firing);
  EXPECT_EQ(first->startsAt, clock->now());
  auto started = first->startsAt;

  clock->advance(60s);
  EXPECT_FALSE(t.fire(cond("a1")));  // still firing, not yet due
  clock->advance(240s);
  auto repeat = t.fire(cond("a1"));
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->startsAt, started);

  clock->advance(10s);
  auto escalated = t.fire(cond("a1", Severity::critical));
  ASSERT_TRUE(escalated);
  EXPECT_EQ(escalated->severity, Severity::critical);

  clock->advance(10s);
  auto resolved = t.resolve(first->fingerprint());
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->state, AlertState::resolved);
  EXPECT_EQ(resolved->endsAt, clock->now());
  EXPECT_FALSE(t.resolve(first->fingerprint()));  // resolved is sent once
  EXPECT_EQ(t.size(), 0u);
}

TEST(AlertTracker, ResolvesAlertsOfAllocationsThatWentAway) {
  auto clock = std::make_shared<ManualClock>();
  AlertTracker t(clock, Duration::seconds(300));
  auto a1 = t.fire(cond("a1"));
  auto a2 = t.fire(cond("a2"));
  Alert other = cond("a3");
  other.labels["job"] = "db";
  t.fire(other);
  auto gone = t.resolveAbsent([](const Alert& a) { return a.labels.at("job") == "web"; },
                              {a2->fingerprint()});
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].labels.at("alloc_id"), "a1");
  EXPECT_EQ(t.firing().size(), 2u);
}

}  // namespace
}  // namespace nc::events
