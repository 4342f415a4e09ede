// nomad-sim's Vault templates against vault-sim: the config/jobs patterns render certificates
// that openssl verifies against the chain, with the right CN, TTL and perms; denied issues fail
// the task; renewal inside the 85-95 % window with the change_mode events; admin controls.
#include <set>
#include <thread>

#include "vault_fixture.hpp"

namespace nc::nomadsim::test {
namespace {

using namespace std::chrono_literals;

TEST_F(VaultTemplates, ServiceTemplateIssuesOneVerifiedCertificatePerTask) {
  registerHcl(jobFile("service-template"));
  Doc allocs = waitAllocs("service-template", "running", 2);
  std::set<std::string> serials;
  for (const auto& a : allocs.GetArray()) {
    std::string id = getString(a, "ID");
    fs::path s = allocRoot(id) / "proxy/secrets";
    std::string cert = readAll(s / "cert.pem");
    ASSERT_NE(cert.find("BEGIN CERTIFICATE"), std::string::npos) << cert;
    EXPECT_EQ(mode(s / "cert.pem"), 0644);
    EXPECT_EQ(mode(s / "key.pem"), 0600);
    EXPECT_EQ(mode(s / "ca.pem"), 0644);
    expectVerified(s / "cert.pem", s / "ca.pem");
    CertInfo ci = certInfo(cert);
    EXPECT_EQ(ci.cn, "service-template.service.consul");
    EXPECT_NEAR(ci.lifetime, 24 * 3600, 120);
    serials.insert(ci.serial);
    // The key belongs to the certificate: the three identical calls shared one issuance.
    std::string pub1 = run("openssl x509 -noout -pubkey -in " + (s / "cert.pem").string());
    std::string pub2 = run("openssl pkey -pubout -in " + (s / "key.pem").string());
    EXPECT_EQ(pub1, pub2);
    Doc st = templates("service-template");
    for (const auto& r : st.GetArray()) {
      if (getString(r, "AllocID") != id) continue;
      ASSERT_EQ(r["Secrets"].Size(), 1u);
      EXPECT_EQ(getInt(r["Secrets"][0], "Issues"), 1);
    }
    EXPECT_NE(readAll(s / "vault_token"), "");
    EXPECT_NE(readAll(allocRoot(id) / "proxy/local/nginx.conf").find("proxy_ssl_verify"),
              std::string::npos);
    auto ev = events(id, "proxy");
    EXPECT_TRUE(contains(ev, "Started|")) << ::testing::PrintToString(ev);
    EXPECT_FALSE(contains(ev, "Killing|"));
  }
  EXPECT_EQ(serials.size(), 2u);  // one certificate per allocation
}

TEST_F(VaultTemplates, BatchPrestartWritesCertificateIntoSharedAllocDir) {
  registerHcl(jobFile("batch-with-certs"));
  Doc allocs = waitAllocs("batch-with-certs", "complete", 1);
  std::string id = getString(allocs[0], "ID");
  fs::path tls = allocRoot(id) / "alloc/data/tls";
  expectVerified(tls / "cert.pem", tls / "ca.pem");
  CertInfo ci = certInfo(readAll(tls / "cert.pem"));
  EXPECT_EQ(ci.cn, "batch-with-certs.service.consul");
  EXPECT_NEAR(ci.lifetime, 3600, 120);
  EXPECT_EQ(mode(tls / "key.pem"), 0600);
  EXPECT_EQ(readAll(allocRoot(id) / "upload/local/report.json"),
            "{\"job\": \"batch-with-certs\", \"alloc\": \"" + id + "\"}\n");
  EXPECT_TRUE(templates("batch-with-certs").Empty());  // the prestart task ended: no renewals
}

TEST_F(VaultTemplates, PolicyDenyingIssueFailsTheTask) {
  registerHcl(jobFile("service-template"), {{"job \"service-template\"", "job \"denied\""},
                                            {"role = \"nomad-workloads\"", "role = \"no-issue\""},
                                            {"count = 2", "count = 1"}});
  Doc allocs = waitAllocs("denied", "failed", 1);
  std::string id = getString(allocs[0], "ID");
  Doc a = alloc(id);
  const Val& ts = a["TaskStates"]["proxy"];
  EXPECT_TRUE(ts["Failed"].GetBool());
  EXPECT_EQ(getString(ts, "State"), "dead");
  bool found = false;
  for (const auto& e : ts["Events"].GetArray()) {
    if (getString(e, "Type") != "Killing") continue;
    found = true;
    std::string msg = getString(e, "DisplayMessage");
    EXPECT_EQ(msg.rfind("Template failed: vault.write(pki-int/issue/nomad-job -> ", 0), 0u) << msg;
    EXPECT_NE(msg.find("Code: 403"), std::string::npos) << msg;
    EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
    EXPECT_TRUE(getBool(e, "FailsTask"));
  }
  EXPECT_TRUE(found) << toJson(ts);
  EXPECT_FALSE(fs::exists(allocRoot(id) / "proxy/secrets/cert.pem"));
}

TEST_F(VaultTemplates, AdminFailMakesRendersFailForTheJobOnly) {
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"failing","error":"simulated outage"})")
                .status,
            200);
  registerHcl(jobFile("service-template"),
              {{"job \"service-template\"", "job \"failing\""}, {"count = 2", "count = 1"}});
  Doc allocs = waitAllocs("failing", "failed", 1);
  auto ev = events(getString(allocs[0], "ID"), "proxy");
  EXPECT_TRUE(contains(ev, "Killing|Template failed: ")) << ::testing::PrintToString(ev);
  bool outage = false;
  for (const auto& e : ev) outage |= e.find("simulated outage") != std::string::npos;
  EXPECT_TRUE(outage);
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"failing","error":""})").status, 200);
  EXPECT_EQ(nomad("POST", "/_sim/templates/fail", R"({})").status, 400);
}

TEST_F(VaultTemplates, RenewalInsideTheWindowEmitsChangeModeEvents) {
  registerHcl(renewJob("renew", "20s", {{"sig", "signal"}, {"rst", "restart"}, {"nop", "noop"}}));
  Doc allocs = waitAllocs("renew", "running", 1);
  std::string id = getString(allocs[0], "ID");
  std::map<std::string, std::string> firstSerial;
  for (auto t : {"sig", "rst", "nop"})
    firstSerial[t] = certInfo(readAll(allocRoot(id) / t / "secrets/cert.pem")).serial;
  Doc st = templates("renew");
  ASSERT_EQ(st.Size(), 3u);
  for (const auto& r : st.GetArray()) {
    const Val& s = r["Secrets"][0];
    double life = static_cast<double>(getInt(s, "ExpiresAtMs") - getInt(s, "IssuedAtMs"));
    double frac = static_cast<double>(getInt(s, "RenewAtMs") - getInt(s, "IssuedAtMs")) / life;
    EXPECT_NEAR(life, 20000, 1500);
    EXPECT_GE(frac, 0.85);
    EXPECT_LE(frac, 0.95);
  }
  // Wait for every task's second issuance (at most 0.95 * 20s after the first).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool all = false;
  while (!all && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    all = true;
    const auto doc = templates("renew");  // named: GetArray() of a temporary would dangle
    for (const auto& r : doc.GetArray()) all &= getInt(r["Secrets"][0], "Issues") >= 2;
  }
  ASSERT_TRUE(all);
  std::this_thread::sleep_for(300ms);
  for (auto t : {"sig", "rst", "nop"}) {
    fs::path cert = allocRoot(id) / t / "secrets/cert.pem";
    EXPECT_NE(certInfo(readAll(cert)).serial, firstSerial[t]) << t;
  }
  auto sig = events(id, "sig");
  EXPECT_TRUE(contains(sig, "Signaling|Template re-rendered|hangup"))
      << ::testing::PrintToString(sig);
  auto rst = events(id, "rst");
  EXPECT_TRUE(contains(rst, "Restart Signaled|Template with change_mode restart re-rendered"))
      << ::testing::PrintToString(rst);
  EXPECT_TRUE(contains(rst, "Restarting|Task restarting in 0s"));
  EXPECT_EQ(alloc(id)["TaskStates"]["rst"]["Restarts"].GetInt(), 1);
  auto nop = events(id, "nop");
  EXPECT_FALSE(contains(nop, "Signaling|") || contains(nop, "Restart Signaled|"))
      << ::testing::PrintToString(nop);
}

TEST_F(VaultTemplates, PausedRenewalsWaitAndResumeReissues) {
  registerHcl(renewJob("paused", "6s", {{"t", "signal"}}));
  Doc allocs = waitAllocs("paused", "running", 1);
  ASSERT_EQ(nomad("POST", "/_sim/templates/renewals", R"({"job":"paused","paused":true})").status,
            200);
  std::this_thread::sleep_for(7s);
  Doc st = templates("paused");
  ASSERT_EQ(st.Size(), 1u);
  EXPECT_EQ(getInt(st[0]["Secrets"][0], "Issues"), 1);
  EXPECT_TRUE(getBool(st[0]["Secrets"][0], "RenewalDue"));
  ASSERT_EQ(nomad("POST", "/_sim/templates/renewals", R"({"job":"paused","paused":false})").status,
            200);
  std::this_thread::sleep_for(1s);
  EXPECT_GE(getInt(templates("paused")[0]["Secrets"][0], "Issues"), 2);
  EXPECT_TRUE(
      contains(events(getString(allocs[0], "ID"), "t"), "Signaling|Template re-rendered|hangup"));
}

TEST_F(VaultTemplates, ClientRestartReissuesAndReRenders) {
  registerHcl(renewJob("restarted", "1h", {{"t", "signal"}}));
  Doc allocs = waitAllocs("restarted", "running", 1);
  std::string id = getString(allocs[0], "ID");
  fs::path cert = allocRoot(id) / "t/secrets/cert.pem";
  std::string before = certInfo(readAll(cert)).serial;
  ASSERT_FALSE(before.empty());
  ASSERT_EQ(nomad("POST", "/_sim/client/restart", "{}").status, 200);
  std::string after = before;
  for (int i = 0; i < 100 && after == before; ++i) {
    std::this_thread::sleep_for(50ms);
    after = certInfo(readAll(cert)).serial;
  }
  EXPECT_NE(after, before);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(contains(events(id, "t"), "Signaling|Template re-rendered|hangup"));
}

}  // namespace
}  // namespace nc::nomadsim::test
