// nomad-sim's Vault templates against vault-sim: the config/jobs patterns render certificates
// that openssl verifies against the chain, with the right CN, TTL and perms; denied issues fail
// the task; renewal inside the 85-95 % window with the change_mode events; admin controls.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../clients/sim_process.hpp"
#include "json.hpp"
#include "sim_client.hpp"

namespace nc::nomadsim::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string jsonStr(const std::string& s) { return toJson(Val(rapidjson::StringRef(s.c_str(), s.size()))); }

struct CertInfo {
  std::string cn, serial;
  long lifetime = 0;   ///< notAfter - now, seconds
};

CertInfo certInfo(const std::string& pem) {
  CertInfo out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (x == nullptr) return out;
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof buf);
  out.cn = buf;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  char* hex = BN_bn2hex(bn);
  out.serial = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x));
  out.lifetime = days * 86400L + secs;
  X509_free(x);
  return out;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

int mode(const fs::path& p) { return static_cast<int>(fs::status(p).permissions()) & 0777; }

class VaultTemplates : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("nomad-sim-vault-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    vault_ = new nc::testing::SimProcess(nc::testing::binaryPath("vault-sim"),
                                         {"--listen", "127.0.0.1:0", "--root-token", "root"});
    nomad_ = new SimProcess({"--data-dir", dir_->string(), "--vault-addr", vault_->url(),
                             "--vault-retry-attempts", "2", "--vault-retry-base-ms", "50"});
    bootstrapVault();
  }
  static void TearDownTestSuite() {
    delete nomad_;
    delete vault_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static unsigned short vaultPort() {
    return static_cast<unsigned short>(std::stoi(vault_->url().substr(vault_->url().rfind(':') + 1)));
  }
  static Doc vault(const std::string& method, const std::string& path, const std::string& body) {
    auto r = request(vaultPort(), method, "/v1/" + path, body, {{"X-Vault-Token", "root"}});
    EXPECT_LT(r.status, 300) << path << ": " << r.body;
    auto d = parseJson(r.body.empty() ? "{}" : r.body);
    return d ? std::move(d.value()) : Doc(rapidjson::kObjectType);
  }
  static void bootstrapVault() {
    vault("POST", "sys/mounts/pki", R"({"type":"pki","config":{"max_lease_ttl":"87600h"}})");
    Doc root = vault("POST", "pki/root/generate/internal", R"({"common_name":"Sim Root","ttl":"87600h"})");
    std::ofstream(*dir_ / "root.pem") << getString(root["data"], "certificate") << "\n";
    vault("POST", "sys/mounts/pki-int", R"({"type":"pki","config":{"max_lease_ttl":"43800h"}})");
    Doc csr = vault("POST", "pki-int/intermediate/generate/internal", R"({"common_name":"Sim Intermediate"})");
    Doc signed_ = vault("POST", "pki/root/sign-intermediate",
                        "{\"csr\":" + jsonStr(getString(csr["data"], "csr")) + ",\"format\":\"pem\",\"ttl\":\"43800h\"}");
    vault("POST", "pki-int/intermediate/set-signed", "{\"certificate\":" + jsonStr(getString(signed_["data"], "certificate")) + "}");
    vault("POST", "pki-int/roles/nomad-job", R"({"allowed_domains":["service.consul"],"allow_subdomains":true,"max_ttl":"72h"})");
    vault("PUT", "sys/policies/acl/nomad-workloads",
          R"({"policy":"path \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n"})");
    vault("PUT", "sys/policies/acl/no-issue", R"({"policy":"path \"pki-int/cert/*\" {\n  capabilities = [\"read\"]\n}\n"})");
    vault("POST", "sys/auth/jwt-nomad", R"({"type":"jwt"})");
    vault("POST", "auth/jwt-nomad/config",
          "{\"jwks_url\":\"" + nomad_->url() + "/.well-known/jwks.json\",\"jwt_supported_algs\":[\"RS256\",\"EdDSA\"],"
          "\"default_role\":\"nomad-workloads\"}");
    for (auto [role, policy] : {std::pair{"nomad-workloads", "nomad-workloads"}, std::pair{"no-issue", "no-issue"}}) {
      vault("POST", std::string("auth/jwt-nomad/role/") + role,
            std::string(R"({"role_type":"jwt","bound_audiences":["vault.io"],"user_claim":"/nomad_job_id",)"
                        R"("user_claim_json_pointer":true,"token_type":"service","token_period":"30m","token_policies":[")") +
                policy + "\"]}");
    }
  }

  Reply nomad(const std::string& method, const std::string& target, const std::string& body = "") {
    return request(nomad_->port(), method, target, body);
  }
  void registerHcl(std::string hcl, const std::map<std::string, std::string>& replace = {}) {
    for (const auto& [from, to] : replace) {
      for (auto p = hcl.find(from); p != std::string::npos; p = hcl.find(from, p + to.size())) hcl.replace(p, from.size(), to);
    }
    auto parsed = nomad("POST", "/v1/jobs/parse", "{\"JobHCL\":" + jsonStr(hcl) + "}");
    ASSERT_EQ(parsed.status, 200) << parsed.body;
    auto reg = nomad("PUT", "/v1/jobs", "{\"Job\":" + parsed.body + "}");
    ASSERT_EQ(reg.status, 200) << reg.body;
  }
  std::string jobFile(const std::string& name) {
    return readAll(fs::path(NC_SOURCE_DIR) / "config/jobs" / (name + ".nomad.hcl"));
  }
  /// Waits until `count` allocations of the job have the client status.
  Doc waitAllocs(const std::string& job, const std::string& status, std::size_t count, std::chrono::seconds limit = 20s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    Doc d;
    while (std::chrono::steady_clock::now() < deadline) {
      d = std::move(parseJson(nomad("GET", "/v1/job/" + job + "/allocations").body).value());
      std::size_t n = 0;
      for (const auto& a : d.GetArray()) n += getString(a, "ClientStatus") == status;
      if (n == count) return d;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "job " << job << " did not reach " << count << " x " << status << ": " << toJson(d);
    return d;
  }
  Doc templates(const std::string& job) {
    return std::move(parseJson(nomad("GET", "/_sim/templates?job=" + job).body).value());
  }
  Doc alloc(const std::string& id) { return std::move(parseJson(nomad("GET", "/v1/allocation/" + id).body).value()); }
  /// The task's events as "Type|DisplayMessage|task_signal".
  std::vector<std::string> events(const std::string& allocId, const std::string& task) {
    std::vector<std::string> out;
    Doc a = alloc(allocId);
    for (const auto& e : a["TaskStates"][task.c_str()]["Events"].GetArray()) {
      std::string sig = e.HasMember("Details") ? getString(e["Details"], "task_signal") : "";
      out.push_back(getString(e, "Type") + "|" + getString(e, "DisplayMessage") + (sig.empty() ? "" : "|" + sig));
    }
    return out;
  }
  void expectVerified(const fs::path& cert, const fs::path& chain) {
    std::string out = run("openssl verify -CAfile " + (*dir_ / "root.pem").string() + " -untrusted " + chain.string() +
                          " " + cert.string());
    EXPECT_NE(out.find(": OK"), std::string::npos) << out;
  }
  fs::path allocRoot(const std::string& id) { return *dir_ / "alloc" / id; }

  static fs::path* dir_;
  static nc::testing::SimProcess* vault_;
  static SimProcess* nomad_;
};
fs::path* VaultTemplates::dir_ = nullptr;
nc::testing::SimProcess* VaultTemplates::vault_ = nullptr;
SimProcess* VaultTemplates::nomad_ = nullptr;

bool contains(const std::vector<std::string>& v, const std::string& prefix) {
  for (const auto& s : v) {
    if (s.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

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
    EXPECT_NE(readAll(allocRoot(id) / "proxy/local/nginx.conf").find("proxy_ssl_verify"), std::string::npos);
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
  registerHcl(jobFile("service-template"),
              {{"job \"service-template\"", "job \"denied\""}, {"role = \"nomad-workloads\"", "role = \"no-issue\""},
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
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"failing","error":"simulated outage"})").status, 200);
  registerHcl(jobFile("service-template"), {{"job \"service-template\"", "job \"failing\""}, {"count = 2", "count = 1"}});
  Doc allocs = waitAllocs("failing", "failed", 1);
  auto ev = events(getString(allocs[0], "ID"), "proxy");
  EXPECT_TRUE(contains(ev, "Killing|Template failed: ")) << ::testing::PrintToString(ev);
  bool outage = false;
  for (const auto& e : ev) outage |= e.find("simulated outage") != std::string::npos;
  EXPECT_TRUE(outage);
  ASSERT_EQ(nomad("POST", "/_sim/templates/fail", R"({"job":"failing","error":""})").status, 200);
  EXPECT_EQ(nomad("POST", "/_sim/templates/fail", R"({})").status, 400);
}

// Three tasks with a 20s certificate: signal, restart and noop change modes.
const char* kRenewJob = R"(
job "renew" {
  datacenters = ["*"]
  group "g" {
    TASKS
  }
}
)";
const char* kRenewTask = R"(
    task "NAME" {
      driver = "docker"
      config { image = "busybox" }
      vault { role = "nomad-workloads" }
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }
      template {
        destination = "secrets/cert.pem"
        change_mode = "MODE"
        EXTRA
        data = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" "common_name=renew.service.consul" "ttl=TTL" -}}
          {{ .Data.certificate }}
          {{- end }}
        EOT
      }
    }
)";

std::string renewJob(const std::string& name, const std::string& ttl,
                     const std::vector<std::pair<std::string, std::string>>& tasks) {
  std::string all;
  for (const auto& [task, mode] : tasks) {
    std::string t = kRenewTask;
    auto rep = [&t](const std::string& from, const std::string& to) {
      for (auto p = t.find(from); p != std::string::npos; p = t.find(from)) t.replace(p, from.size(), to);
    };
    rep("NAME", task);
    rep("MODE", mode);
    rep("EXTRA", mode == "signal" ? "change_signal = \"SIGHUP\"" : "");
    rep("TTL", ttl);
    all += t;
  }
  std::string j = kRenewJob;
  j.replace(j.find("TASKS"), 5, all);
  j.replace(j.find("\"renew\""), 7, "\"" + name + "\"");
  return j;
}

TEST_F(VaultTemplates, RenewalInsideTheWindowEmitsChangeModeEvents) {
  registerHcl(renewJob("renew", "20s", {{"sig", "signal"}, {"rst", "restart"}, {"nop", "noop"}}));
  Doc allocs = waitAllocs("renew", "running", 1);
  std::string id = getString(allocs[0], "ID");
  std::map<std::string, std::string> firstSerial;
  for (auto t : {"sig", "rst", "nop"}) firstSerial[t] = certInfo(readAll(allocRoot(id) / t / "secrets/cert.pem")).serial;
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
  EXPECT_TRUE(contains(sig, "Signaling|Template re-rendered|hangup")) << ::testing::PrintToString(sig);
  auto rst = events(id, "rst");
  EXPECT_TRUE(contains(rst, "Restart Signaled|Template with change_mode restart re-rendered"))
      << ::testing::PrintToString(rst);
  EXPECT_TRUE(contains(rst, "Restarting|Task restarting in 0s"));
  EXPECT_EQ(alloc(id)["TaskStates"]["rst"]["Restarts"].GetInt(), 1);
  auto nop = events(id, "nop");
  EXPECT_FALSE(contains(nop, "Signaling|") || contains(nop, "Restart Signaled|")) << ::testing::PrintToString(nop);
}

TEST_F(VaultTemplates, PausedRenewalsWaitAndResumeReissues) {
  registerHcl(renewJob("paused", "6s", {{"t", "signal"}}));
  Doc allocs = waitAllocs("paused", "running", 1);
  ASSERT_EQ(nomad("POST", "/_sim/templates/renewals", R"({"job":"paused","paused":true})").status, 200);
  std::this_thread::sleep_for(7s);
  Doc st = templates("paused");
  ASSERT_EQ(st.Size(), 1u);
  EXPECT_EQ(getInt(st[0]["Secrets"][0], "Issues"), 1);
  EXPECT_TRUE(getBool(st[0]["Secrets"][0], "RenewalDue"));
  ASSERT_EQ(nomad("POST", "/_sim/templates/renewals", R"({"job":"paused","paused":false})").status, 200);
  std::this_thread::sleep_for(1s);
  EXPECT_GE(getInt(templates("paused")[0]["Secrets"][0], "Issues"), 2);
  EXPECT_TRUE(contains(events(getString(allocs[0], "ID"), "t"), "Signaling|Template re-rendered|hangup"));
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
