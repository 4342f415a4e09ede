// plan/apply through the CLI and the Controller against vault-sim and nomad-sim: empty -> apply
// -> in sync, out-of-band changes detected and repaired, report mode, prune and ownership,
// stop() with blocking queries in flight and the follower taking over.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>
#include <boost/asio/io_context.hpp>

#include "cli.hpp"
#include "config/load.hpp"
#include "http/client.hpp"
#include "nomad/nomad_client.hpp"
#include "reconcile/controller.hpp"
#include "sim_process.hpp"
#include "vault/vault_client.hpp"

namespace nc::reconcile {
namespace {

namespace fs = std::filesystem;
using nc::testing::runOn;

const char* kPolicy =
    "# workloads issue their own certificates\n"
    "path \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n";

const char* kJob = R"(job "web" {
  datacenters = ["*"]
  group "g" {
    task "app" {
      driver = "docker"
      config {
        image = "busybox:1.36"
        command = "sleep"
        args = ["3600"]
      }
    }
  }
}
)";

class ReconcileIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("nc-reconcile-it-" + std::to_string(::getpid())));
    fs::create_directories(*dir_ / "data");
    vault_ = new nc::testing::SimProcess(nc::testing::binaryPath("vault-sim"),
                                         {"--listen", "127.0.0.1:0", "--root-token", "root"});
    nomad_ = new nc::testing::SimProcess(nc::testing::binaryPath("nomad-sim"),
                                         {"--listen", "127.0.0.1:0", "--vault-addr", vault_->url(),
                                          "--data-dir", (*dir_ / "data").string()});
    write("config.yaml",
          "desired_state: desired-state.yaml\nvault:\n  address: " + vault_->url() +
              "\n  auth:\n    method: token\nnomad:\n  address: " + nomad_->url() +
              "\n  namespace: default\nreconcile:\n  mode: enforce\n"
              "  max_writes_per_second: 100\n  leader_election:\n    enabled: false\n"
              "alerts:\n  spool_dir: " +
              (*dir_ / "spool").string() + "\n");
    write("policy.hcl", kPolicy);
    write("web.nomad.hcl", kJob);
  }
  static void TearDownTestSuite() {
    delete nomad_;
    delete vault_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static void write(const std::string& name, const std::string& text) {
    std::ofstream(*dir_ / name) << text;
  }
  /// The desired state; `policyMode` adds a mode to the policy, `prune`/`job` as named.
  static void writeDesired(const std::string& policyMode = "", bool prune = false,
                           bool job = true) {
    std::string s =
        "version: 1\ndefaults:\n  mode: enforce\n  prune: " +
        std::string(prune ? "true" : "false") +
        "\nvault:\n  mounts:\n    - path: pki-int\n      type: pki\n"
        "      description: workload CA\n      config:\n        max_lease_ttl: 8760h\n"
        "  pki_roles:\n    - mount: pki-int\n      name: nomad-job\n      config:\n"
        "        allowed_domains: [service.consul, nomad.local]\n"
        "        allow_subdomains: true\n        allow_localhost: false\n"
        "        key_type: ec\n        key_bits: 256\n        ttl: 24h\n        max_ttl: 168h\n"
        "  policies:\n    - name: nomad-job-pki\n      file: policy.hcl\n" +
        (policyMode.empty() ? "" : "      mode: " + policyMode + "\n") +
        "  auth:\n    - path: jwt-nomad\n      type: jwt\n      description: Nomad workload "
        "identity\n"
        "      config:\n        jwks_url: " +
        nomad_->url() +
        "/.well-known/jwks.json\n"
        "        jwt_supported_algs: [RS256, EdDSA]\n        default_role: nomad-workloads\n"
        "      roles:\n        - name: nomad-workloads\n          config:\n"
        "            role_type: jwt\n            bound_audiences: [vault.io]\n"
        "            user_claim: /nomad_job_id\n            user_claim_json_pointer: true\n"
        "            claim_mappings:\n              nomad_job_id: nomad_job_id\n"
        "            token_type: service\n            token_period: 30m\n"
        "            token_policies: [nomad-job-pki]\n";
    if (job) s += "nomad:\n  jobs:\n    - file: web.nomad.hcl\n";
    write("desired-state.yaml", s);
  }

  struct Run {
    int code;
    std::string out, err;
  };
  static Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), "nomad-certd");
    args.push_back("--config");
    args.push_back((*dir_ / "config.yaml").string());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out, err;
    config::Environment env;
    env.set("VAULT_TOKEN", "root");
    const int code = cli::runCli(static_cast<int>(argv.size()), argv.data(), {out, err, env});
    return {code, out.str(), err.str()};
  }

  void SetUp() override {
    http::ClientOptions v;
    v.baseUrl = vault_->url();
    vt_ = *http::makeTransport(io_, v);
    vault::Options vo;
    vo.address = vault_->url();
    vaultClient_ = std::make_shared<vault::VaultClient>(
        vt_, std::make_shared<vault::StaticTokenSource>("root"), vo);
    http::ClientOptions n;
    n.baseUrl = nomad_->url();
    nt_ = *http::makeTransport(io_, n);
    nomad::Options no;
    no.nomadNamespace = "default";
    nomadClient_ = std::make_shared<nomad::NomadClient>(
        nt_, [] { return Result<std::string>(""); }, no);
  }
  void TearDown() override {
    vt_->shutdown();
    nt_->shutdown();
  }

  static fs::path* dir_;
  static nc::testing::SimProcess* vault_;
  static nc::testing::SimProcess* nomad_;
  boost::asio::io_context io_;
  http::HttpTransportPtr vt_, nt_;
  std::shared_ptr<vault::VaultClient> vaultClient_;
  std::shared_ptr<nomad::NomadClient> nomadClient_;
};

fs::path* ReconcileIt::dir_ = nullptr;
nc::testing::SimProcess* ReconcileIt::vault_ = nullptr;
nc::testing::SimProcess* ReconcileIt::nomad_ = nullptr;

/// A job whose template issues from `role` of pki-int (workload identity, role nomad-workloads).
std::string tlsJob(const std::string& role) {
  return "job \"tls\" {\n  datacenters = [\"*\"]\n  group \"g\" {\n    task \"app\" {\n"
         "      driver = \"docker\"\n      config {\n        image = \"busybox:1.36\"\n      }\n"
         "      vault {\n        role = \"nomad-workloads\"\n      }\n      template {\n"
         "        destination = \"secrets/cert.pem\"\n        change_mode = \"noop\"\n"
         "        data = <<EOT\n{{ with secret \"pki-int/issue/" +
         role +
         "\" \"common_name=tls.service.consul\" \"ttl=1h\" }}{{ .Data.certificate }}{{ end "
         "}}\nEOT\n"
         "      }\n    }\n  }\n}\n";
}

/// The ids of plan's JSON preflight findings with their severity ("id:severity").
std::vector<std::string> preflightIds(const std::string& json, bool* live = nullptr) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  std::vector<std::string> out;
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("preflight"))
    return {"no preflight member"};
  if (live) *live = d["preflight"]["live"].GetBool();
  for (const auto& f : d["preflight"]["findings"].GetArray())
    out.push_back(std::string(f["id"].GetString()) + ":" + f["severity"].GetString());
  return out;
}

std::string stateOf(const std::string& json, const std::string& kind, const std::string& name) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject()) return "unparsed";
  for (const auto& r : d["resources"].GetArray())
    if (kind == r["kind"].GetString() && name == r["name"].GetString())
      return r["state"].GetString();
  return "absent";
}

// Each case must stand alone: ctest runs every case in its own process (fresh simulators).
TEST_F(ReconcileIt, EmptyThenApplyThenPlanInSync) {
  writeDesired();
  auto first = cli({"plan", "--output", "json"});
  EXPECT_EQ(first.code, 2) << first.out << first.err;
  EXPECT_EQ(stateOf(first.out, "vault_policy", "nomad-job-pki"), "drifted");
  auto applied = cli({"apply", "--yes"});
  ASSERT_EQ(applied.code, 0) << applied.out << applied.err;
  auto plan = cli({"plan"});
  EXPECT_EQ(plan.code, 0) << plan.out << plan.err;
  EXPECT_NE(plan.out.find("6 resources: 6 in sync"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("preflight (templates against Vault as applied): every job can obtain"),
            std::string::npos)
      << plan.out;
  bool live = false;
  EXPECT_EQ(preflightIds(cli({"plan", "--output", "json"}).out, &live), std::vector<std::string>{});
  EXPECT_TRUE(live);
}

// plan runs the live preflight: a template naming a role that is neither declared nor in
// Vault is an error (exit 1, text and JSON); once the role exists in Vault it is not.
TEST_F(ReconcileIt, PlanReportsLivePreflightFindings) {
  writeDesired("", false, false);
  write("tls.nomad.hcl", tlsJob("ops"));
  {
    std::ifstream in(*dir_ / "desired-state.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    write("desired-state.yaml", ss.str() + "nomad:\n  jobs:\n    - file: tls.nomad.hcl\n");
  }
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);  // everything else in sync: only preflight is left
  auto text = cli({"plan"});
  EXPECT_EQ(text.code, 1) << text.out << text.err;
  EXPECT_NE(text.out.find("[role-unknown]"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("tls.nomad.hcl:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("does not exist in Vault"), std::string::npos) << text.out;
  auto json = cli({"plan", "--output", "json"});
  EXPECT_EQ(json.code, 1);
  bool live = false;
  auto ids = preflightIds(json.out, &live);
  EXPECT_TRUE(live);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "role-unknown:error"), ids.end()) << json.out;
  // check-config (offline) only warns about the role: it cannot know whether Vault has it.
  auto offline = cli({"check-config"});
  EXPECT_NE((offline.out + offline.err).find("warning: preflight.role-unknown"), std::string::npos)
      << offline.out << offline.err;
  // The role made in Vault by hand: preflight now finds it live, and the declared policy does
  // not grant its issue path.
  vault::PkiRole role;
  role.allowedDomains = {"service.consul"};
  role.allowSubdomains = true;
  ASSERT_TRUE(runOn(io_, vaultClient_->writePkiRole("pki-int", "ops", role)));
  auto after = cli({"plan", "--output", "json"});
  ids = preflightIds(after.out);
  EXPECT_EQ(std::find(ids.begin(), ids.end(), "role-unknown:error"), ids.end()) << after.out;
  EXPECT_NE(std::find(ids.begin(), ids.end(), "policy-denies:error"), ids.end()) << after.out;
  EXPECT_EQ(after.code, 1);
  // With the template on the declared role, the job can obtain its certificate: exit 0.
  write("tls.nomad.hcl", tlsJob("nomad-job"));
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  auto clean = cli({"plan", "--output", "json"});
  EXPECT_EQ(preflightIds(clean.out), std::vector<std::string>{}) << clean.out;
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
}

TEST_F(ReconcileIt, OutOfBandChangeIsDetectedAndApplyRepairsIt) {
  writeDesired();
  // ctest runs each case in its own process with fresh simulators: converge first.
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  ASSERT_TRUE(runOn(io_, vaultClient_->putPolicy(
                             "nomad-job-pki", "path \"secret/*\" { capabilities = [\"read\"] }")));
  auto plan = cli({"plan", "--output", "json"});
  EXPECT_EQ(plan.code, 2) << plan.out << plan.err;
  EXPECT_EQ(stateOf(plan.out, "vault_policy", "nomad-job-pki"), "drifted");
  EXPECT_EQ(stateOf(plan.out, "vault_pki_role", "pki-int/nomad-job"), "in_sync");
  EXPECT_EQ(cli({"apply", "--yes"}).code, 0);
  EXPECT_EQ(cli({"plan"}).code, 0);
}

TEST_F(ReconcileIt, ReportModeNeverWrites) {
  writeDesired("report");
  const std::string outOfBand = "path \"other/*\" { capabilities = [\"read\"] }";
  ASSERT_TRUE(runOn(io_, vaultClient_->putPolicy("nomad-job-pki", outOfBand)));
  auto applied = cli({"apply", "--yes"});
  EXPECT_EQ(applied.code, 0) << applied.out << applied.err;
  auto live = runOn(io_, vaultClient_->readPolicy("nomad-job-pki"));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->policy, outOfBand);
  EXPECT_EQ(cli({"plan"}).code, 2);
  writeDesired();
  EXPECT_EQ(cli({"apply", "--yes"}).code, 0);
}

TEST_F(ReconcileIt, PruneStopsOnlyOwnedJobs) {
  writeDesired();
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  std::string other = kJob;
  other.replace(other.find("\"web\""), 5, "\"unmanaged\"");
  auto parsed = runOn(io_, nomadClient_->parseJob(other, true, ""));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(runOn(io_, nomadClient_->registerJob(*parsed, {})));
  writeDesired("", true, false);  // prune on, the web job no longer declared
  auto plan = cli({"plan", "--output", "json"});
  EXPECT_EQ(plan.code, 2) << plan.out << plan.err;
  EXPECT_EQ(stateOf(plan.out, "nomad_job", "default/web"), "drifted");
  EXPECT_EQ(stateOf(plan.out, "nomad_job", "default/unmanaged"), "absent");
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  auto web = runOn(io_, nomadClient_->readJob("web", {}));
  ASSERT_TRUE(web);
  EXPECT_TRUE(web->value.stop);
  auto unmanaged = runOn(io_, nomadClient_->readJob("unmanaged", {}));
  ASSERT_TRUE(unmanaged);
  EXPECT_FALSE(unmanaged->value.stop);
  writeDesired();
  EXPECT_EQ(cli({"apply", "--yes"}).code, 0);
}

// The controller repairs an out-of-band job change within about a second (job watch).
TEST_F(ReconcileIt, ControllerRepairsJobChangedOutOfBand) {
  writeDesired();
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  config::Environment env;
  env.set("VAULT_TOKEN", "root");
  auto loaded = config::loadConfigurationOrError(*dir_ / "config.yaml", std::nullopt, env);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto options = ControllerOptions::fromConfig(loaded->config);
  options.jobWatchWait = Duration::seconds(5);
  Controller c(vaultClient_, nomadClient_, loaded->desired, options, SystemClock::shared());
  bool done = false;
  boost::asio::co_spawn(io_, c.run(), [&](std::exception_ptr) { done = true; });
  auto runFor = [&](std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  };
  runFor(std::chrono::milliseconds(800));
  auto current = runOn(io_, nomadClient_->readJob("web", {}));
  ASSERT_TRUE(current);
  std::string changed = current->value.json;
  const auto pos = changed.find("\"Priority\":50");
  ASSERT_NE(pos, std::string::npos);
  changed.replace(pos, 13, "\"Priority\":70");
  ASSERT_TRUE(runOn(io_, nomadClient_->registerJob(changed, {})));
  const auto t0 = std::chrono::steady_clock::now();
  bool repaired = false;
  while (!repaired && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3)) {
    runFor(std::chrono::milliseconds(100));
    auto job = runOn(io_, nomadClient_->readJob("web", {}));
    repaired = job && job->value.json.find("\"Priority\":50") != std::string::npos;
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(repaired);
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  std::cout << "[ figures ] job repaired after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  c.stop();
  const auto stopAt = std::chrono::steady_clock::now();
  while (!done && std::chrono::steady_clock::now() - stopAt < std::chrono::seconds(8))
    runFor(std::chrono::milliseconds(100));
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace nc::reconcile

namespace nc::reconcile {
namespace {

// Two controllers with leader election over the real HTTP client: stop() cancels the in-flight
// blocking queries (job list, wait 30 s; the follower's lock-variable read), so the leader's
// run() ends at once after releasing the lock, and the follower's lock watch sees the release
// and takes over within a round trip instead of its next 1.1×TTL retry.
TEST_F(ReconcileIt, StopCancelsBlockingQueriesAndTheFollowerTakesOverAtOnce) {
  writeDesired();
  ASSERT_EQ(cli({"apply", "--yes"}).code, 0);
  config::Environment env;
  env.set("VAULT_TOKEN", "root");
  auto loaded = config::loadConfigurationOrError(*dir_ / "config.yaml", std::nullopt, env);
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto options = ControllerOptions::fromConfig(loaded->config);
  options.leaderElection = true;
  options.lockPath = "nomad-certd/leader-it-" + std::to_string(::getpid());
  options.lockTtl = Duration::seconds(10);
  options.jobWatchWait = Duration::seconds(30);
  Controller a(vaultClient_, nomadClient_, loaded->desired, options, SystemClock::shared());
  Controller b(vaultClient_, nomadClient_, loaded->desired, options, SystemClock::shared());
  bool doneA = false, doneB = false;
  auto runFor = [&](std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  };
  auto runUntil = [&](const std::function<bool()>& pred, std::chrono::seconds limit) {
    const auto t0 = std::chrono::steady_clock::now();
    while (!pred() && std::chrono::steady_clock::now() - t0 < limit)
      runFor(std::chrono::milliseconds(10));
    return std::chrono::steady_clock::now() - t0;
  };
  boost::asio::co_spawn(io_, a.run(), [&](std::exception_ptr) { doneA = true; });
  runUntil([&] { return a.isLeader(); }, std::chrono::seconds(5));
  ASSERT_TRUE(a.isLeader());
  boost::asio::co_spawn(io_, b.run(), [&](std::exception_ptr) { doneB = true; });
  runFor(std::chrono::milliseconds(1500));  // both now wait in their blocking queries
  ASSERT_FALSE(b.isLeader());
  a.stop();
  const auto stopped = runUntil([&] { return doneA; }, std::chrono::seconds(40));
  const auto takeover = stopped + runUntil([&] { return b.isLeader(); }, std::chrono::seconds(15));
  EXPECT_TRUE(doneA);
  EXPECT_LT(stopped, std::chrono::seconds(1));
  EXPECT_TRUE(b.isLeader());
  EXPECT_LT(takeover, std::chrono::seconds(1));
  b.stop();
  const auto stoppedB = runUntil([&] { return doneB; }, std::chrono::seconds(40));
  EXPECT_TRUE(doneB);
  EXPECT_LT(stoppedB, std::chrono::seconds(1));
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::cout << "[ figures ] leader stop() to run() end "
            << duration_cast<milliseconds>(stopped).count() << " ms; follower takeover "
            << duration_cast<milliseconds>(takeover).count() << " ms; follower stop "
            << duration_cast<milliseconds>(stoppedB).count() << " ms\n";
}

}  // namespace
}  // namespace nc::reconcile
