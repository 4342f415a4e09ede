// StatusTable: the running counts per kind and state stay equal to a walk of the statuses.
#include "reconcile/status_table.hpp"

#include <gtest/gtest.h>

namespace nc::reconcile {
namespace {

ResourceStatus status(State s) {
  ResourceStatus r;
  r.state = s;
  return r;
}

// What the counts must equal: a walk over every status.
std::size_t walked(const StatusTable& t, Kind k, State s) {
  std::size_t n = 0;
  for (const auto& [key, st] : t.all()) n += key.kind == k && st.state == s;
  return n;
}

void expectCountsMatchAWalk(const StatusTable& t) {
  std::size_t errors = 0;
  for (Kind k :
       {Kind::mount, Kind::pkiRole, Kind::policy, Kind::authMethod, Kind::authRole, Kind::job})
    for (State s : {State::inSync, State::drifted, State::error}) {
      EXPECT_EQ(t.count(k, s), walked(t, k, s)) << toString(k) << " " << toString(s);
      if (s == State::error) errors += walked(t, k, s);
    }
  EXPECT_EQ(t.errors(), errors);
}

TEST(StatusTable, CountsFollowEverySetOverwriteAndErase) {
  StatusTable t;
  const ResourceKey web{Kind::job, "default/web"}, db{Kind::job, "default/db"};
  const ResourceKey role{Kind::pkiRole, "pki-int/nomad-job"};
  t.set(web, status(State::drifted));
  t.set(db, status(State::inSync));
  t.set(role, status(State::error));
  expectCountsMatchAWalk(t);
  EXPECT_EQ(t.count(Kind::job, State::drifted), 1u);
  EXPECT_EQ(t.errors(), 1u);

  t.set(web, status(State::inSync));  // overwrite moves the count
  t.set(role, status(State::error));  // same state again: still one
  expectCountsMatchAWalk(t);
  EXPECT_EQ(t.count(Kind::job, State::inSync), 2u);
  EXPECT_EQ(t.count(Kind::job, State::drifted), 0u);
  EXPECT_EQ(t.errors(), 1u);

  t.erase(role);
  t.erase(role);  // absent: no change
  expectCountsMatchAWalk(t);
  EXPECT_EQ(t.errors(), 0u);

  t.set(role, status(State::error));
  t.keepOnly([](const ResourceKey& k) { return k.kind == Kind::job && k.name != "default/db"; });
  expectCountsMatchAWalk(t);
  EXPECT_EQ(t.all().size(), 1u);
  EXPECT_EQ(t.count(Kind::job, State::inSync), 1u);
  EXPECT_EQ(t.errors(), 0u);
}

}  // namespace
}  // namespace nc::reconcile
