// The Vault template test fixture (see vault_fixture.hpp).
#include "vault_fixture.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace nc::nomadsim::test {

using namespace std::chrono_literals;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string jsonStr(const std::string& s) {
  return toJson(Val(rapidjson::StringRef(s.c_str(), s.size())));
}

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

int mode(const fs::path& p) {
  return static_cast<int>(fs::status(p).permissions()) & 0777;
}

bool contains(const std::vector<std::string>& v, const std::string& prefix) {
  for (const auto& s : v) {
    if (s.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

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
        splay       = "SPLAY"
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
                     const std::vector<std::pair<std::string, std::string>>& tasks,
                     const std::string& splay, const std::map<std::string, std::string>& extra) {
  std::string all;
  for (const auto& [task, mode] : tasks) {
    std::string t = kRenewTask;
    auto rep = [&t](const std::string& from, const std::string& to) {
      for (auto p = t.find(from); p != std::string::npos; p = t.find(from))
        t.replace(p, from.size(), to);
    };
    rep("NAME", task);
    rep("MODE", mode);
    rep("SPLAY", splay);
    auto x = extra.find(task);
    rep("EXTRA", x != extra.end()   ? x->second
                 : mode == "signal" ? "change_signal = \"SIGHUP\""
                                    : "");
    rep("TTL", ttl);
    all += t;
  }
  std::string j = kRenewJob;
  j.replace(j.find("TASKS"), 5, all);
  j.replace(j.find("\"renew\""), 7, "\"" + name + "\"");
  return j;
}

fs::path* VaultTemplates::dir_ = nullptr;
nc::testing::SimProcess* VaultTemplates::vault_ = nullptr;
SimProcess* VaultTemplates::nomad_ = nullptr;

void VaultTemplates::SetUpTestSuite() {
  dir_ =
      new fs::path(fs::temp_directory_path() / ("nomad-sim-vault-" + std::to_string(::getpid())));
  fs::create_directories(*dir_);
  vault_ = new nc::testing::SimProcess(nc::testing::binaryPath("vault-sim"),
                                       {"--listen", "127.0.0.1:0", "--root-token", "root"});
  nomad_ = new SimProcess({"--data-dir", dir_->string(), "--vault-addr", vault_->url(),
                           "--vault-retry-attempts", "3", "--vault-retry-base-ms", "200",
                           "--template-event-rate-ms", "150"});
  bootstrapVault();
}

void VaultTemplates::TearDownTestSuite() {
  delete nomad_;
  delete vault_;
  fs::remove_all(*dir_);
  delete dir_;
}

unsigned short VaultTemplates::vaultPort() {
  return static_cast<unsigned short>(std::stoi(vault_->url().substr(vault_->url().rfind(':') + 1)));
}

Doc VaultTemplates::vault(const std::string& method, const std::string& path,
                          const std::string& body) {
  auto r = request(vaultPort(), method, "/v1/" + path, body, {{"X-Vault-Token", "root"}});
  EXPECT_LT(r.status, 300) << path << ": " << r.body;
  auto d = parseJson(r.body.empty() ? "{}" : r.body);
  return d ? std::move(d.value()) : Doc(rapidjson::kObjectType);
}

void VaultTemplates::bootstrapVault() {
  vault("POST", "sys/mounts/pki", R"({"type":"pki","config":{"max_lease_ttl":"87600h"}})");
  Doc root =
      vault("POST", "pki/root/generate/internal", R"({"common_name":"Sim Root","ttl":"87600h"})");
  std::ofstream(*dir_ / "root.pem") << getString(root["data"], "certificate") << "\n";
  vault("POST", "sys/mounts/pki-int", R"({"type":"pki","config":{"max_lease_ttl":"43800h"}})");
  Doc csr = vault("POST", "pki-int/intermediate/generate/internal",
                  R"({"common_name":"Sim Intermediate"})");
  Doc signed_ = vault("POST", "pki/root/sign-intermediate",
                      "{\"csr\":" + jsonStr(getString(csr["data"], "csr")) +
                          ",\"format\":\"pem\",\"ttl\":\"43800h\"}");
  vault("POST", "pki-int/intermediate/set-signed",
        "{\"certificate\":" + jsonStr(getString(signed_["data"], "certificate")) + "}");
  vault("POST", "pki-int/roles/nomad-job",
        R"({"allowed_domains":["service.consul"],"allow_subdomains":true,"max_ttl":"72h"})");
  vault("PUT", "sys/policies/acl/nomad-workloads",
        R"({"policy":"path \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n"})");
  vault("PUT", "sys/policies/acl/no-issue",
        R"({"policy":"path \"pki-int/cert/*\" {\n  capabilities = [\"read\"]\n}\n"})");
  vault("POST", "sys/auth/jwt-nomad", R"({"type":"jwt"})");
  vault("POST", "auth/jwt-nomad/config",
        "{\"jwks_url\":\"" + nomad_->url() +
            "/.well-known/jwks.json\",\"jwt_supported_algs\":[\"RS256\",\"EdDSA\"],"
            "\"default_role\":\"nomad-workloads\"}");
  for (auto [role, policy] :
       {std::pair{"nomad-workloads", "nomad-workloads"}, std::pair{"no-issue", "no-issue"}}) {
    vault(
        "POST", std::string("auth/jwt-nomad/role/") + role,
        std::string(
            R"({"role_type":"jwt","bound_audiences":["vault.io"],"user_claim":"/nomad_job_id",)"
            R"("user_claim_json_pointer":true,"token_type":"service","token_period":"30m","token_policies":[")") +
            policy + "\"]}");
  }
}

Reply VaultTemplates::nomad(const std::string& method, const std::string& target,
                            const std::string& body) {
  return request(nomad_->port(), method, target, body);
}

void VaultTemplates::registerHcl(std::string hcl,
                                 const std::map<std::string, std::string>& replace) {
  for (const auto& [from, to] : replace) {
    for (auto p = hcl.find(from); p != std::string::npos; p = hcl.find(from, p + to.size()))
      hcl.replace(p, from.size(), to);
  }
  auto parsed = nomad("POST", "/v1/jobs/parse", "{\"JobHCL\":" + jsonStr(hcl) + "}");
  ASSERT_EQ(parsed.status, 200) << parsed.body;
  auto reg = nomad("PUT", "/v1/jobs", "{\"Job\":" + parsed.body + "}");
  ASSERT_EQ(reg.status, 200) << reg.body;
}

std::string VaultTemplates::jobFile(const std::string& name) {
  return readAll(fs::path(NC_SOURCE_DIR) / "config/jobs" / (name + ".nomad.hcl"));
}

Doc VaultTemplates::waitAllocs(const std::string& job, const std::string& status, std::size_t count,
                               std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  Doc d;
  while (std::chrono::steady_clock::now() < deadline) {
    d = std::move(parseJson(nomad("GET", "/v1/job/" + job + "/allocations").body).value());
    std::size_t n = 0;
    for (const auto& a : d.GetArray()) n += getString(a, "ClientStatus") == status;
    if (n == count) return d;
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "job " << job << " did not reach " << count << " x " << status << ": "
                << toJson(d);
  return d;
}

Doc VaultTemplates::templates(const std::string& job) {
  return std::move(parseJson(nomad("GET", "/_sim/templates?job=" + job).body).value());
}

std::vector<std::string> VaultTemplates::events(const std::string& allocId,
                                                const std::string& task) {
  std::vector<std::string> out;
  Doc a = alloc(allocId);
  for (const auto& e : a["TaskStates"][task.c_str()]["Events"].GetArray()) {
    std::string sig = e.HasMember("Details") ? getString(e["Details"], "task_signal") : "";
    out.push_back(getString(e, "Type") + "|" + getString(e, "DisplayMessage") +
                  (sig.empty() ? "" : "|" + sig));
  }
  return out;
}

void VaultTemplates::expectVerified(const fs::path& cert, const fs::path& chain) {
  std::string out = run("openssl verify -CAfile " + (*dir_ / "root.pem").string() + " -untrusted " +
                        chain.string() + " " + cert.string());
  EXPECT_NE(out.find(": OK"), std::string::npos) << out;
}

Doc VaultTemplates::alloc(const std::string& id) {
  return std::move(parseJson(nomad("GET", "/v1/allocation/" + id).body).value());
}

std::vector<std::pair<std::string, std::int64_t>> VaultTemplates::timedEvents(
    const std::string& allocId, const std::string& task) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  Doc a = alloc(allocId);
  for (const auto& e : a["TaskStates"][task.c_str()]["Events"].GetArray()) {
    out.emplace_back(getString(e, "Type") + "|" + getString(e, "DisplayMessage"),
                     getInt(e, "Time"));
  }
  return out;
}

fs::path VaultTemplates::allocRoot(const std::string& id) {
  return *dir_ / "alloc" / id;
}

}  // namespace nc::nomadsim::test
