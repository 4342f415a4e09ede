// The Vault Agent sidecar pattern (config/jobs/service-with-tls) against vault-sim: Nomad renders
// the agent config with [[ ]] and derives the task's token; the simulated agent authenticates
// (token_file or jwt auto-auth with the workload identity), renders the certificate files into
// the shared alloc dir, renews them without Nomad events, and exits on a Vault failure.
#include <thread>

#include "vault_fixture.hpp"

namespace nc::nomadsim::test {
namespace {

using namespace std::chrono_literals;

/// Waits until the file exists and is not empty.
bool waitFile(const fs::path& p, std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    if (fs::exists(p, ec) && fs::file_size(p, ec) > 0) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

const char* kJwtAuth = R"(method {
              type       = "jwt"
              mount_path = "auth/jwt-nomad"
              config = {
                path = "/secrets/nomad_vault_default.jwt"
                role = "nomad-workloads"
              }
            })";

const char* kTokenFileAuth = R"(method {
              type = "token_file"
              config = {
                token_file_path = "/secrets/vault_token"
              }
            })";

TEST_F(VaultTemplates, AgentSidecarRendersVerifiedCertificateIntoAllocDir) {
  registerHcl(jobFile("service-with-tls"));
  Doc allocs = waitAllocs("service-with-tls", "running", 1);
  std::string id = getString(allocs[0], "ID");
  fs::path tls = allocRoot(id) / "alloc/tls";
  ASSERT_TRUE(waitFile(tls / "ca.pem")) << "the agent rendered nothing";
  ASSERT_TRUE(waitFile(tls / "cert.pem"));
  expectVerified(tls / "cert.pem", tls / "ca.pem");
  CertInfo ci = certInfo(readAll(tls / "cert.pem"));
  EXPECT_EQ(ci.cn, "service-with-tls.service.consul");
  EXPECT_NEAR(ci.lifetime, 24 * 3600, 120);
  EXPECT_EQ(mode(tls / "cert.pem"), 0644);
  EXPECT_EQ(mode(tls / "key.pem"), 0600);
  EXPECT_EQ(run("openssl x509 -noout -pubkey -in " + (tls / "cert.pem").string()),
            run("openssl pkey -pubout -in " + (tls / "key.pem").string()));
  // Nomad's side: the agent config keeps the agent's {{ }} actions, the token came from the vault
  // hook.
  std::string agentHcl = readAll(allocRoot(id) / "vault-agent/local/agent.hcl");
  EXPECT_NE(agentHcl.find("{{- with secret \"pki-int/issue/nomad-job\" "
                          "\"common_name=service-with-tls.service.consul\""),
            std::string::npos)
      << agentHcl;
  EXPECT_NE(readAll(allocRoot(id) / "vault-agent/secrets/vault_token"), "");
  Doc st = templates("service-with-tls");
  bool agent = false;
  for (const auto& r : st.GetArray()) {
    if (!getBool(r, "Agent")) continue;
    agent = true;
    EXPECT_EQ(getString(r, "Task"), "vault-agent");
    ASSERT_EQ(r["Secrets"].Size(), 1u);  // three identical calls, one issuance
    EXPECT_EQ(getInt(r["Secrets"][0], "Issues"), 1);
  }
  EXPECT_TRUE(agent) << toJson(st);
  for (const auto& task : {"vault-agent", "app"}) {
    auto ev = events(id, task);
    EXPECT_TRUE(contains(ev, "Started|")) << task;
    EXPECT_FALSE(contains(ev, "Killing|") || contains(ev, "Terminated|"))
        << ::testing::PrintToString(ev);
  }
  // What the certificate watcher reads: the file through the fs API.
  Reply cat = nomad("GET", "/v1/client/fs/cat/" + id + "?path=alloc/tls/cert.pem");
  EXPECT_EQ(cat.status, 200);
  EXPECT_EQ(cat.body, readAll(tls / "cert.pem"));
}

TEST_F(VaultTemplates, AgentJwtAutoAuthRenewsInsideTheWindowWithoutNomadEvents) {
  registerHcl(jobFile("service-with-tls"), {{"job \"service-with-tls\"", "job \"agent-jwt\""},
                                            {kTokenFileAuth, kJwtAuth},
                                            {"\"ttl=24h\"", "\"ttl=6s\""}});
  Doc allocs = waitAllocs("agent-jwt", "running", 1);
  std::string id = getString(allocs[0], "ID");
  fs::path cert = allocRoot(id) / "alloc/tls/cert.pem";
  ASSERT_TRUE(waitFile(cert));
  ASSERT_NE(readAll(allocRoot(id) / "vault-agent/local/agent.hcl").find("type       = \"jwt\""),
            std::string::npos);
  std::string first = certInfo(readAll(cert)).serial;
  EXPECT_EQ(certInfo(readAll(cert)).cn, "agent-jwt.service.consul");
  std::string now = first;
  for (int i = 0; i < 150 && now == first; ++i) {
    std::this_thread::sleep_for(100ms);
    now = certInfo(readAll(cert)).serial;
  }
  EXPECT_NE(now, first) << "the agent did not renew";
  const Doc st = templates("agent-jwt");
  for (const auto& r : st.GetArray()) {
    if (!getBool(r, "Agent")) continue;
    const Val& s = r["Secrets"][0];
    double frac = static_cast<double>(getInt(s, "RenewAtMs") - getInt(s, "IssuedAtMs")) /
                  static_cast<double>(getInt(s, "ExpiresAtMs") - getInt(s, "IssuedAtMs"));
    EXPECT_GE(frac, 0.80);
    EXPECT_LE(frac, 0.96);
  }
  // Agent renders are invisible to Nomad: no change_mode events on either task.
  for (const auto& task : {"vault-agent", "app"}) {
    auto ev = events(id, task);
    EXPECT_FALSE(contains(ev, "Signaling|") || contains(ev, "Restart Signaled|"))
        << ::testing::PrintToString(ev);
  }
}

TEST_F(VaultTemplates, AgentExitsOnVaultFailureAndTheAllocationFails) {
  ASSERT_EQ(
      nomad("POST", "/_sim/templates/fail", R"({"job":"agent-fail","error":"simulated outage"})")
          .status,
      200);
  registerHcl(jobFile("service-with-tls"), {{"job \"service-with-tls\"", "job \"agent-fail\""}});
  Doc allocs = waitAllocs("agent-fail", "failed", 1);
  std::string id = getString(allocs[0], "ID");
  auto ev = events(id, "vault-agent");
  EXPECT_TRUE(contains(ev, "Started|")) << ::testing::PrintToString(ev);
  EXPECT_TRUE(contains(ev, "Terminated|Exit Code: 1")) << ::testing::PrintToString(ev);
  EXPECT_TRUE(
      contains(events(id, "app"), "Sibling Task Failed|Task's sibling \"vault-agent\" failed"));
  EXPECT_NE(readAll(allocRoot(id) / "alloc/logs/vault-agent.stderr.0").find("simulated outage"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(allocRoot(id) / "alloc/tls/cert.pem"));
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"agent-fail","error":""})").status,
            200);
}

}  // namespace
}  // namespace nc::nomadsim::test
