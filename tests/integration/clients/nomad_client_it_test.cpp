// NomadClient over the real HTTP transport against nomad-sim: jobs, plan, parse, allocations,
// fs, exec, variables and locks, blocking queries, event stream, agent status.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/client.hpp"
#include "nomad/nomad_client.hpp"
#include "sim_process.hpp"
#include "vault/vault_client.hpp"

namespace nc::nomad {
namespace {

using nc::testing::runOn;

const char* kJobHcl = R"(
job "JOBID" {
  datacenters = ["*"]
  type        = "service"
  group "g" {
    count = 1
    task "app" {
      driver = "docker"
      config {
        image   = "busybox:1.36"
        command = "sleep"
        args    = ["3600"]
      }
      vault {
        role = "nomad-workloads"
      }
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }
      template {
        destination = "local/cert.pem"
        change_mode = "noop"
        data        = <<-EOT
          {{ with secret "pki/issue/nomad-job" "common_name=JOBID.svc.internal" "ttl=1h" }}{{ .Data.certificate }}{{ end }}
        EOT
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
)";

std::string jobHcl(const std::string& id) {
  std::string s = kJobHcl;
  for (auto p = s.find("JOBID"); p != std::string::npos; p = s.find("JOBID")) s.replace(p, 5, id);
  return s;
}

/// Configures vault-sim the way Nomad's workload identity expects, through VaultClient.
void setUpVault(boost::asio::io_context& io, const std::string& vaultUrl,
                const std::string& nomadUrl) {
  http::ClientOptions o;
  o.baseUrl = vaultUrl;
  auto t = http::makeTransport(io, o);
  ASSERT_TRUE(t) << t.error().describe();
  vault::VaultClient v(*t, std::make_shared<vault::StaticTokenSource>("root"));
  vault::MountSpec pki;
  pki.type = "pki";
  ASSERT_TRUE(runOn(io, v.enableMount("pki", pki)));
  auto root = runOn(io, v.call("POST", "pki/root/generate/internal",
                               R"({"common_name":"IT Root","ttl":"87600h"})"));
  ASSERT_TRUE(root && root->status == 200) << (root ? root->body : root.error().describe());
  vault::PkiRole role;
  role.allowedDomains = {"svc.internal"};
  role.allowSubdomains = true;
  role.maxTtl = 86400;
  ASSERT_TRUE(runOn(io, v.writePkiRole("pki", "nomad-job", role)));
  ASSERT_TRUE(
      runOn(io, v.putPolicy("nomad-workloads",
                            "path \"pki/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n")));
  vault::MountSpec jwt;
  jwt.type = "jwt";
  ASSERT_TRUE(runOn(io, v.enableAuth("jwt-nomad", jwt)));
  vault::JwtConfig cfg;
  cfg.jwksUrl = nomadUrl + "/.well-known/jwks.json";
  cfg.jwtSupportedAlgs = {"RS256", "EdDSA"};
  cfg.defaultRole = "nomad-workloads";
  auto w = runOn(io, v.writeJwtConfig("jwt-nomad", cfg));
  ASSERT_TRUE(w) << w.error().describe();
  vault::JwtRole jr;
  jr.userClaim = "/nomad_job_id";
  jr.userClaimJsonPointer = true;
  jr.boundAudiences = {"vault.io"};
  jr.claimMappings = {{"nomad_namespace", "nomad_namespace"},
                      {"nomad_job_id", "nomad_job_id"},
                      {"nomad_task", "nomad_task"}};
  jr.tokenType = "service";
  jr.tokenPolicies = {"nomad-workloads"};
  jr.tokenPeriod = 1800;
  ASSERT_TRUE(runOn(io, v.writeJwtRole("jwt-nomad", "nomad-workloads", jr)));
  auto cfgBack = runOn(io, v.readJwtConfig("jwt-nomad"));
  ASSERT_TRUE(cfgBack) << cfgBack.error().describe();
  EXPECT_EQ(cfgBack->jwksUrl, cfg.jwksUrl);
  (*t)->shutdown();
}

class NomadIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dataDir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                         ("nc-nomad-it-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dataDir_);
    vault_ = new nc::testing::SimProcess(nc::testing::binaryPath("vault-sim"),
                                         {"--listen", "127.0.0.1:0", "--root-token", "root"});
    nomad_ = new nc::testing::SimProcess(nc::testing::binaryPath("nomad-sim"),
                                         {"--listen", "127.0.0.1:0", "--vault-addr", vault_->url(),
                                          "--data-dir", dataDir_->string()});
    boost::asio::io_context io;
    setUpVault(io, vault_->url(), nomad_->url());
  }
  static void TearDownTestSuite() {
    delete nomad_;
    delete vault_;
    std::filesystem::remove_all(*dataDir_);
    delete dataDir_;
  }
  void SetUp() override {
    http::ClientOptions o;
    o.baseUrl = nomad_->url();
    o.name = "nomad";
    auto t = http::makeTransport(io_, o);
    ASSERT_TRUE(t) << t.error().describe();
    transport_ = *t;
    Options opts;
    opts.nomadNamespace = "default";
    client_ = std::make_unique<NomadClient>(
        transport_, [] { return Result<std::string>(""); }, opts);
  }
  void TearDown() override { transport_->shutdown(); }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return runOn(io_, std::move(task));
  }
  /// Parses and registers a job; returns its JSON.
  std::string deploy(const std::string& id) {
    auto json = run(client_->parseJob(jobHcl(id), true, ""));
    EXPECT_TRUE(json) << json.error().describe();
    if (!json) return {};
    auto reg = run(client_->registerJob(*json, {}));
    EXPECT_TRUE(reg) << reg.error().describe();
    return *json;
  }
  /// Polls (blocking queries) until the job has a running allocation; returns its ID.
  std::string waitForRunningAlloc(const std::string& id) {
    QueryOptions q;
    q.wait = Duration::seconds(2);
    for (int i = 0; i < 20; ++i) {
      auto allocs = run(client_->jobAllocations(id, q));
      if (!allocs) return {};
      for (const auto& a : allocs->value)
        if (a.clientStatus == "running") return a.id;
      q.index = allocs->meta.index;
    }
    return {};
  }

  static nc::testing::SimProcess *vault_, *nomad_;
  static std::filesystem::path* dataDir_;
  boost::asio::io_context io_;
  http::HttpTransportPtr transport_;
  std::unique_ptr<NomadClient> client_;
};
nc::testing::SimProcess* NomadIt::vault_ = nullptr;
nc::testing::SimProcess* NomadIt::nomad_ = nullptr;
std::filesystem::path* NomadIt::dataDir_ = nullptr;

TEST_F(NomadIt, AgentHealthAndLeader) {
  auto h = run(client_->agentHealth());
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_TRUE(h->ok);
  auto l = run(client_->leader());
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_FALSE(l->empty());
}

TEST_F(NomadIt, ParsePlanRegisterEnforceIndexVersionsStopPurge) {
  auto bad = run(client_->parseJob("job {", false, ""));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument)) << bad.error().describe();

  auto json = run(client_->parseJob(jobHcl("it-plan"), true, ""));
  ASSERT_TRUE(json) << json.error().describe();
  auto plan = run(client_->planJob(*json, true));
  ASSERT_TRUE(plan) << plan.error().describe();
  ASSERT_TRUE(plan->diff);
  EXPECT_EQ(plan->diff->type, "Added");
  EXPECT_EQ(plan->jobModifyIndex, 0u);

  RegisterOptions create;
  create.enforceIndex = 0;
  auto reg = run(client_->registerJob(*json, create));
  ASSERT_TRUE(reg) << reg.error().describe();
  auto again = run(client_->registerJob(*json, create));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(errc::conflict)) << again.error().describe();

  plan = run(client_->planJob(*json, true));
  ASSERT_TRUE(plan) << plan.error().describe();
  EXPECT_TRUE(plan->inSync()) << plan->json;
  EXPECT_EQ(plan->jobModifyIndex, reg->jobModifyIndex);

  auto job = run(client_->readJob("it-plan", {}));
  ASSERT_TRUE(job) << job.error().describe();
  EXPECT_EQ(job->value.jobModifyIndex, reg->jobModifyIndex);
  EXPECT_GT(job->meta.index, 0u);

  auto list = run(client_->listJobs({}));
  ASSERT_TRUE(list) << list.error().describe();
  bool found = false;
  for (const auto& s : list->value) found |= s.id == "it-plan";
  EXPECT_TRUE(found);

  auto versions = run(client_->jobVersions("it-plan", {}));
  ASSERT_TRUE(versions) << versions.error().describe();
  ASSERT_FALSE(versions->value.empty());

  auto stop = run(client_->deregisterJob("it-plan", false));
  ASSERT_TRUE(stop) << stop.error().describe();
  job = run(client_->readJob("it-plan", {}));
  ASSERT_TRUE(job) << job.error().describe();
  EXPECT_TRUE(job->value.stop);
  ASSERT_TRUE(run(client_->deregisterJob("it-plan", true)));
  job = run(client_->readJob("it-plan", {}));
  ASSERT_FALSE(job);
  EXPECT_TRUE(job.error().is(errc::not_found));
}

TEST_F(NomadIt, AllocationsFsAndExec) {
  deploy("it-alloc");
  auto allocId = waitForRunningAlloc("it-alloc");
  ASSERT_FALSE(allocId.empty()) << "no running allocation";
  auto alloc = run(client_->readAllocation(allocId, {}));
  ASSERT_TRUE(alloc) << alloc.error().describe();
  EXPECT_EQ(alloc->value.jobId, "it-alloc");
  EXPECT_TRUE(alloc->value.taskStates.count("app"));
  QueryOptions q;
  q.filter = "JobID == \"it-alloc\"";
  auto all = run(client_->listAllocations(q));
  ASSERT_TRUE(all) << all.error().describe();
  EXPECT_EQ(all->value.size(), 1u);

  auto ls = run(client_->listFiles(allocId, "/"));
  ASSERT_TRUE(ls) << ls.error().describe();
  bool sawTaskDir = false;
  for (const auto& f : *ls) sawTaskDir |= f.name == "app" && f.isDir;
  EXPECT_TRUE(sawTaskDir);
  auto local = run(client_->statFile(allocId, "app/local"));
  ASSERT_TRUE(local) << local.error().describe();
  EXPECT_TRUE(local->isDir);
  auto dirRead = run(client_->readFile(allocId, "app/local"));
  EXPECT_TRUE(dirRead.error().is(errc::invalid_argument)) << dirRead.error().describe();
  auto missing = run(client_->statFile(allocId, "app/local/nope"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(errc::not_found)) << missing.error().describe();
  // Nomad answers cat/readat errors with HTTP 200 + text; the client must still fail.
  auto secret = run(client_->catFile(allocId, "app/secrets/vault_token"));
  EXPECT_FALSE(secret) << "got content for a secrets/ path: " << *secret;
  auto gone = run(client_->catFile(allocId, "app/local/nope"));
  EXPECT_FALSE(gone) << "got content for a missing file: " << *gone;
  auto refused = run(client_->readFile(allocId, "app/secrets/vault_token"));
  EXPECT_TRUE(refused.error().is(errc::permission_denied));
}

TEST_F(NomadIt, ExecCollectsOutputAndExitCode) {
  deploy("it-exec");
  auto allocId = waitForRunningAlloc("it-exec");
  ASSERT_FALSE(allocId.empty()) << "no running allocation";
  auto out = run(client_->exec(allocId, "app", {"echo", "hello"}, {}));
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->exitCode, 0);
  EXPECT_EQ(out->stdoutData, "hello\n");
  auto fail = run(client_->exec(allocId, "app", {"cat", "/local/does-not-exist"}, {}));
  ASSERT_TRUE(fail) << fail.error().describe();
  EXPECT_NE(fail->exitCode, 0);
  EXPECT_FALSE(fail->stderrData.empty());
  auto badTask = run(client_->exec(allocId, "no-such-task", {"true"}, {}));
  ASSERT_FALSE(badTask);
  EXPECT_TRUE(badTask.error().is(errc::invalid_argument)) << badTask.error().describe();
  // Nomad's reason from the close frame reaches the caller.
  EXPECT_NE(
      badTask.error().message.find("(websocket code 1008): unknown task name \"no-such-task\""),
      std::string::npos)
      << badTask.error().message;
  auto badAlloc = run(client_->exec("00000000-0000-0000-0000-000000000000", "app", {"true"}, {}));
  ASSERT_FALSE(badAlloc);
  EXPECT_NE(badAlloc.error().message.find("Unknown allocation"), std::string::npos)
      << badAlloc.error().message;
}

/// The subject CN of a PEM certificate ("" when it does not parse).
std::string commonName(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return {};
  char cn[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn) <
      0)
    return {};
  return cn;
}

// nomad-sim renders the job's Vault template (pki/issue via the task's workload identity) into
// local/cert.pem; exec `cat` must return exactly what the fs API reads for the same file.
TEST_F(NomadIt, ExecCatOfARenderedCertificateMatchesTheFsRead) {
  deploy("it-cert");
  auto allocId = waitForRunningAlloc("it-cert");
  ASSERT_FALSE(allocId.empty()) << "no running allocation";
  auto viaFs = run(client_->readFile(allocId, "app/local/cert.pem"));
  ASSERT_TRUE(viaFs) << viaFs.error().describe();
  EXPECT_NE(viaFs->find("-----BEGIN CERTIFICATE-----"), std::string::npos) << *viaFs;
  EXPECT_EQ(commonName(*viaFs), "it-cert.svc.internal");

  auto viaExec = run(client_->exec(allocId, "app", {"cat", "/local/cert.pem"}, {}));
  ASSERT_TRUE(viaExec) << viaExec.error().describe();
  EXPECT_EQ(viaExec->exitCode, 0);
  EXPECT_TRUE(viaExec->stderrData.empty()) << viaExec->stderrData;
  EXPECT_EQ(viaExec->stdoutData, *viaFs);
  auto viaCat = run(client_->catFile(allocId, "app/local/cert.pem"));
  ASSERT_TRUE(viaCat) << viaCat.error().describe();
  EXPECT_EQ(*viaCat, *viaFs);

  // The Vault token the template used sits in secrets/: the fs API refuses it, exec reads it.
  auto refused = run(client_->readFile(allocId, "app/secrets/vault_token"));
  EXPECT_TRUE(!refused && refused.error().is(errc::permission_denied));
  auto token = run(client_->exec(allocId, "app", {"cat", "/secrets/vault_token"}, {}));
  ASSERT_TRUE(token) << token.error().describe();
  EXPECT_EQ(token->exitCode, 0);
  EXPECT_FALSE(token->stdoutData.empty());  // never printed: it is a live token
}

TEST_F(NomadIt, VariablesLocksAndCas) {
  auto v = run(client_->putVariable("certd/it", {{"a", "1"}}, 0));
  ASSERT_TRUE(v) << v.error().describe();
  auto conflict = run(client_->putVariable("certd/it", {{"a", "2"}}, 0));
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(conflict.error().is(errc::conflict));
  auto w = run(client_->putVariable("certd/it", {{"a", "2"}}, v->modifyIndex));
  ASSERT_TRUE(w) << w.error().describe();
  auto r = run(client_->readVariable("certd/it", {}));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->value.items.at("a"), "2");
  ASSERT_TRUE(run(client_->deleteVariable("certd/it", std::nullopt)));
  EXPECT_TRUE(run(client_->readVariable("certd/it", {})).error().is(errc::not_found));

  auto lock =
      run(client_->acquireLock("certd/leader-it", Duration::seconds(10), Duration::seconds(10)));
  ASSERT_TRUE(lock) << lock.error().describe();
  ASSERT_TRUE(lock->lock);
  auto held =
      run(client_->acquireLock("certd/leader-it", Duration::seconds(10), Duration::seconds(10)));
  ASSERT_FALSE(held);
  EXPECT_TRUE(held.error().is(errc::conflict)) << held.error().describe();
  auto renewed = run(client_->renewLock("certd/leader-it", lock->lock->id));
  ASSERT_TRUE(renewed) << renewed.error().describe();
  auto wrong = run(client_->renewLock("certd/leader-it", "00000000-0000-0000-0000-000000000000"));
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(errc::conflict)) << wrong.error().describe();
  ASSERT_TRUE(run(client_->releaseLock("certd/leader-it", lock->lock->id)));
  auto again =
      run(client_->acquireLock("certd/leader-it", Duration::seconds(10), Duration::seconds(10)));
  ASSERT_TRUE(again) << again.error().describe();
  ASSERT_TRUE(run(client_->releaseLock("certd/leader-it", again->lock->id)));
}

// Registers a job after a short delay while a blocking query waits for a change.
boost::asio::awaitable<void> registerLater(NomadClient* client, std::string json) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                              std::chrono::milliseconds(300));
  co_await t.async_wait(boost::asio::use_awaitable);
  (void)co_await client->registerJob(json, {});
}

TEST_F(NomadIt, BlockingQueryWakesOnChangeAndEventStreamDeliversIt) {
  auto list = run(client_->listJobs({}));
  ASSERT_TRUE(list) << list.error().describe();
  const auto start = list->meta.index;
  auto json = run(client_->parseJob(jobHcl("it-block"), true, ""));
  ASSERT_TRUE(json) << json.error().describe();

  EventStreamOptions eo;
  eo.topics = {"Job:it-block"};
  eo.index = start + 1;
  auto stream = client_->subscribe(eo);

  boost::asio::co_spawn(io_, registerLater(client_.get(), *json), boost::asio::detached);
  QueryOptions q;
  q.index = start;
  q.wait = Duration::seconds(20);
  const auto t0 = std::chrono::steady_clock::now();
  auto woke = run(client_->listJobs(q));
  ASSERT_TRUE(woke) << woke.error().describe();
  EXPECT_GT(woke->meta.index, start);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

  auto batch = run(stream->next());
  ASSERT_TRUE(batch) << batch.error().describe();
  ASSERT_FALSE(batch->events.empty());
  EXPECT_EQ(batch->events[0].topic, "Job");
  EXPECT_EQ(batch->events[0].key, "it-block");
  EXPECT_EQ(batch->events[0].type, "JobRegistered");
  stream->close();
}

// A missed heartbeat (the server's interval is longer than our timeout) makes the stream
// reconnect and resume from the last index + 1 without losing or repeating events.
TEST(NomadEventStreamIt, ReconnectsOnHeartbeatTimeoutAndResumes) {
  auto dataDir =
      std::filesystem::temp_directory_path() / ("nc-nomad-ev-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dataDir);
  nc::testing::SimProcess sim(
      nc::testing::binaryPath("nomad-sim"),
      {"--listen", "127.0.0.1:0", "--data-dir", dataDir.string(), "--event-heartbeat", "30s"});
  boost::asio::io_context io;
  http::ClientOptions o;
  o.baseUrl = sim.url();
  auto t = http::makeTransport(io, o);
  ASSERT_TRUE(t) << t.error().describe();
  NomadClient client(
      *t, [] { return Result<std::string>(""); }, Options{});
  auto json = [](const std::string& id) {
    return R"({"ID":")" + id + R"(","Name":")" + id +
           R"(","Type":"batch","Datacenters":["*"],"TaskGroups":[{"Name":"g","Count":1,"Tasks":[{"Name":"t","Driver":"docker","Config":{"image":"busybox:1.36"}}]}]})";
  };
  ASSERT_TRUE(runOn(io, client.registerJob(json("ev-one"), {})));

  EventStreamOptions eo;
  eo.topics = {"Job:*"};
  eo.heartbeatTimeout = Duration::milliseconds(700);
  eo.reconnectMin = Duration::milliseconds(50);
  int lives = 0;
  eo.onLive = [&lives] { ++lives; };
  auto stream = client.subscribe(eo);
  EXPECT_EQ(lives, 0);
  auto first = runOn(io, stream->next());
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(lives, 1);
  EXPECT_EQ(first->events[0].key, "ev-one");
  EXPECT_FALSE(first->afterReconnect);
  const auto firstIndex = stream->lastIndex();

  // Idle for longer than the heartbeat timeout, then change something.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  boost::asio::co_spawn(
      io,
      [](NomadClient* c, std::string j) -> boost::asio::awaitable<void> {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                        std::chrono::milliseconds(1500));
        co_await timer.async_wait(boost::asio::use_awaitable);
        (void)co_await c->registerJob(j, {});
      }(&client, json("ev-two")),
      boost::asio::detached);
  auto next = runOn(io, stream->next());
  ASSERT_TRUE(next) << next.error().describe();
  EXPECT_GE(stream->reconnects(), 1);
  EXPECT_EQ(lives, 1 + stream->reconnects());  // once per connection
  EXPECT_GT(next->index, firstIndex);
  ASSERT_FALSE(next->events.empty());
  EXPECT_EQ(next->events[0].key, "ev-two");  // ev-one is not replayed after the reconnect
  stream->close();
  (*t)->shutdown();
  std::filesystem::remove_all(dataDir);
}

}  // namespace
}  // namespace nc::nomad
