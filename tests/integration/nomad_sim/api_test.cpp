// nomad-sim over HTTP: parse, register/plan/EnforceIndex/stop/purge/versions, ACLs, errors,
// blocking queries, admin faults and drift, clean shutdown.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "json.hpp"
#include "sim_client.hpp"

namespace nc::nomadsim::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quoteJson(const std::string& s) {
  return toJson(Val(rapidjson::StringRef(s.c_str(), s.size())));
}

class NomadSimApi : public ::testing::Test {
 protected:
  SimProcess sim;
  Reply call(const std::string& method, const std::string& target, const std::string& body = "") {
    return request(sim.port(), method, target, body);
  }
  Doc parseHcl(const std::string& hcl) {
    auto r =
        call("POST", "/v1/jobs/parse", "{\"JobHCL\":" + quoteJson(hcl) + ",\"Canonicalize\":true}");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::move(parseJson(r.body).value());
  }
  std::string jobHcl(int count = 1, const std::string& data = "x") {
    return "job \"web\" {\n  group \"g\" {\n    count = " + std::to_string(count) +
           "\n    task \"t\" {\n      driver = \"docker\"\n      vault { role = \"r\" }\n"
           "      template {\n        destination = \"secrets/c.pem\"\n        data = \"" +
           data + "\"\n      }\n    }\n  }\n}\n";
  }
  std::string registerBody(const Doc& job, const std::string& extra = "") {
    return "{\"Job\":" + toJson(job) + extra + "}";
  }
};

TEST_F(NomadSimApi, ConfigJobsParseToGoldens) {
  fs::path jobs = fs::path(NC_SOURCE_DIR) / "config/jobs";
  int n = 0;
  for (const auto& e : fs::directory_iterator(jobs)) {
    std::string name = e.path().filename().string();
    if (name.size() < 10 || name.substr(name.size() - 10) != ".nomad.hcl") continue;
    std::string base = name.substr(0, name.size() - 10);
    auto want = parseJson(readFile(fs::path(NC_SOURCE_DIR) / "tests/unit/nomad_sim/golden" /
                                   (base + ".canonical.json")));
    ASSERT_TRUE(want.has_value()) << base;
    Doc got = parseHcl(readFile(e.path()));
    EXPECT_TRUE(got == want.value()) << name;
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST_F(NomadSimApi, ParseErrorsCarryLineNumbers) {
  auto r = call(
      "POST", "/v1/jobs/parse",
      "{\"JobHCL\":" + quoteJson("job \"x\" {\n  group \"g\" {\n    counte = 1\n  }\n}\n") + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body,
            "Failed to parse job: input.hcl:3,5-11: Unsupported argument; An argument named "
            "\"counte\" is not expected here.");
  auto s = call("POST", "/v1/jobs/parse",
                "{\"JobHCL\":" + quoteJson("job \"x\" {\n\n  a = [1,\n") + "}");
  EXPECT_EQ(s.status, 400);
  EXPECT_NE(s.body.find("input.hcl:3,"), std::string::npos) << s.body;
  EXPECT_EQ(call("POST", "/v1/jobs/parse", "{\"JobHCL\":\"\"}").body, "Job spec is empty");
}

TEST_F(NomadSimApi, RegisterPlanEnforceIndexStopPurgeVersions) {
  Doc job = parseHcl(jobHcl(2));
  // Plan of a new job: Added, placements.
  auto plan = call("POST", "/v1/job/web/plan", "{\"Job\":" + toJson(job) + ",\"Diff\":true}");
  ASSERT_EQ(plan.status, 200) << plan.body;
  auto p = parseJson(plan.body);
  EXPECT_EQ(getString(p.value()["Diff"], "Type"), "Added");
  EXPECT_EQ(getInt(p.value()["Annotations"]["DesiredTGUpdates"]["g"], "Place"), 2);
  EXPECT_EQ(getInt(p.value(), "JobModifyIndex"), 0);

  auto reg =
      call("PUT", "/v1/jobs", registerBody(job, ",\"EnforceIndex\":true,\"JobModifyIndex\":0"));
  ASSERT_EQ(reg.status, 200) << reg.body;
  auto rj = parseJson(reg.body);
  std::uint64_t jmi = getUint(rj.value(), "JobModifyIndex");
  EXPECT_EQ(reg.header("X-Nomad-Index"), std::to_string(jmi));
  EXPECT_FALSE(getString(rj.value(), "EvalID").empty());

  auto again =
      call("PUT", "/v1/jobs", registerBody(job, ",\"EnforceIndex\":true,\"JobModifyIndex\":0"));
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(again.body, "Enforcing job modify index 0: job already exists");
  auto stale =
      call("PUT", "/v1/jobs", registerBody(job, ",\"EnforceIndex\":true,\"JobModifyIndex\":1"));
  EXPECT_EQ(stale.status, 500);
  EXPECT_EQ(stale.body,
            "Enforcing job modify index 1: job exists with conflicting job modify index: " +
                std::to_string(jmi));

  // GET shows the server's injections: default identity, vault_default, implied constraints.
  auto get = call("GET", "/v1/job/web");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.header("X-Nomad-KnownLeader"), "true");
  auto gj = parseJson(get.body);
  EXPECT_EQ(getString(gj.value()["TaskGroups"][0]["Tasks"][0]["Identity"], "Name"), "default");
  EXPECT_EQ(getString(gj.value()["TaskGroups"][0]["Tasks"][0]["Identities"][0], "Name"),
            "vault_default");

  // Plan of the unchanged job (the desired spec, not the GET output): None.
  auto none = parseJson(
      call("POST", "/v1/job/web/plan", "{\"Job\":" + toJson(job) + ",\"Diff\":true}").body);
  EXPECT_EQ(getString(none.value()["Diff"], "Type"), "None");
  EXPECT_EQ(getUint(none.value(), "JobModifyIndex"), jmi);
  // Re-register unchanged: new eval, no new version, JobModifyIndex = the job's ModifyIndex
  // (which status changes from the clients have moved past the JobModifyIndex).
  std::uint64_t modifyIndex =
      getUint(parseJson(call("GET", "/v1/job/web").body).value(), "ModifyIndex");
  auto same = parseJson(call("PUT", "/v1/jobs", registerBody(job)).body);
  EXPECT_NE(getString(same.value(), "EvalID"), getString(rj.value(), "EvalID"));
  EXPECT_EQ(getUint(same.value(), "JobModifyIndex"), modifyIndex);
  EXPECT_EQ(getUint(parseJson(call("GET", "/v1/job/web").body).value(), "Version"), 0u);

  // A changed template: Edited, with the field and the destructive annotation.
  Doc changed = parseHcl(jobHcl(2, "y"));
  auto edited = parseJson(
      call("POST", "/v1/job/web/plan", "{\"Job\":" + toJson(changed) + ",\"Diff\":true}").body);
  const Val& diff = edited.value()["Diff"];
  EXPECT_EQ(getString(diff, "Type"), "Edited");
  const Val& task = diff["TaskGroups"][0]["Tasks"][0];
  EXPECT_EQ(std::string(task["Annotations"][0].GetString()), "forces create/destroy update");
  bool found = false;
  for (const auto& o : task["Objects"].GetArray()) {
    if (getString(o, "Name") != "Template") continue;
    for (const auto& f : o["Fields"].GetArray()) {
      if (getString(f, "Name") == "EmbeddedTmpl") {
        found = true;
        EXPECT_EQ(getString(f, "Type"), "Edited");
        EXPECT_EQ(getString(f, "Old"), "x");
        EXPECT_EQ(getString(f, "New"), "y");
      }
    }
  }
  EXPECT_TRUE(found) << toJson(diff);
  ASSERT_EQ(call("PUT", "/v1/job/web",
                 registerBody(changed,
                              ",\"EnforceIndex\":true,\"JobModifyIndex\":" + std::to_string(jmi)))
                .status,
            200);
  EXPECT_EQ(call("PUT", "/v1/job/other", registerBody(changed)).body, "Job ID does not match name");

  auto versions = parseJson(call("GET", "/v1/job/web/versions?diffs=true").body);
  ASSERT_EQ(versions.value()["Versions"].Size(), 2u);
  EXPECT_EQ(getInt(versions.value()["Versions"][0], "Version"), 1);
  EXPECT_EQ(getString(versions.value()["Diffs"][0], "Type"), "Edited");
  EXPECT_GE(parseJson(call("GET", "/v1/job/web/allocations").body).value().Size(), 2u);

  auto stop = parseJson(call("DELETE", "/v1/job/web").body);
  EXPECT_FALSE(getString(stop.value(), "EvalID").empty());
  Doc stopped;
  for (int i = 0; i < 100; ++i) {  // dead once the clients have stopped the allocations
    stopped = std::move(parseJson(call("GET", "/v1/job/web").body).value());
    if (getString(stopped, "Status") == "dead") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(getBool(stopped, "Stop"));
  EXPECT_EQ(getString(stopped, "Status"), "dead");
  EXPECT_EQ(call("DELETE", "/v1/job/web?purge=maybe").status, 500);
  EXPECT_EQ(call("DELETE", "/v1/job/web?purge=true").status, 200);
  auto gone = call("GET", "/v1/job/web");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, "job not found");
  EXPECT_EQ(call("GET", "/v1/job/web/versions").body, "job versions not found");
  auto nothing = parseJson(call("DELETE", "/v1/job/web").body);
  EXPECT_EQ(getString(nothing.value(), "EvalID"), "");
}

TEST_F(NomadSimApi, ListStubsPrefixFilterNamespacesAndErrors) {
  for (auto [id, ns] : {std::pair{"api", "default"}, {"web", "default"}, {"worker", "team"}}) {
    std::string hcl = jobHcl();
    hcl.replace(hcl.find("\"web\""), 5, std::string("\"") + id + "\"");
    Doc job = parseHcl(hcl);
    ASSERT_EQ(call("PUT", std::string("/v1/jobs?namespace=") + ns, registerBody(job)).status, 200);
  }
  auto all = parseJson(call("GET", "/v1/jobs?namespace=*").body);
  EXPECT_EQ(all.value().Size(), 3u);
  auto def = parseJson(call("GET", "/v1/jobs").body);
  ASSERT_EQ(def.value().Size(), 2u);
  EXPECT_EQ(getString(def.value()[0], "ID"), "api");
  EXPECT_EQ(parseJson(call("GET", "/v1/jobs?prefix=w").body).value().Size(), 1u);
  auto filtered = parseJson(
      call("GET", "/v1/jobs?namespace=*&filter=" + std::string("Namespace%20%3D%3D%20%22team%22"))
          .body);
  ASSERT_EQ(filtered.value().Size(), 1u);
  EXPECT_EQ(getString(filtered.value()[0], "ID"), "worker");
  auto bad = call("GET", "/v1/jobs?filter=ID%20%3D%3D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.rfind("failed to create result paginator: ", 0), 0u);
  EXPECT_EQ(call("GET", "/v1/job/worker").status, 404);  // wrong namespace
  EXPECT_EQ(call("GET", "/v1/job/worker?namespace=team").status, 200);
  EXPECT_EQ(call("GET", "/v1/jobs?index=abc").body, "Invalid index");
  EXPECT_EQ(call("GET", "/v1/jobs?wait=30").body, "Invalid wait time");
  EXPECT_EQ(call("GET", "/v1/jobs?stale=maybe").status, 400);
  EXPECT_EQ(call("GET", "/v1/jobs?region=mars").body, "No path to region");
  auto unknown = call("GET", "/v1/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "");
  EXPECT_EQ(call("PATCH", "/v1/jobs").status, 405);
  EXPECT_EQ(call("PUT", "/v1/jobs", "").body, "Request body is empty");
  EXPECT_EQ(call("PUT", "/v1/jobs", "{}").body, "Job must be specified");
  auto invalid = call("PUT", "/v1/jobs", "{\"Job\":{\"ID\":\"x\",\"Type\":\"bogus\"}}");
  EXPECT_EQ(invalid.status, 500);
  EXPECT_EQ(invalid.body,
            "2 errors occurred:\n\t* Invalid job type: \"bogus\"\n\t* Missing job task groups\n\n");
}

TEST_F(NomadSimApi, BlockingQueryWakesWithinMillisecondsAndTimesOut) {
  auto first = call("GET", "/v1/jobs");
  std::string index = first.header("X-Nomad-Index");
  auto start = std::chrono::steady_clock::now();
  auto timeout = call("GET", "/v1/jobs?index=" + index + "&wait=1s");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(timeout.status, 200);
  EXPECT_EQ(timeout.header("X-Nomad-Index"), index);
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 1s + 1s / 16 + 500ms);

  Doc job = parseHcl(jobHcl());
  std::chrono::steady_clock::time_point woke;
  Reply blocked;
  std::thread waiter([&] {
    blocked = request(sim.port(), "GET", "/v1/jobs?index=" + index + "&wait=60s");
    woke = std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(300ms);
  auto registered = std::chrono::steady_clock::now();
  ASSERT_EQ(call("PUT", "/v1/jobs", registerBody(job)).status, 200);
  waiter.join();
  EXPECT_LT(woke - registered, 250ms);  // typically ~1 ms; slack for loaded CI machines
  EXPECT_GT(std::stoull(blocked.header("X-Nomad-Index")), std::stoull(index));
  EXPECT_EQ(parseJson(blocked.body).value().Size(), 1u);
}

TEST_F(NomadSimApi, AgentEndpointsLeaderLossFaultsCountersAndDrift) {
  EXPECT_EQ(call("GET", "/v1/status/leader").body, "\"127.0.0.1:4647\"");
  EXPECT_EQ(call("GET", "/v1/agent/health").status, 200);
  auto jwks = parseJson(call("GET", "/.well-known/jwks.json").body);
  EXPECT_EQ(getString(jwks.value()["keys"][0], "alg"), "RS256");
  EXPECT_EQ(getString(parseJson(call("GET", "/v1/agent/self").body).value()["config"], "Region"),
            "global");

  Doc job = parseHcl(jobHcl());
  ASSERT_EQ(call("PUT", "/v1/jobs", registerBody(job)).status, 200);
  // Drift: an out-of-band change makes the plan of the desired job Edited.
  ASSERT_EQ(call("POST", "/_sim/job/web/edit", R"({"Meta":{"changed":"yes"}})").status, 200);
  auto plan = parseJson(
      call("POST", "/v1/job/web/plan", "{\"Job\":" + toJson(job) + ",\"Diff\":true}").body);
  EXPECT_EQ(getString(plan.value()["Diff"], "Type"), "Edited");
  EXPECT_EQ(getString(plan.value()["Diff"]["Fields"][0], "Name"), "Meta[changed]");

  ASSERT_EQ(call("POST", "/_sim/leader", R"({"leader":false})").status, 200);
  auto noLeader = call("GET", "/v1/jobs");
  EXPECT_EQ(noLeader.status, 500);
  EXPECT_EQ(noLeader.body, "No cluster leader");
  auto staleRead = call("GET", "/v1/jobs?stale");
  EXPECT_EQ(staleRead.status, 200);
  EXPECT_EQ(staleRead.header("X-Nomad-KnownLeader"), "false");
  EXPECT_EQ(call("GET", "/v1/status/leader").body, "\"\"");
  EXPECT_EQ(call("GET", "/v1/agent/health").status, 500);
  ASSERT_EQ(call("POST", "/_sim/leader", R"({"leader":true})").status, 200);

  ASSERT_EQ(call("DELETE", "/_sim/counters").status / 100, 2);
  call("GET", "/v1/jobs");
  call("GET", "/v1/jobs");
  auto counters = call("GET", "/_sim/counters?prefix=/v1/jobs");
  EXPECT_NE(counters.body.find("\"total\":2"), std::string::npos) << counters.body;
  ASSERT_EQ(
      call("POST", "/_sim/faults", R"({"prefix":"/v1/job/","status":503,"rate":1})").status / 100,
      2);
  auto faulted = call("GET", "/v1/job/web");
  EXPECT_EQ(faulted.status, 503);
  ASSERT_EQ(call("DELETE", "/_sim/faults").status / 100, 2);
  EXPECT_EQ(call("GET", "/v1/job/web").status, 200);
  ASSERT_EQ(call("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(call("GET", "/v1/jobs").body, "[]");
}

TEST(NomadSimAcl, TokensRequiredWhenConfigured) {
  SimProcess sim({"--acl-token", "s3cret"});
  EXPECT_EQ(request(sim.port(), "GET", "/v1/jobs").status, 403);
  auto denied = request(sim.port(), "GET", "/v1/jobs", "", {{"X-Nomad-Token", "wrong"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, "Permission denied");
  EXPECT_EQ(denied.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(request(sim.port(), "GET", "/v1/jobs", "", {{"X-Nomad-Token", " s3cret "}}).status,
            200);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/jobs", "", {{"Authorization", "Bearer s3cret"}}).status,
            200);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/agent/health").status, 200);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/status/leader").status, 200);
  EXPECT_EQ(request(sim.port(), "GET", "/v1/agent/self").status, 403);
  // The event stream answers 200 and closes without the first heartbeat.
  LineReader stream(sim.port(), "/v1/event/stream");
  EXPECT_EQ(stream.status(), 200);
  EXPECT_FALSE(stream.next(2s).has_value());

  SimProcess open;  // ACLs off: tokens are ignored
  EXPECT_EQ(request(open.port(), "GET", "/v1/jobs", "", {{"X-Nomad-Token", "anything"}}).status,
            200);
}

TEST(NomadSimProcess, StopsCleanlyOnSigterm) {
  SimProcess sim;
  LineReader stream(sim.port(), "/v1/event/stream");  // an open stream must not block shutdown
  ASSERT_EQ(stream.next(2s), std::optional<std::string>("{}"));
  EXPECT_EQ(sim.terminate(), 0);
}

}  // namespace
}  // namespace nc::nomadsim::test
