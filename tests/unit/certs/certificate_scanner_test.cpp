// The scanner over a fake AllocationReader holding real certificates: reads, cache, alerts.
#include "certs/certificate_scanner.hpp"

#include <gtest/gtest.h>

#include "scanner_fakes.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

class ScannerTest : public ScannerTestBase {
 protected:
  ScannerTest() : ScannerTestBase(ScanOptions{3, Duration::seconds(60)}) {}
};

TEST_F(ScannerTest, ReadsSecretsThroughExecAndSharedFilesThroughFs) {
  reader_->allocs["web"] = {running("a1", "web"), running("a2", "web")};
  auto leaf = pki_.issue("web.service.consul", 86400);
  reader_->files["a1/server/secrets/cert.pem"] = {leaf.certPem};
  reader_->files["a2/server/secrets/cert.pem"] = {leaf.certPem};
  reader_->allocs["batch"] = {running("b1", "batch")};
  reader_->files["b1/alloc/data/cert.pem"] = {pki_.issue("batch.service.consul", 3600).certPem};

  auto r = scan({spec("web", "secrets/cert.pem"), spec("batch", "alloc/data/cert.pem")});
  ASSERT_EQ(r.rows.size(), 3u);
  for (const auto& row : r.rows) EXPECT_EQ(row->state, CertState::ok) << row->message();
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_EQ(reader_->execs, 2);
  EXPECT_EQ(reader_->cats, 1);
  EXPECT_EQ(r.filesRead, 3u);

  auto again = scan({spec("web", "secrets/cert.pem"), spec("batch", "alloc/data/cert.pem")});
  EXPECT_EQ(again.cacheHits, 3u);
  EXPECT_EQ(again.filesRead, 0u);
  EXPECT_EQ(reader_->execs, 2);

  reader_->files["a1/server/secrets/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem,
                                                  "2026-01-02T00:00:00Z"};  // re-rendered
  auto third = scan({spec("web", "secrets/cert.pem")});
  EXPECT_EQ(third.filesRead, 1u);
  EXPECT_EQ(reader_->execs, 3);
}

TEST_F(ScannerTest, AChangedCaChainRechecksCachedFilesAndNoChainSkipsTheCheck) {
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/server/local/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem};
  ASSERT_EQ(scan({spec("web", "local/cert.pem")}).rows.at(0)->reason, "Valid");
  EXPECT_EQ(scan({spec("web", "local/cert.pem")}).cacheHits, 1u);  // same chain text: reused
  EXPECT_EQ(reader_->cats, 1);

  testing::TestPki other;  // Vault's CA rotated: the cached verdict no longer holds
  auto rotated = scanWith({spec("web", "local/cert.pem")}, {{"pki-int", other.caChainPem()}});
  EXPECT_EQ(rotated.filesRead, 1u);
  EXPECT_EQ(rotated.rows.at(0)->reason, "UntrustedIssuer");
  auto unknown = scanWith({spec("web", "local/cert.pem")}, {});
  EXPECT_EQ(unknown.filesRead, 1u);
  EXPECT_EQ(unknown.rows.at(0)->state, CertState::ok);
  EXPECT_NE(unknown.rows.at(0)->message().find("issuer chain not checked"), std::string::npos);
  EXPECT_EQ(reader_->cats, 3);
}

TEST_F(ScannerTest, RaisesTheRightAlerts) {
  reader_->allocs["web"] = {running("ok", "web"), running("missing", "web"),
                            running("wrongcn", "web"), running("foreign", "web"),
                            running("garbage", "web")};
  reader_->files["ok/server/local/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem};
  reader_->files["wrongcn/server/local/cert.pem"] = {
      pki_.issue("db.service.consul", 86400).certPem};
  reader_->files["foreign/server/local/cert.pem"] = {
      pki_.issueForeign("web.service.consul", 86400).certPem};
  reader_->files["garbage/server/local/cert.pem"] = {"-----BEGIN CERTIFICATE-----\nnope\n"};
  auto r = scan({spec("web", "local/cert.pem")});
  ASSERT_EQ(r.rows.size(), 5u);
  EXPECT_EQ(row(r, "ok")->state, CertState::ok);
  EXPECT_EQ(row(r, "missing")->state, CertState::missing);
  EXPECT_EQ(row(r, "wrongcn")->reason, "NameMismatch");
  EXPECT_EQ(row(r, "foreign")->reason, "UntrustedIssuer");
  EXPECT_EQ(row(r, "garbage")->reason, "Unparseable");
  std::map<std::string, std::string> byAlloc;
  for (const auto& a : r.alerts) byAlloc[a.labels.at("alloc_id")] = a.name;
  EXPECT_EQ(byAlloc.size(), 4u);
  EXPECT_EQ(byAlloc["missing"], "CertificateMissing");
  EXPECT_EQ(byAlloc["wrongcn"], "CertificateInvalid");
  EXPECT_EQ(byAlloc["foreign"], "CertificateInvalid");
  EXPECT_EQ(byAlloc["garbage"], "CertificateInvalid");
}

TEST_F(ScannerTest, OverdueThenExpiredAsTimePasses) {
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->files["a1/server/secrets/cert.pem"] = {pki_.issue("web.service.consul", 86400).certPem};
  clock_->advance(23h);
  auto overdue = scan({spec("web", "secrets/cert.pem")});
  ASSERT_EQ(overdue.alerts.size(), 1u);
  EXPECT_EQ(overdue.alerts[0].name, "CertificateRenewalDue");
  EXPECT_EQ(overdue.alerts[0].severity, events::Severity::warning);
  EXPECT_TRUE(overdue.alerts[0].annotations.count("remaining"));
  clock_->advance(2h);
  auto expired = scan({spec("web", "secrets/cert.pem")});
  ASSERT_EQ(expired.alerts.size(), 1u);
  EXPECT_EQ(expired.alerts[0].name, "CertificateExpired");
  EXPECT_EQ(expired.alerts[0].severity, events::Severity::critical);
}

TEST_F(ScannerTest, TemplateFailuresAndUnreachableJobs) {
  auto failed = templateFailed("f1", "web");
  failed.taskStates["server"].state = "dead";
  reader_->allocs["web"] = {failed};
  reader_->failingJobs = {"db"};
  auto r = scan({spec("web", "secrets/cert.pem"), spec("db", "secrets/cert.pem")});
  EXPECT_TRUE(r.rows.empty());
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].name, "TemplateRenderFailed");
  EXPECT_NE(r.alerts[0].annotations.at("description").find("permission denied"), std::string::npos);
  EXPECT_EQ(r.failedJobs, std::vector<std::string>{"db"});
  EXPECT_EQ(r.errors.size(), 1u);
}

TEST_F(ScannerTest, SkipsFinishedPrestartTasks) {
  auto alloc = running("b1", "batch");
  alloc.taskStates["fetch"].state = "dead";
  reader_->allocs["batch"] = {alloc};
  auto s = spec("batch", "secrets/cert.pem");
  s.task = "fetch";
  EXPECT_TRUE(scan({s}).rows.empty());
}

// Jobs are listed and files read by the same bounded pool, each job's allocations turned into
// reads as soon as it is listed; rows still come out in declaration order.
TEST_F(ScannerTest, ListsAndReadsConcurrentlyWithinTheLimitAndKeepsDeclarationOrder) {
  reader_->yield = true;
  std::vector<CertificateSpec> specs;
  for (std::string job : {"a", "b", "c", "d", "e"}) {
    std::string pem = pki_.issue(job + ".service.consul", 86400).certPem;
    for (int i = 0; i < 2; ++i) {
      std::string id = job + std::to_string(i);
      reader_->allocs[job].push_back(running(id, job));
      reader_->files[id + "/server/local/cert.pem"] = {pem};
      reader_->files[id + "/server/local/other.pem"] = {pem};
    }
    specs.push_back(spec(job, "local/cert.pem"));
  }
  specs.push_back(spec("a", "local/other.pem"));  // a second certificate of job a, declared last
  auto r = scan(specs);
  EXPECT_EQ(reader_->listed.size(), 5u);  // once per job
  EXPECT_EQ(reader_->maxInFlight, 3);     // ScanOptions concurrency
  EXPECT_GT(reader_->maxListsInFlight, 1);
  auto& calls = reader_->calls;  // reads begin before the last job is listed
  EXPECT_LT(std::find(calls.begin(), calls.end(), "stat") - calls.begin(),
            std::find(calls.rbegin(), calls.rend(), "list").base() - calls.begin());
  std::vector<std::string> order;
  for (const auto& row : r.rows) order.push_back(row->allocId.str() + ":" + row->path());
  EXPECT_EQ(order, (std::vector<std::string>{
                       "a0:local/cert.pem", "a1:local/cert.pem", "b0:local/cert.pem",
                       "b1:local/cert.pem", "c0:local/cert.pem", "c1:local/cert.pem",
                       "d0:local/cert.pem", "d1:local/cert.pem", "e0:local/cert.pem",
                       "e1:local/cert.pem", "a0:local/other.pem", "a1:local/other.pem"}));
  for (const auto& row : r.rows) EXPECT_EQ(row->state, CertState::ok) << row->message();
  EXPECT_EQ(r.allocations, 10u);
}

TEST(AllocPath, MapsTaskAndAllocPaths) {
  CertificateSpec s;
  s.task = "web";
  s.path = "secrets/cert.pem";
  EXPECT_EQ(allocPath(s), "web/secrets/cert.pem");
  s.path = "/alloc/data/cert.pem";
  EXPECT_EQ(allocPath(s), "alloc/data/cert.pem");
  EXPECT_TRUE(needsExec("private/key"));
  EXPECT_FALSE(needsExec("local/cert.pem"));
}

// The allocation lists of the previous scan stand in for new ones only while they are trusted
// (the daemon's event stream is live), until the job is invalidated or the lists age out.
TEST_F(ScannerTest, KeptListsAreReusedOnlyWhileTrustedAndUntilInvalidated) {
  const auto leaf = pki_.issue("web.service.consul", 86400).certPem;
  reader_->allocs["web"] = {running("a1", "web"), templateFailed("f1", "web")};
  reader_->allocs["api"] = {running("b1", "api")};
  reader_->files["a1/server/local/cert.pem"] = {leaf};
  reader_->files["b1/server/local/cert.pem"] = {pki_.issue("api.service.consul", 86400).certPem};
  const std::vector<CertificateSpec> specs = {spec("web", "local/cert.pem"),
                                              spec("api", "local/cert.pem")};

  EXPECT_EQ(scan(specs).jobsListed, 2u);
  EXPECT_EQ(scan(specs).jobsListed, 2u);  // not trusted: every scan lists
  scanner_.trustListings(true);
  EXPECT_EQ(scan(specs).jobsListed, 2u);
  reader_->calls.clear();
  auto reused = scan(specs);
  EXPECT_EQ(reused.jobsListed, 0u);
  EXPECT_EQ(reused.listingsReused, 2u);
  EXPECT_EQ(std::count(reader_->calls.begin(), reader_->calls.end(), "stat"), 2);  // still read
  ASSERT_EQ(reused.rows.size(), 2u);
  EXPECT_EQ(reused.rows[0]->allocId, "a1");
  EXPECT_EQ(reused.rows[1]->allocId, "b1");
  EXPECT_EQ(reused.allocations, 3u);
  ASSERT_EQ(reused.alerts.size(), 1u);
  EXPECT_EQ(reused.alerts[0].name, "TemplateRenderFailed");

  reader_->allocs["web"].push_back(running("a3", "web"));
  reader_->files["a3/server/local/cert.pem"] = {leaf};
  EXPECT_EQ(scan(specs).rows.size(), 2u);  // nothing said the job changed
  scanner_.invalidateJob("web");
  reader_->listed.clear();
  auto relisted = scan(specs);
  EXPECT_EQ(reader_->listed, std::vector<std::string>{"web"});
  EXPECT_EQ(relisted.rows.size(), 3u);

  clock_->advance(std::chrono::seconds(601));  // past relistInterval (10 min)
  EXPECT_EQ(scan(specs).jobsListed, 2u);
  auto otherTask = specs;
  otherTask[1].task = "sidecar";
  EXPECT_EQ(scan(otherTask).jobsListed, 1u);  // a list is kept for the tasks it was made for
  scanner_.trustListings(false);
  EXPECT_EQ(scan(specs).jobsListed, 2u);
  EXPECT_EQ(scanner_.listingsKept(), 0u);
}

TEST_F(ScannerTest, AKeptListGivesBackEveryAllocationOfEverySpecInOrder) {
  const auto leaf = pki_.issue("web.service.consul", 86400).certPem;
  reader_->allocs["web"] = {running("a1", "web"), running("a2", "web"), running("a3", "web")};
  for (auto& a : reader_->allocs["web"]) a.taskStates["sidecar"].state = "running";
  for (const char* id : {"a1", "a2", "a3"}) {
    reader_->files[std::string(id) + "/server/local/cert.pem"] = {leaf};
    reader_->files[std::string(id) + "/sidecar/local/cert.pem"] = {leaf};
  }
  auto sidecar = spec("web", "local/cert.pem");
  sidecar.task = "sidecar";
  const std::vector<CertificateSpec> specs = {spec("web", "local/cert.pem"), sidecar};
  scanner_.trustListings(true);
  const ScanResult listed = scan(specs);
  ASSERT_EQ(listed.jobsListed, 1u);
  const ScanResult reused = scan(specs);
  ASSERT_EQ(reused.listingsReused, 1u);
  ASSERT_EQ(reused.rows.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(reused.rows[i]->allocId, listed.rows[i]->allocId) << i;
    EXPECT_EQ(reused.rows[i]->task(), listed.rows[i]->task()) << i;
  }
  EXPECT_EQ(reused.rows[2]->allocId, "a3");
  EXPECT_EQ(reused.rows[3]->task(), "sidecar");

  // Kept IDs are given back as listed: Nomad's UUIDs (held as bytes) and any other text.
  const std::string uuid = "5c0c5bde-4b2a-4f7e-9b1e-0a1b2c3d4e5f";
  const std::string odd("a\0B", 3);
  reader_->allocs["web"] = {running(uuid, "web"), running(odd, "web")};
  for (const std::string& id : {uuid, odd}) reader_->files[id + "/server/local/cert.pem"] = {leaf};
  const std::vector<CertificateSpec> one = {spec("web", "local/cert.pem")};
  scanner_.invalidateJob("web");
  ASSERT_EQ(scan(one).jobsListed, 1u);
  const ScanResult again = scan(one);
  ASSERT_EQ(again.listingsReused, 1u);
  ASSERT_EQ(again.rows.size(), 2u);
  EXPECT_EQ(again.rows[0]->allocId.str(), uuid);
  EXPECT_EQ(again.rows[1]->allocId.str(), odd);
  EXPECT_EQ(again.rows[1]->state, CertState::ok) << again.rows[1]->message();
}

TEST_F(ScannerTest, AJobInvalidatedWhileItsListIsInFlightIsListedAgain) {
  reader_->yield = true;
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->allocs["api"] = {running("b1", "api")};
  const std::vector<CertificateSpec> specs = {spec("web", "local/cert.pem"),
                                              spec("api", "local/cert.pem")};
  scanner_.trustListings(true);
  reader_->whileListing = [this](const std::string& job) {
    if (job == "web") scanner_.invalidateJob("web");
  };
  EXPECT_EQ(scan(specs).jobsListed, 2u);
  reader_->whileListing = nullptr;
  reader_->listed.clear();
  auto second = scan(specs);
  EXPECT_EQ(reader_->listed, std::vector<std::string>{"web"});
  EXPECT_EQ(second.listingsReused, 1u);
  EXPECT_EQ(scanner_.listingsKept(), 2u);
}

TEST_F(ScannerTest, ListsRequestedOnceTrustStartsMidScanAreKept) {
  // The daemon trusts lists from the moment its event stream stands, which at start falls
  // within the first scan: a list already in flight then is not kept, later ones are.
  reader_->allocs["web"] = {running("a1", "web")};
  reader_->allocs["api"] = {running("b1", "api")};
  const std::vector<CertificateSpec> specs = {spec("web", "local/cert.pem"),
                                              spec("api", "local/cert.pem")};
  reader_->whileListing = [this](const std::string& job) {
    if (job == "web") scanner_.trustListings(true);
  };
  EXPECT_EQ(scan(specs).jobsListed, 2u);
  EXPECT_EQ(scanner_.listingsKept(), 1u);
  reader_->whileListing = nullptr;
  reader_->listed.clear();
  const ScanResult second = scan(specs);
  EXPECT_EQ(reader_->listed, std::vector<std::string>{"web"});
  EXPECT_EQ(second.listingsReused, 1u);
}

}  // namespace
}  // namespace nc::certs
