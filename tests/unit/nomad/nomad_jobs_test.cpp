// NomadClient jobs, allocations, blocking queries and agent status against a scripted transport.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "../vault/fake_transport.hpp"
#include "nomad/blocking.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {
namespace {

using nc::testing::FakeTransport;
using nc::testing::headerOr;
using nc::testing::run;

struct NomadJobsTest : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  Options opts() {
    Options o;
    o.nomadNamespace = "prod";
    o.region = "eu";
    return o;
  }
  NomadClient client{fake, [] { return Result<std::string>("nomad-secret-id"); }, opts()};
  http::Headers meta(const std::string& index) {
    return {
        {"X-Nomad-Index", index}, {"X-Nomad-KnownLeader", "true"}, {"X-Nomad-LastContact", "0"}};
  }
};

const char* kStub =
    R"({"ID":"web","ParentID":"","Name":"web","Namespace":"prod","Datacenters":["*"],
  "NodePool":"default","Multiregion":null,"Type":"service","Priority":50,"Periodic":false,
  "ParameterizedJob":false,"Stop":false,"Status":"running","StatusDescription":"",
  "JobSummary":{"JobID":"web"},"CreateIndex":10,"ModifyIndex":42,"JobModifyIndex":40,
  "SubmitTime":1767225600000000000})";

TEST_F(NomadJobsTest, ListJobsSendsTokenNamespaceRegionAndReadsIndex) {
  fake->push(200, std::string("[") + kStub + "]", meta("42"));
  auto r = run(client.listJobs({}));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().method, "GET");
  EXPECT_EQ(fake->last().target, "/v1/jobs?namespace=prod&region=eu");
  EXPECT_EQ(headerOr(fake->last(), "X-Nomad-Token"), "nomad-secret-id");
  EXPECT_EQ(r->meta.index, 42u);
  EXPECT_TRUE(r->meta.knownLeader);
  ASSERT_EQ(r->value.size(), 1u);
  EXPECT_EQ(r->value[0].id, "web");
  EXPECT_EQ(r->value[0].jobModifyIndex, 40u);
  EXPECT_EQ(r->value[0].submitTime, 1767225600000000000);
}

TEST_F(NomadJobsTest, BlockingQueryParametersAndTimeout) {
  fake->push(200, "[]", meta("43"));
  QueryOptions q;
  q.index = 42;
  q.wait = Duration::seconds(120);
  q.prefix = "we";
  q.filter = R"(Meta.team == "x")";
  q.nomadNamespace = "*";
  auto r = run(client.listJobs(q));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().target,
            "/v1/"
            "jobs?index=42&wait=120s&prefix=we&filter=Meta.team%20%3D%3D%20%22x%22&namespace=%2A&"
            "region=eu");
  ASSERT_TRUE(fake->last().timeout);
  EXPECT_EQ(*fake->last().timeout, blockingTimeout(Duration::seconds(120)));
  EXPECT_GT(*fake->last().timeout, Duration::seconds(127));
}

TEST_F(NomadJobsTest, MalformedIndexHeaderIsAProtocolError) {
  fake->push(200, "[]", meta("12abc"));
  auto r = run(client.listJobs({}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::protocol_error));
  EXPECT_NE(r.error().message.find("X-Nomad-Index"), std::string::npos);
}

TEST(Blocking, IndexGoingBackwardsResetsToZero) {
  BlockingIndex b;
  EXPECT_TRUE(b.update(0));  // first answer is always news
  EXPECT_TRUE(b.update(10));
  EXPECT_EQ(b.index(), 10u);
  EXPECT_FALSE(b.update(10));  // wait expired without a change
  EXPECT_TRUE(b.update(12));
  EXPECT_TRUE(b.update(5));  // snapshot restore / new leader behind
  EXPECT_TRUE(b.lastWasReset());
  EXPECT_EQ(b.index(), 0u);
  EXPECT_TRUE(b.update(6));
  EXPECT_FALSE(b.lastWasReset());
  EXPECT_EQ(b.index(), 6u);
}

TEST(Blocking, WaitParameterAlwaysHasAUnitAndIsCapped) {
  EXPECT_EQ(waitParam(Duration::seconds(30)), "30s");
  EXPECT_EQ(waitParam(Duration::milliseconds(1500)), "1500ms");
  EXPECT_EQ(waitParam(Duration::seconds(900)), "300s");
  EXPECT_EQ(blockingTimeout(Duration::seconds(300)),
            Duration(std::chrono::seconds(300) + std::chrono::milliseconds(18750) +
                     std::chrono::seconds(10)));
}

TEST_F(NomadJobsTest, ReadJobKeepsFullJsonAndErrorsKeepPlainText) {
  fake->push(
      200, R"({"ID":"web","Name":"web","Namespace":"prod","Type":"service","Version":3,"Stop":false,
                    "JobModifyIndex":40,"ModifyIndex":42,"CreateIndex":10,"TaskGroups":[{"Name":"g"}]})",
      meta("42"));
  auto r = run(client.readJob("web", {}));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/job/web?namespace=prod&region=eu");
  EXPECT_EQ(r->value.version, 3u);
  EXPECT_NE(r->value.json.find("TaskGroups"), std::string::npos);

  fake->push(404, "job not found");
  r = run(client.readJob("a/b", {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(fake->last().target, "/v1/job/a%2Fb?namespace=prod&region=eu");
  EXPECT_TRUE(r.error().is(errc::not_found));
  EXPECT_NE(r.error().message.find("job not found"), std::string::npos);

  fake->push(403, "Permission denied");
  r = run(client.readJob("web", {}));
  EXPECT_TRUE(r.error().is(errc::permission_denied));
  EXPECT_EQ(r.error().message.find("nomad-secret-id"), std::string::npos);

  fake->push(200, R"({"ID":5})", meta("1"));
  r = run(client.readJob("web", {}));
  EXPECT_TRUE(r.error().is(errc::protocol_error));
  EXPECT_NE(r.error().message.find("job.ID"), std::string::npos) << r.error().message;
}

TEST_F(NomadJobsTest, RegisterWithEnforceIndexUsesTheJobsNamespace) {
  fake->push(200,
             R"({"EvalID":"e1","EvalCreateIndex":44,"JobModifyIndex":44,"Warnings":"","Index":44,
                    "LastContact":0,"KnownLeader":false,"NextToken":""})",
             {{"X-Nomad-Index", "44"}});
  RegisterOptions o;
  o.enforceIndex = 40;
  auto r = run(client.registerJob(R"({"ID":"web","Namespace":"batch","Type":"service"})", o));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().method, "PUT");
  EXPECT_EQ(fake->last().target, "/v1/jobs?namespace=batch&region=eu");
  EXPECT_EQ(
      fake->last().body,
      R"({"Job":{"ID":"web","Namespace":"batch","Type":"service"},"EnforceIndex":true,"JobModifyIndex":40})");
  EXPECT_EQ(fake->last().idempotent, std::optional<bool>(false));
  EXPECT_EQ(r->jobModifyIndex, 44u);
  EXPECT_EQ(r->evalId, "e1");

  fake->push(500,
             "Enforcing job modify index 40: job exists with conflicting job modify index: 41");
  r = run(client.registerJob(R"({"ID":"web"})", o));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::conflict));
  EXPECT_NE(r.error().message.find("conflicting job modify index: 41"), std::string::npos);
  EXPECT_EQ(fake->last().target, "/v1/jobs?namespace=prod&region=eu");

  fake->push(500, "1 error occurred:\n\t* Task group g validation failed");
  r = run(client.registerJob(R"({"ID":"web"})", {}));
  EXPECT_TRUE(r.error().is(errc::server_error));
  EXPECT_NE(r.error().message.find("validation failed"), std::string::npos);

  auto bad = run(client.registerJob(R"({"Name":"x"})", {}));
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
  bad = run(client.registerJob("not json", {}));
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
}

TEST_F(NomadJobsTest, PlanDecodesTheDiffTree) {
  fake->push(200, R"({"JobModifyIndex":40,"CreatedEvals":null,"FailedTGAllocs":null,
    "Annotations":{"DesiredTGUpdates":{"g":{"Ignore":0,"Place":0,"DestructiveUpdate":1,"InPlaceUpdate":0}},"PreemptedAllocs":null},
    "Diff":{"Type":"Edited","ID":"web","Fields":null,"Objects":null,"TaskGroups":[{"Type":"Edited","Name":"g",
      "Fields":[{"Type":"None","Name":"Count","Old":"1","New":"1","Annotations":null}],"Objects":null,
      "Tasks":[{"Type":"Edited","Name":"app","Annotations":["forces create/destroy update"],"Fields":null,
        "Objects":[{"Type":"Edited","Name":"Template","Fields":[{"Type":"Edited","Name":"ChangeMode",
        "Old":"restart","New":"signal","Annotations":null}],"Objects":null}]}],
      "Updates":{"create/destroy update":1}}]},
    "NextPeriodicLaunch":"0001-01-01T00:00:00Z","Warnings":"","Index":0})");
  auto p = run(client.planJob(R"({"ID":"web"})", true));
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(fake->last().method, "PUT");
  EXPECT_EQ(fake->last().target, "/v1/job/web/plan?namespace=prod&region=eu");
  EXPECT_EQ(fake->last().body, R"({"Job":{"ID":"web"},"Diff":true})");
  EXPECT_FALSE(p->inSync());
  ASSERT_TRUE(p->diff);
  ASSERT_EQ(p->diff->taskGroups.size(), 1u);
  const auto& tg = p->diff->taskGroups[0];
  EXPECT_EQ(tg.updates.at("create/destroy update"), 1u);
  ASSERT_EQ(tg.tasks.size(), 1u);
  EXPECT_EQ(tg.tasks[0].annotations[0], "forces create/destroy update");
  EXPECT_EQ(tg.tasks[0].objects[0].fields[0].newValue, "signal");
  EXPECT_EQ(p->desiredUpdates.at("g").at("DestructiveUpdate"), 1u);

  fake->push(200, R"({"JobModifyIndex":40,"Diff":{"Type":"None","ID":"web","TaskGroups":[]}})");
  p = run(client.planJob(R"({"ID":"web"})", true));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->inSync());

  fake->push(200, R"({"JobModifyIndex":40,"Diff":{"Type":"None","TaskGroups":{"x":1}}})");
  p = run(client.planJob(R"({"ID":"web"})", true));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("Diff.TaskGroups"), std::string::npos) << p.error().message;
}

TEST_F(NomadJobsTest, ParseStopPurgeVersionsAllocations) {
  fake->push(200, R"({"ID":"web","Name":"web","TaskGroups":[]})");
  auto j = run(client.parseJob("job \"web\" {}", true, "a = \"1\""));
  ASSERT_TRUE(j) << j.error().describe();
  EXPECT_EQ(fake->last().method, "POST");
  EXPECT_EQ(fake->last().target, "/v1/jobs/parse?namespace=prod&region=eu");
  EXPECT_EQ(fake->last().body,
            R"({"JobHCL":"job \"web\" {}","Canonicalize":true,"Variables":"a = \"1\""})");
  fake->push(400, "Failed to parse job: input.hcl:1,1-4: Unsupported block type");
  j = run(client.parseJob("jo {}", false, ""));
  EXPECT_TRUE(j.error().is(errc::invalid_argument));
  EXPECT_NE(j.error().message.find("Unsupported block type"), std::string::npos);

  fake->push(200, R"({"EvalID":"","EvalCreateIndex":0,"JobModifyIndex":0,"Index":0})");
  auto d = run(client.deregisterJob("web", true));
  ASSERT_TRUE(d) << d.error().describe();
  EXPECT_EQ(fake->last().method, "DELETE");
  EXPECT_EQ(fake->last().target, "/v1/job/web?purge=true&namespace=prod&region=eu");
  fake->push(200, R"({"EvalID":"e","EvalCreateIndex":5,"JobModifyIndex":5,"Index":5})");
  ASSERT_TRUE(run(client.deregisterJob("web", false)));
  EXPECT_EQ(fake->last().target, "/v1/job/web?namespace=prod&region=eu");

  fake->push(
      200,
      R"({"Versions":[{"ID":"web","Version":2},{"ID":"web","Version":1}],"Diffs":null,"Index":9})",
      meta("9"));
  auto v = run(client.jobVersions("web", {}));
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/job/web/versions?namespace=prod&region=eu");
  ASSERT_EQ(v->value.size(), 2u);
  EXPECT_EQ(v->value[0].version, 2u);

  fake->push(
      200,
      R"J([{"ID":"a1","EvalID":"e","Name":"web.g[0]","Namespace":"prod","NodeID":"n","NodeName":"n1",
    "JobID":"web","JobType":"service","JobVersion":2,"TaskGroup":"g","DesiredStatus":"run","DesiredDescription":"",
    "ClientStatus":"running","ClientDescription":"","TaskStates":{"app":{"State":"running","Failed":false,"Restarts":1,
    "LastRestart":"2026-01-01T00:00:00Z","StartedAt":"2026-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z",
    "Events":[{"Type":"Template","Time":1767225600000000000,"Message":"","DisplayMessage":"Missing: vault.write(pki/issue/web)",
    "Details":{},"FailsTask":false}]}},"CreateIndex":11,"ModifyIndex":12,"CreateTime":1,"ModifyTime":2}])J",
      meta("12"));
  auto a = run(client.jobAllocations("web", {}));
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/job/web/allocations?namespace=prod&region=eu");
  ASSERT_EQ(a->value.size(), 1u);
  EXPECT_EQ(a->value[0].taskStates.at("app").restarts, 1u);
  EXPECT_EQ(a->value[0].taskStates.at("app").events[0].displayMessage,
            "Missing: vault.write(pki/issue/web)");
}

TEST_F(NomadJobsTest, AllocationsListAndOmitEmptyRead) {
  fake->push(200, "[]", meta("3"));
  QueryOptions q;
  q.filter = R"(JobID == "web")";
  auto l = run(client.listAllocations(q));
  ASSERT_TRUE(l);
  EXPECT_EQ(fake->last().target,
            "/v1/allocations?filter=JobID%20%3D%3D%20%22web%22&namespace=prod&region=eu");

  // Full allocations omit zero values (no DesiredDescription, no PreviousAllocation...).
  fake->push(
      200,
      R"({"ID":"0f1e","Namespace":"prod","JobID":"web","Job":{"ID":"web","Type":"batch","Version":4},
    "TaskGroup":"g","ClientStatus":"complete","TaskStates":{"app":{"State":"dead","Events":null}},"CreateIndex":5})",
      meta("5"));
  auto a = run(client.readAllocation("0f1e", {}));
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/allocation/0f1e?namespace=prod&region=eu");
  EXPECT_EQ(a->value.jobType, "batch");
  EXPECT_EQ(a->value.jobVersion, 4u);
  EXPECT_TRUE(a->value.taskStates.at("app").events.empty());
  EXPECT_NE(a->value.json.find("\"Job\""), std::string::npos);

  fake->push(200, R"({"ID":"0f1e","TaskStates":{"app":{"State":"dead","Events":[{"Type":3}]}}})",
             meta("5"));
  a = run(client.readAllocation("0f1e", {}));
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("TaskStates.app.Events[0].Type"), std::string::npos)
      << a.error().message;
}

TEST_F(NomadJobsTest, AgentHealthAndLeader) {
  fake->push(200, R"({"client":{"ok":true,"message":"ok"},"server":{"ok":true,"message":"ok"}})");
  auto h = run(client.agentHealth());
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_TRUE(h->ok);
  ASSERT_TRUE(h->server);
  EXPECT_TRUE(h->server->ok);

  fake->push(500, R"({"server":{"ok":false,"message":"no leader"}})",
             {{"Content-Type", "text/plain"}});
  h = run(client.agentHealth());
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_FALSE(h->ok);
  EXPECT_FALSE(h->client);
  EXPECT_EQ(h->server->message, "no leader");

  fake->push(500, "rpc error: something broke");
  h = run(client.agentHealth());
  EXPECT_TRUE(h.error().is(errc::server_error));

  fake->push(200, R"("10.0.0.1:4647")");
  auto l = run(client.leader());
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(*l, "10.0.0.1:4647");
  fake->push(200, R"("")");
  EXPECT_EQ(*run(client.leader()), "");
  fake->push(200, R"({"leader":"x"})");
  EXPECT_TRUE(run(client.leader()).error().is(errc::protocol_error));
}

}  // namespace
}  // namespace nc::nomad
