// nomad-sim's simulated clients over HTTP: allocations, task states and events, job status,
// alloc dirs and identity JWTs on disk, the fs API with the secrets/ restriction.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "json.hpp"
#include "keyring.hpp"
#include "sim_client.hpp"

namespace nc::nomadsim::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string jobBody(const std::string& id, const std::string& type, int count,
                    const std::string& image) {
  return R"({"Job":{"ID":")" + id + R"(","Type":")" + type +
         R"(","TaskGroups":[{"Name":"g","Count":)" + std::to_string(count) +
         R"(,"Tasks":[{"Name":"t","Driver":"docker","Config":{"image":")" + image +
         R"("},"Vault":{"Role":"nomad-workloads"}}]}]}})";
}

std::string base64UrlDecode(std::string s) {
  static const std::string tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    auto p = tbl.find(c);
    if (p == std::string::npos) break;
    buf = (buf << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

class NomadSimClients : public ::testing::Test {
 protected:
  fs::path dataDir =
      fs::temp_directory_path() / ("nomad-sim-test-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<SimProcess> sim;
  void SetUp() override {
    fs::create_directories(dataDir);
    sim = std::make_unique<SimProcess>(std::vector<std::string>{"--data-dir", dataDir.string()});
  }
  void TearDown() override {
    sim.reset();
    fs::remove_all(dataDir);
  }
  Reply call(const std::string& m, const std::string& t, const std::string& b = "") {
    return request(sim->port(), m, t, b);
  }
  // Waits until every allocation of the job reaches the client status.
  Doc waitAllocs(const std::string& job, const std::string& status, std::size_t n) {
    for (int i = 0; i < 200; ++i) {
      auto d = parseJson(call("GET", "/v1/job/" + job + "/allocations").body);
      std::size_t matching = 0;
      for (const auto& a : d.value().GetArray()) matching += getString(a, "ClientStatus") == status;
      if (matching == n) return std::move(d.value());
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "allocations of " << job << " never reached " << status;
    return Doc(rapidjson::kArrayType);
  }
};

TEST_F(NomadSimClients, ServiceAllocationsRunWithEventsIdentitiesAndFs) {
  LineReader events(sim->port(), "/v1/event/stream?topic=Allocation:web");
  ASSERT_EQ(events.next(2s), std::optional<std::string>("{}"));
  ASSERT_EQ(call("PUT", "/v1/jobs", jobBody("web", "service", 2, "nginx:1")).status, 200);
  Doc allocs = waitAllocs("web", "running", 2);
  ASSERT_EQ(allocs.Size(), 2u);
  std::string id = getString(allocs[0], "ID");
  EXPECT_EQ(getString(allocs[0], "DesiredStatus"), "run");
  EXPECT_TRUE(allocs[0]["DesiredTransition"].IsObject());  // stubs keep every field
  auto first = parseJson(*events.next(2s));
  EXPECT_EQ(getString(first.value()["Events"][0], "Type"), "PlanResult");
  EXPECT_EQ(std::string(first.value()["Events"][0]["FilterKeys"][0].GetString()), "web");

  auto full = parseJson(call("GET", "/v1/allocation/" + id).body);
  const Val& a = full.value();
  EXPECT_EQ(member(a, "PreviousAllocation"), nullptr);  // omit-empty
  EXPECT_EQ(getString(a["Job"], "ID"), "web");
  const Val& ts = a["TaskStates"]["t"];
  EXPECT_EQ(getString(ts, "State"), "running");
  std::vector<std::string> types;
  for (const auto& e : ts["Events"].GetArray()) types.push_back(getString(e, "Type"));
  EXPECT_EQ(types, (std::vector<std::string>{"Received", "Task Setup", "Started"}));
  EXPECT_EQ(getString(ts["Events"][2], "DisplayMessage"), "Task started by client");
  EXPECT_EQ(call("GET", "/v1/allocation/nope").body, "alloc not found");
  EXPECT_EQ(getString(parseJson(call("GET", "/v1/job/web").body).value(), "Status"), "running");
  auto summary = parseJson(call("GET", "/v1/job/web/summary").body);
  EXPECT_EQ(getInt(summary.value()["Summary"]["g"], "Running"), 2);

  // Alloc dir layout and identity JWTs.
  fs::path root = dataDir / "alloc" / id;
  for (auto d : {"alloc/data", "alloc/logs", "t/local", "t/secrets", "t/private", "t/tmp"}) {
    EXPECT_TRUE(fs::is_directory(root / d)) << d;
  }
  ASSERT_TRUE(fs::exists(root / "t/secrets/nomad_vault_default.jwt"));
  std::string jwt;
  std::getline(*std::make_unique<std::ifstream>(root / "t/secrets/nomad_vault_default.jwt"), jwt);
  auto dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  auto header = parseJson(base64UrlDecode(jwt.substr(0, dot1)));
  auto claims = parseJson(base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)));
  auto jwks = parseJson(call("GET", "/.well-known/jwks.json").body);
  EXPECT_EQ(getString(header.value(), "alg"), "RS256");
  EXPECT_EQ(getString(header.value(), "kid"), getString(jwks.value()["keys"][0], "kid"));
  EXPECT_EQ(getString(claims.value(), "nomad_job_id"), "web");
  EXPECT_EQ(getString(claims.value(), "nomad_allocation_id"), id);
  EXPECT_EQ(getString(claims.value(), "nomad_task"), "t");
  EXPECT_EQ(getString(claims.value(), "vault_role"), "nomad-workloads");
  EXPECT_EQ(getString(claims.value(), "sub"), "global:default:web:g:t:vault_default");
  EXPECT_EQ(std::string(claims.value()["aud"][0].GetString()), "vault.io");
  EXPECT_EQ(getInt(claims.value(), "exp") - getInt(claims.value(), "iat"), 3600);

  // fs: ls/stat see secrets/, cat refuses it with a 200 carrying the error text.
  auto ls = parseJson(call("GET", "/v1/client/fs/ls/" + id + "?path=/t/secrets").body);
  ASSERT_TRUE(ls.value().IsArray());
  EXPECT_EQ(ls.value().Size(), 2u);
  auto st = call("GET", "/v1/client/fs/stat/" + id + "?path=t/secrets/nomad_token");
  EXPECT_EQ(st.status, 200);
  EXPECT_EQ(getString(parseJson(st.body).value(), "FileMode"), "-rw-------");
  auto cat = call("GET", "/v1/client/fs/cat/" + id + "?path=t/secrets/nomad_token");
  EXPECT_EQ(cat.status, 200);
  EXPECT_EQ(cat.body, "Reading secret file prohibited: t/secrets/nomad_token");
  EXPECT_EQ(call("GET", "/v1/client/fs/cat/" + id + "?path=T/Secrets/nomad_token").body,
            "Reading secret file prohibited: T/Secrets/nomad_token");
  EXPECT_EQ(call("GET", "/v1/client/fs/cat/" + id + "?path=alloc/logs/t.stdout.0").status, 200);
  EXPECT_EQ(call("GET", "/v1/client/fs/ls/" + id + "?path=../../..").body,
            "Path escapes the alloc directory");
  EXPECT_EQ(call("GET", "/v1/client/fs/stat/" + id).body, "must provide a file name");
  EXPECT_EQ(call("GET", "/v1/client/fs/ls/" + id + "?path=/nope").status, 404);

  // A destructive update replaces both allocations; a stop kills them.
  ASSERT_EQ(call("PUT", "/v1/jobs", jobBody("web", "service", 2, "nginx:2")).status, 200);
  waitAllocs("web", "complete", 2);
  Doc after = waitAllocs("web", "running", 2);
  ASSERT_EQ(call("DELETE", "/v1/job/web").status, 200);
  Doc stopped = waitAllocs("web", "complete", 4);
  auto old = parseJson(call("GET", "/v1/allocation/" + id).body);
  EXPECT_EQ(getString(old.value(), "DesiredStatus"), "stop");
  const Val& evs = old.value()["TaskStates"]["t"]["Events"];
  EXPECT_EQ(getString(evs[evs.Size() - 1], "Type"), "Killed");
  EXPECT_EQ(getString(evs[evs.Size() - 3], "Type"), "Killing");
  for (int i = 0;
       i < 100 && getString(parseJson(call("GET", "/v1/job/web").body).value(), "Status") != "dead";
       ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(getString(parseJson(call("GET", "/v1/job/web").body).value(), "Status"), "dead");
}

TEST_F(NomadSimClients, BatchJobsRunPrestartFirstAndComplete) {
  std::string body =
      R"({"Job":{"ID":"b","Type":"batch","TaskGroups":[{"Name":"g","Tasks":[)"
      R"({"Name":"pre","Driver":"docker","Lifecycle":{"Hook":"prestart","Sidecar":false}},)"
      R"({"Name":"main","Driver":"docker"}]}]}})";
  ASSERT_EQ(call("PUT", "/v1/jobs", body).status, 200);
  Doc allocs = waitAllocs("b", "complete", 1);
  auto a = parseJson(call("GET", "/v1/allocation/" + getString(allocs[0], "ID")).body);
  const Val& pre = a.value()["TaskStates"]["pre"];
  const Val& main = a.value()["TaskStates"]["main"];
  EXPECT_EQ(getString(pre, "State"), "dead");
  EXPECT_EQ(getString(main, "State"), "dead");
  EXPECT_EQ(getString(pre["Events"][pre["Events"].Size() - 1], "DisplayMessage"), "Exit Code: 0");
  EXPECT_LE(getInt(pre["Events"][pre["Events"].Size() - 1], "Time"),
            getInt(main["Events"][main["Events"].Size() - 1], "Time"));
  for (int i = 0;
       i < 100 && getString(parseJson(call("GET", "/v1/job/b").body).value(), "Status") != "dead";
       ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(getString(parseJson(call("GET", "/v1/job/b").body).value(), "Status"), "dead");
  auto list = parseJson(call("GET", "/v1/allocations?filter=JobID%20%3D%3D%20%22b%22").body);
  EXPECT_EQ(list.value().Size(), 1u);
}

}  // namespace
}  // namespace nc::nomadsim::test

namespace nc::nomadsim::test {
namespace {

std::string base64Decode(const std::string& s) {
  static const std::string tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    auto p = tbl.find(c);
    if (p == std::string::npos) continue;
    buf = (buf << 6) | static_cast<unsigned>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

TEST_F(NomadSimClients, ExecCatsSecretFilesAndReportsErrorsAsCloseFrames) {
  ASSERT_EQ(call("PUT", "/v1/jobs", jobBody("web", "service", 1, "nginx:1")).status, 200);
  Doc allocs = waitAllocs("web", "running", 1);
  std::string id = getString(allocs[0], "ID");
  auto target = [&](const std::string& task, const std::string& cmdJson) {
    std::string enc;
    for (char c : cmdJson)
      enc += std::isalnum(static_cast<unsigned char>(c))
                 ? std::string(1, c)
                 : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    return "/v1/client/allocation/" + id + "/exec?task=" + task + "&command=" + enc;
  };
  WsResult cat =
      websocketSession(sim->port(), target("t", R"(["cat","/secrets/nomad_token"])"), {});
  ASSERT_GE(cat.frames.size(), 2u);
  auto first = parseJson(cat.frames[0]);
  std::string jwt = base64Decode(getString(first.value()["stdout"], "data"));
  EXPECT_EQ(std::count(jwt.begin(), jwt.end(), '.'), 2);
  EXPECT_EQ(cat.frames.back(), R"({"exited":true,"result":{}})");

  WsResult ls = websocketSession(sim->port(), target("t", R"(["ls","/secrets"])"), {});
  ASSERT_FALSE(ls.frames.empty());
  EXPECT_EQ(base64Decode(getString(parseJson(ls.frames[0]).value()["stdout"], "data")),
            "nomad_token\nnomad_vault_default.jwt\n");

  WsResult missing = websocketSession(sim->port(), target("t", R"(["cat","/secrets/nope"])"), {});
  EXPECT_EQ(missing.frames.back(), R"({"exited":true,"result":{"exit_code":1}})");

  WsResult badTask = websocketSession(sim->port(), target("zz", R"(["ls"])"), {});
  EXPECT_EQ(badTask.closeCode, 1008);
  EXPECT_EQ(badTask.closeReason, "unknown task name \"zz\"");
  WsResult noCmd =
      websocketSession(sim->port(), "/v1/client/allocation/" + id + "/exec?task=t", {});
  EXPECT_EQ(noCmd.closeReason, "command is not present");
}

TEST(NomadSimExecAcl, TokenInFirstFrame) {
  fs::path dir = fs::temp_directory_path() / ("nomad-sim-exec-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    SimProcess sim({"--data-dir", dir.string(), "--acl-token", "s3cret"});
    std::vector<std::pair<std::string, std::string>> auth = {{"X-Nomad-Token", "s3cret"}};
    ASSERT_EQ(
        request(sim.port(), "PUT", "/v1/jobs", jobBody("web", "service", 1, "x"), auth).status,
        200);
    std::string id;
    for (int i = 0; i < 100 && id.empty(); ++i) {
      auto d = parseJson(request(sim.port(), "GET", "/v1/job/web/allocations", "", auth).body);
      if (d.value().Size() == 1 && getString(d.value()[0], "ClientStatus") == "running")
        id = getString(d.value()[0], "ID");
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_FALSE(id.empty());
    std::string t =
        "/v1/client/allocation/" + id + "/exec?task=t&command=%5B%22echo%22%2C%22hi%22%5D";
    WsResult denied = websocketSession(sim.port(), t, {});
    EXPECT_EQ(denied.closeCode, 1011);
    EXPECT_EQ(denied.closeReason, "Permission denied");
    WsResult ok = websocketSession(sim.port(), t + "&ws_handshake=true",
                                   {R"({"version":1,"auth_token":"s3cret"})"});
    ASSERT_FALSE(ok.frames.empty());
    EXPECT_EQ(base64Decode(getString(parseJson(ok.frames[0]).value()["stdout"], "data")), "hi\n");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nc::nomadsim::test

namespace nc::nomadsim::test {
namespace {

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(NomadSimClients, ConfigJobsRenderTheirEnvOnlyTemplates) {
  for (auto name : {"batch-with-certs", "service-with-tls"}) {
    std::string hcl =
        readAll(fs::path(NC_SOURCE_DIR) / "config/jobs" / (std::string(name) + ".nomad.hcl"));
    auto parsed =
        call("POST", "/v1/jobs/parse",
             "{\"JobHCL\":" + toJson(Val(rapidjson::StringRef(hcl.c_str(), hcl.size()))) + "}");
    ASSERT_EQ(parsed.status, 200);
    ASSERT_EQ(call("PUT", "/v1/jobs", "{\"Job\":" + parsed.body + "}").status, 200);
  }
  Doc batch = waitAllocs("batch-with-certs", "complete", 1);
  std::string bid = getString(batch[0], "ID");
  EXPECT_EQ(readAll(dataDir / "alloc" / bid / "upload/local/report.json"),
            "{\"job\": \"batch-with-certs\", \"alloc\": \"" + bid + "\"}\n");
  Doc svc = waitAllocs("service-with-tls", "running", 1);
  std::string agent =
      readAll(dataDir / "alloc" / getString(svc[0], "ID") / "vault-agent/local/agent.hcl");
  EXPECT_NE(agent.find("rendered by Nomad for job service-with-tls."), std::string::npos) << agent;
  EXPECT_NE(agent.find("common_name=service-with-tls.service.consul"), std::string::npos);
  EXPECT_NE(agent.find("{{ .Data.certificate }}"), std::string::npos);  // left for Vault Agent
}

// Starting an allocation (directories, identity JWTs) is synchronous work on the io thread; a
// large job's allocations start a few per turn, so reads are answered while they start: the
// first listing that shows a running allocation still shows pending ones.
TEST_F(NomadSimClients, LargeJobStartsInSlicesWhileTheApiAnswers) {
  constexpr std::size_t kCount = 120;
  ASSERT_EQ(call("PUT", "/v1/jobs", jobBody("big", "service", kCount, "nginx:1")).status, 200);
  std::size_t firstRunning = 0;
  for (int i = 0; i < 5000 && firstRunning == 0; ++i) {
    auto d = parseJson(call("GET", "/v1/job/big/allocations").body);
    ASSERT_TRUE(d && d.value().IsArray());
    for (const auto& a : d.value().GetArray())
      firstRunning += getString(a, "ClientStatus") == "running";
  }
  EXPECT_GT(firstRunning, 0u);
  EXPECT_LT(firstRunning, kCount);
  Doc all = waitAllocs("big", "running", kCount);
  EXPECT_EQ(all.Size(), kCount);
}

// The start queue hands out allocations in slices of two whatever their job, so with odd counts
// registered back to back a slice spans two jobs (seen at 10k jobs x 5: 5,000 stuck "Starting");
// each job's summary must still count every allocation that runs.
TEST_F(NomadSimClients, JobSummariesCountEveryRunningAllocationWhenStartsSpanJobs) {
  constexpr int kJobs = 3, kCount = 41;
  for (int j = 0; j < kJobs; ++j)
    ASSERT_EQ(
        call("PUT", "/v1/jobs", jobBody(fmt::format("odd-{}", j), "service", kCount, "nginx:1"))
            .status,
        200);
  for (int j = 0; j < kJobs; ++j) waitAllocs(fmt::format("odd-{}", j), "running", kCount);
  auto list = parseJson(call("GET", "/v1/jobs").body);
  ASSERT_TRUE(list && list.value().IsArray());
  int jobs = 0;
  for (const auto& stub : list.value().GetArray()) {
    const auto& g = stub["JobSummary"]["Summary"]["g"];
    EXPECT_EQ(g["Running"].GetInt(), kCount) << getString(stub, "ID");
    EXPECT_EQ(g["Starting"].GetInt(), 0) << getString(stub, "ID");
    EXPECT_EQ(getString(stub, "Status"), "running");
    ++jobs;
  }
  EXPECT_EQ(jobs, kJobs);
}

}  // namespace
}  // namespace nc::nomadsim::test
