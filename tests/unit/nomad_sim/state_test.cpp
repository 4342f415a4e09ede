// Tests for nomad-sim's job store: register, EnforceIndex, versions, stop/purge, events, filters.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "bexpr.hpp"
#include "jobspec.hpp"
#include "server_job.hpp"
#include "state.hpp"

namespace nc::nomadsim {
namespace {

const char* kJob = R"(
job "web" {
  meta { team = "a" }
  group "g" {
    count = 2
    task "t" {
      driver = "docker"
      vault { role = "r" }
      template {
        destination = "secrets/c.pem"
        data = "x"
        change_mode = "signal"
      }
    }
  }
}
)";

Doc serverJob(const char* hcl = kJob, std::string_view replaceFrom = "",
              std::string_view replaceTo = "") {
  std::string src = hcl;
  if (!replaceFrom.empty()) src.replace(src.find(replaceFrom), replaceFrom.size(), replaceTo);
  auto api = parseJobspec(src, {});
  EXPECT_TRUE(api.has_value());
  auto job = admitJob(api.value(), {});
  EXPECT_TRUE(job.has_value()) << (job.has_value() ? "" : job.error().message);
  return std::move(job.value());
}

class StateTest : public ::testing::Test {
 protected:
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  SimState state{clock};
};

TEST_F(StateTest, AdmissionInjectsIdentitiesAndImpliedConstraints) {
  Doc job = serverJob();
  EXPECT_EQ(std::string(job["Datacenters"][0].GetString()), "*");
  EXPECT_EQ(getString(job, "NodePool"), "default");
  const Val& t = job["TaskGroups"][0]["Tasks"][0];
  EXPECT_EQ(getString(t["Identity"], "Name"), "default");
  EXPECT_EQ(std::string(t["Identity"]["Audience"][0].GetString()), "nomadproject.io");
  ASSERT_EQ(t["Identities"].Size(), 1u);
  EXPECT_EQ(getString(t["Identities"][0], "Name"), "vault_default");
  EXPECT_EQ(getInt(t["Identities"][0], "TTL"), 3600LL * 1000000000LL);
  EXPECT_EQ(member(t["Vault"], "Policies"), nullptr);
  const Val& cons = job["TaskGroups"][0]["Constraints"];
  ASSERT_EQ(cons.Size(), 3u);
  EXPECT_EQ(getString(cons[0], "LTarget"), "${attr.vault.version}");
  EXPECT_EQ(getString(cons[1], "LTarget"), "${attr.os.signals}");
  EXPECT_EQ(getString(cons[1], "RTarget"), "SIGHUP");
  EXPECT_EQ(getString(cons[2], "RTarget"), ">= 1.7.0-a");
  // Admitting the GET output again adds nothing (no duplicate constraints or identities).
  Doc again = std::move(admitJob(job, {}).value());
  EXPECT_TRUE(again == job);
}

TEST_F(StateTest, ValidationErrorsUseMultierrorText) {
  auto api = parseJobspec("job \"x\" {\n type = \"bogus\"\n}\n", {});
  auto r = admitJob(api.value(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "2 errors occurred:\n\t* Invalid job type: \"bogus\"\n\t* Missing job task groups\n\n");
}

TEST_F(StateTest, RegisterVersionsAndUnchangedReRegister) {
  Doc job = serverJob();
  auto r1 = state.registerJob(job, false, 0);
  ASSERT_TRUE(r1.has_value());
  EXPECT_FALSE(r1->evalId.empty());
  EXPECT_EQ(r1->evalCreateIndex, r1->jobModifyIndex);
  const JobRecord* rec = state.job("default", "web");
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->version, 0u);
  EXPECT_EQ(rec->status, "pending");
  EXPECT_EQ(rec->createIndex, r1->index);

  auto r2 = state.registerJob(job, false, 0);  // unchanged: new eval, no new version
  ASSERT_TRUE(r2.has_value());
  EXPECT_NE(r2->evalId, r1->evalId);
  EXPECT_GT(r2->index, r1->index);
  EXPECT_EQ(r2->jobModifyIndex, rec->modifyIndex);
  EXPECT_EQ(state.job("default", "web")->version, 0u);
  EXPECT_EQ(state.job("default", "web")->versions.size(), 1u);

  Doc changed = serverJob(kJob, "count = 2", "count = 3");
  auto r3 = state.registerJob(changed, false, 0);
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(state.job("default", "web")->version, 1u);
  EXPECT_EQ(state.job("default", "web")->versions.size(), 2u);
  EXPECT_EQ(state.job("default", "web")->createIndex, r1->index);
  EXPECT_EQ(state.job("default", "web")->jobModifyIndex, r3->index);
}

TEST_F(StateTest, EnforceIndexErrorTexts) {
  Doc job = serverJob();
  auto missing = state.registerJob(job, true, 7);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "Enforcing job modify index 7: job does not exist");
  auto created = state.registerJob(job, true, 0);
  ASSERT_TRUE(created.has_value());
  auto exists = state.registerJob(job, true, 0);
  EXPECT_EQ(exists.error().message, "Enforcing job modify index 0: job already exists");
  auto wrong = state.registerJob(job, true, created->jobModifyIndex + 5);
  EXPECT_EQ(wrong.error().message,
            fmt::format("Enforcing job modify index {}: job exists with conflicting job modify "
                        "index: {}",
                        created->jobModifyIndex + 5, created->jobModifyIndex));
  Doc changed = serverJob(kJob, "count = 2", "count = 1");
  EXPECT_TRUE(state.registerJob(changed, true, created->jobModifyIndex).has_value());
}

TEST_F(StateTest, StopBumpsVersionAndPurgeRemoves) {
  Doc job = serverJob();
  ASSERT_TRUE(state.registerJob(job, false, 0).has_value());
  auto stop = state.deregisterJob("default", "web", false);
  EXPECT_FALSE(stop.evalId.empty());
  const JobRecord* rec = state.job("default", "web");
  ASSERT_NE(rec, nullptr);
  EXPECT_TRUE(rec->stop);
  EXPECT_EQ(rec->status, "dead");
  EXPECT_EQ(rec->version, 1u);
  auto purge = state.deregisterJob("default", "web", true);
  EXPECT_FALSE(purge.evalId.empty());
  EXPECT_EQ(state.job("default", "web"), nullptr);
  auto none = state.deregisterJob("default", "web", true);
  EXPECT_EQ(none.evalId, "");
  EXPECT_EQ(none.index, 0u);
}

TEST_F(StateTest, EventsForRegisterAndPurge) {
  Doc job = serverJob();
  auto r = state.registerJob(job, false, 0);
  state.deregisterJob("default", "web", true);
  EventFilter all;
  all.topics = {{"Job", "*"}};
  auto [line, idx] = state.events().next(0, all);
  EXPECT_EQ(idx, r->index);
  EXPECT_NE(line.find("\"Type\":\"JobRegistered\""), std::string::npos);
  EXPECT_EQ(line.find("\"Topic\":\"Evaluation\""), std::string::npos);
  auto [line2, idx2] = state.events().next(idx + 1, all);
  EXPECT_NE(line2.find("\"Type\":\"JobDeregistered\""), std::string::npos);
  EXPECT_NE(line2.find("\"Deleted\":true"), std::string::npos);
  EventFilter evals;
  evals.topics = {{"Evaluation", "web"}};  // matches via FilterKeys (the job ID)
  EXPECT_NE(state.events().next(0, evals).first.find("\"Topic\":\"Evaluation\""),
            std::string::npos);
  EventFilter other;
  other.topics = {{"Job", "nope"}};
  EXPECT_EQ(state.events().next(0, other).first, "");
  TopicFilter tf;
  EXPECT_FALSE(parseTopic("Job:a:b", tf));
}

TEST_F(StateTest, ListPrefixAndStubs) {
  for (auto name : {"api", "web", "worker"}) {
    std::string hcl = kJob;
    hcl.replace(hcl.find("\"web\""), 5, std::string("\"") + name + "\"");
    ASSERT_TRUE(state.registerJob(serverJob(hcl.c_str()), false, 0).has_value());
  }
  auto w = state.jobs("default", "w");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0]->id, "web");
  EXPECT_EQ(state.jobs("*", "").size(), 3u);
  EXPECT_EQ(state.jobs("other", "").size(), 0u);
  auto stub = parseJson(state.stubJson(*w[0], true));
  ASSERT_TRUE(stub.has_value());
  EXPECT_EQ(getString(stub.value(), "Status"), "pending");
  EXPECT_EQ(getString(stub.value()["Meta"], "team"), "a");
  EXPECT_EQ(getInt(stub.value()["JobSummary"]["Summary"]["g"], "Queued"), 2);
  EXPECT_EQ(member(parseJson(state.stubJson(*w[0], false)).value(), "Meta"), nullptr);
}

TEST(Bexpr, Expressions) {
  auto doc =
      parseJson(R"({"ID":"web","Meta":{"team":"a"},"Datacenters":["dc1","dc2"],"Priority":50})");
  auto m = [&](const char* e) {
    auto f = Filter::parse(e);
    EXPECT_TRUE(f.has_value()) << e;
    return f.has_value() && f->matches(doc.value());
  };
  EXPECT_TRUE(m("Meta.team == \"a\""));
  EXPECT_FALSE(m("Meta.team != \"a\""));
  EXPECT_TRUE(m("Datacenters contains \"dc2\""));
  EXPECT_TRUE(m("\"dc1\" in Datacenters"));
  EXPECT_TRUE(m("ID == web and Priority == 50"));
  EXPECT_TRUE(m("ID == \"x\" or not (Meta.team == \"b\")"));
  EXPECT_TRUE(m("Meta.missing is empty"));
  EXPECT_TRUE(m("ID matches \"^w.b$\""));
  auto bad = Filter::parse("ID ==");
  EXPECT_FALSE(bad.has_value());
  EXPECT_FALSE(Filter::parse("ID = \"x\"").has_value());
  // "not" and parentheses nest by recursion: deep input is refused, not a stack overflow.
  std::string nots, parens;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_FALSE(Filter::parse(nots + "ID == web").has_value());
  parens = std::string(100000, '(') + "ID == web" + std::string(100000, ')');
  EXPECT_FALSE(Filter::parse(parens).has_value());
  EXPECT_TRUE(m((std::string(50, '(') + "ID == web" + std::string(50, ')')).c_str()));
}

}  // namespace
}  // namespace nc::nomadsim
