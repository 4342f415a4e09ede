// VaultClient over the real HTTP transport against vault-sim: every typed operation.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "http/client.hpp"
#include "sim_process.hpp"
#include "vault/token_manager.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {
namespace {

using nc::testing::runOn;

constexpr const char* kRoot = "root-it-token";

class VaultIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new nc::testing::SimProcess(nc::testing::binaryPath("vault-sim"),
                                       {"--listen", "127.0.0.1:0", "--root-token", kRoot});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  void SetUp() override {
    http::ClientOptions o;
    o.baseUrl = sim_->url();
    o.name = "vault";
    auto t = http::makeTransport(io_, o);
    ASSERT_TRUE(t) << t.error().describe();
    transport_ = *t;
    client_ = std::make_unique<VaultClient>(transport_, std::make_shared<StaticTokenSource>(kRoot));
  }
  void TearDown() override { transport_->shutdown(); }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return runOn(io_, std::move(task));
  }
  /// A raw call returning the parsed body (for setup steps without a typed operation).
  rapidjson::Document raw(const std::string& method, const std::string& path,
                          const std::string& body) {
    auto r = run(client_->call(method, path, body));
    EXPECT_TRUE(r) << (r ? "" : r.error().describe());
    rapidjson::Document d;
    if (r) {
      EXPECT_LT(r->status, 300) << method << " " << path << ": " << r->body;
      d.Parse(r->body.c_str());
    }
    return d;
  }

  static nc::testing::SimProcess* sim_;
  boost::asio::io_context io_;
  http::HttpTransportPtr transport_;
  std::unique_ptr<VaultClient> client_;
};
nc::testing::SimProcess* VaultIt::sim_ = nullptr;

TEST_F(VaultIt, HealthAndSealStatus) {
  auto h = run(client_->health({}));
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_EQ(h->httpStatus, 200);
  EXPECT_EQ(h->state, HealthState::active);
  EXPECT_TRUE(h->initialized);
  auto s = run(client_->sealStatus());
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_FALSE(s->sealed);
}

TEST_F(VaultIt, MountsPkiRolesIssueAndCertificates) {
  MountSpec spec;
  spec.type = "pki";
  spec.description = "it";
  ASSERT_TRUE(run(client_->enableMount("pki-it", spec)));
  auto again = run(client_->enableMount("pki-it", spec));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(errc::invalid_argument)) << again.error().describe();

  MountTuneUpdate tune;
  tune.maxLeaseTtl = 87600 * 3600LL;
  ASSERT_TRUE(run(client_->tuneMount("pki-it", tune)));
  auto t = run(client_->readMountTune("pki-it"));
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_EQ(t->maxLeaseTtl, 87600 * 3600LL);
  auto mounts = run(client_->listMounts());
  ASSERT_TRUE(mounts) << mounts.error().describe();
  bool found = false;
  for (const auto& m : *mounts) found |= m.path == "pki-it/" && m.type == "pki";
  EXPECT_TRUE(found);

  raw("POST", "pki-it/root/generate/internal",
      R"({"common_name":"IT Root","ttl":"87600h","key_type":"ec"})");

  auto empty = run(client_->listPkiRoles("pki-it"));
  ASSERT_TRUE(empty) << empty.error().describe();
  EXPECT_TRUE(empty->empty());

  PkiRole role;
  role.allowedDomains = {"svc.example.internal"};
  role.allowSubdomains = true;
  role.allowLocalhost = false;
  role.keyType = "ec";
  role.keyBits = 256;
  role.ttl = 72 * 3600;
  role.maxTtl = 168 * 3600;
  ASSERT_TRUE(run(client_->writePkiRole("pki-it", "web", role)));
  auto read = run(client_->readPkiRole("pki-it", "web"));
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ(read->ttl, 72 * 3600);
  EXPECT_EQ(read->allowedDomains, role.allowedDomains);
  EXPECT_FALSE(read->allowLocalhost);
  EXPECT_EQ(read->signatureBits, 0);

  auto patched = run(client_->patchPkiRole("pki-it", "web", R"({"ttl":"48h"})"));
  ASSERT_TRUE(patched) << patched.error().describe();
  EXPECT_EQ(patched->ttl, 48 * 3600);
  EXPECT_TRUE(patched->allowSubdomains);  // untouched by the patch

  auto roles = run(client_->listPkiRoles("pki-it"));
  ASSERT_TRUE(roles) << roles.error().describe();
  EXPECT_EQ(*roles, std::vector<std::string>{"web"});

  IssueRequest req;
  req.commonName = "api.svc.example.internal";
  req.ttlSeconds = 3600;
  auto cert = run(client_->issue("pki-it", "web", req));
  ASSERT_TRUE(cert) << cert.error().describe();
  EXPECT_NE(cert->certificate.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(cert->privateKey.find("PRIVATE KEY"), std::string::npos);
  EXPECT_GT(cert->expiration, 0);

  req.commonName = "evil.example.com";
  auto denied = run(client_->issue("pki-it", "web", req));
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().is(errc::invalid_argument));
  EXPECT_NE(denied.error().message.find("not allowed by this role"), std::string::npos)
      << denied.error().message;

  auto chain = run(client_->caChain("pki-it"));
  ASSERT_TRUE(chain) << chain.error().describe();
  EXPECT_NE(chain->find("BEGIN CERTIFICATE"), std::string::npos);

  auto serials = run(client_->listCertificates("pki-it"));
  ASSERT_TRUE(serials) << serials.error().describe();
  bool listed = false;
  for (const auto& s : *serials) listed |= s == cert->serialNumber;
  EXPECT_TRUE(listed) << cert->serialNumber;
  auto rec = run(client_->readCertificate("pki-it", cert->serialNumber));
  ASSERT_TRUE(rec) << rec.error().describe();
  EXPECT_EQ(rec->certificate, cert->certificate);
  EXPECT_EQ(rec->revocationTime, 0);

  ASSERT_TRUE(run(client_->deletePkiRole("pki-it", "web")));
  auto gone = run(client_->readPkiRole("pki-it", "web"));
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().is(errc::not_found));
}

TEST_F(VaultIt, PoliciesCrud) {
  const std::string text = "# certd\npath \"pki-it/issue/*\" {\n  capabilities = [\"update\"]\n}\n";
  ASSERT_TRUE(run(client_->putPolicy("Certd-IT", text)));
  auto p = run(client_->readPolicy("certd-it"));
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->name, "certd-it");
  EXPECT_EQ(p->policy, text);
  auto l = run(client_->listPolicies());
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_NE(std::find(l->begin(), l->end(), "certd-it"), l->end());
  ASSERT_TRUE(run(client_->deletePolicy("certd-it")));
  auto gone = run(client_->readPolicy("certd-it"));
  EXPECT_TRUE(gone.error().is(errc::not_found));
}

TEST_F(VaultIt, AuthMountsJwtRolesAndErrors) {
  MountSpec spec;
  spec.type = "jwt";
  ASSERT_TRUE(run(client_->enableAuth("jwt-it", spec)));
  auto auths = run(client_->listAuthMounts());
  ASSERT_TRUE(auths) << auths.error().describe();
  bool found = false;
  for (const auto& m : *auths) found |= m.path == "jwt-it/" && m.type == "jwt";
  EXPECT_TRUE(found);

  JwtRole role;
  role.userClaim = "/nomad_job_id";
  role.userClaimJsonPointer = true;
  role.boundAudiences = {"vault.io"};
  role.claimMappings = {{"nomad_job_id", "nomad_job_id"}, {"nomad_namespace", "nomad_namespace"}};
  role.tokenPolicies = {"nomad-workloads"};
  role.tokenType = "service";
  role.tokenPeriod = 1800;
  ASSERT_TRUE(run(client_->writeJwtRole("jwt-it", "nomad-workloads", role)));
  auto read = run(client_->readJwtRole("jwt-it", "nomad-workloads"));
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ(read->roleType, "jwt");
  EXPECT_EQ(read->tokenPeriod, 1800);
  EXPECT_EQ(read->boundAudiences, std::vector<std::string>{"vault.io"});
  EXPECT_EQ(read->claimMappings.size(), 2u);
  auto roles = run(client_->listJwtRoles("jwt-it"));
  ASSERT_TRUE(roles) << roles.error().describe();
  EXPECT_EQ(*roles, std::vector<std::string>{"nomad-workloads"});

  auto noConfig = run(client_->readJwtConfig("jwt-it"));
  ASSERT_FALSE(noConfig);
  EXPECT_TRUE(noConfig.error().is(errc::not_found)) << noConfig.error().describe();

  VaultClient anonymous(transport_, std::make_shared<StaticTokenSource>("wrong"));
  auto denied = run(anonymous.listPolicies());
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().is(errc::permission_denied));
  EXPECT_NE(denied.error().message.find("permission denied"), std::string::npos);
}

TEST_F(VaultIt, TokensAndAppRole) {
  auto self = run(client_->lookupSelf());
  ASSERT_TRUE(self) << self.error().describe();
  EXPECT_EQ(self->ttl, 0);  // root

  auto created = raw("POST", "auth/token/create", R"({"policies":["default"],"ttl":"1h"})");
  ASSERT_TRUE(created.IsObject() && created.HasMember("auth"));
  std::string child = created["auth"]["client_token"].GetString();
  VaultClient childClient(transport_, std::make_shared<StaticTokenSource>(child));
  auto info = run(childClient.lookupSelf());
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_TRUE(info->renewable);
  EXPECT_GT(info->ttl, 3000);
  auto renewed = run(childClient.renewSelf(1800));
  ASSERT_TRUE(renewed) << renewed.error().describe();
  EXPECT_GT(renewed->leaseDuration, 0);

  MountSpec spec;
  spec.type = "approle";
  ASSERT_TRUE(run(client_->enableAuth("approle", spec)));
  raw("POST", "auth/approle/role/certd", R"({"token_ttl":"1h","token_policies":["default"]})");
  auto roleId = raw("GET", "auth/approle/role/certd/role-id", "");
  auto secretId = raw("POST", "auth/approle/role/certd/secret-id", "");
  ASSERT_TRUE(roleId.IsObject() && roleId.HasMember("data"));
  ASSERT_TRUE(secretId.IsObject() && secretId.HasMember("data"));
  auto login = run(client_->loginAppRole("approle", roleId["data"]["role_id"].GetString(),
                                         secretId["data"]["secret_id"].GetString()));
  ASSERT_TRUE(login) << login.error().describe();
  EXPECT_FALSE(login->clientToken.empty());
  EXPECT_EQ(login->leaseDuration, 3600);
  auto bad = run(client_->loginAppRole("approle", roleId["data"]["role_id"].GetString(), "nope"));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
  EXPECT_NE(bad.error().message.find("invalid role or secret ID"), std::string::npos)
      << bad.error().message;
}

TEST_F(VaultIt, TokenManagerLogsInWithAppRoleAndRenewsAtTwoThirds) {
  MountSpec spec;
  spec.type = "approle";
  ASSERT_TRUE(run(client_->enableAuth("approle-tm", spec)));
  raw("POST", "auth/approle-tm/role/daemon",
      R"({"token_ttl":"1h","token_max_ttl":"24h","token_policies":["default"]})");
  auto roleId = raw("GET", "auth/approle-tm/role/daemon/role-id", "");
  auto secretId = raw("POST", "auth/approle-tm/role/daemon/secret-id", "");
  ASSERT_TRUE(roleId.IsObject() && roleId.HasMember("data") && secretId.IsObject() &&
              secretId.HasMember("data"));
  auto dir = std::filesystem::temp_directory_path() / ("nc-vault-it-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "role-id") << roleId["data"]["role_id"].GetString() << "\n";
  std::ofstream(dir / "secret-id") << secretId["data"]["secret_id"].GetString() << "\n";

  auto clock = std::make_shared<ManualClock>();
  auto slot = std::make_shared<MemoryTokenSource>();
  auto daemon = std::make_shared<VaultClient>(transport_, slot);
  TokenManagerOptions o;
  o.appRoleMount = "approle-tm";
  o.roleIdFile = (dir / "role-id").string();
  o.secretIdFile = (dir / "secret-id").string();
  TokenManager mgr(daemon, clock, o, slot);
  auto started = run(mgr.start());
  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_EQ(mgr.lease().ttlSeconds, 3600);
  EXPECT_TRUE(mgr.lease().renewable);
  auto self = run(daemon->lookupSelf());
  ASSERT_TRUE(self) << self.error().describe();

  clock->advance(std::chrono::seconds(2399));
  EXPECT_EQ(*run(mgr.refreshIfDue()), TokenAction::none);
  clock->advance(std::chrono::seconds(1));
  auto renewed = run(mgr.refreshIfDue());
  ASSERT_TRUE(renewed) << renewed.error().describe();
  EXPECT_EQ(*renewed, TokenAction::renew);
  EXPECT_GT(mgr.lease().ttlSeconds, 0);
  std::filesystem::remove_all(dir);
}

/// Sends every log line, at every level, to a string while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

// Tokens, secret IDs and wrong tokens go over the wire only: no log line (at trace level) and
// no error message carries them.
TEST_F(VaultIt, TokensAndSecretIdsNeverReachTheLogOrErrors) {
  LogCapture capture;
  MountSpec spec;
  spec.type = "approle";
  ASSERT_TRUE(run(client_->enableAuth("approle-log", spec)));
  raw("POST", "auth/approle-log/role/daemon", R"({"token_ttl":"1h","token_policies":["default"]})");
  auto roleId = raw("GET", "auth/approle-log/role/daemon/role-id", "");
  auto secretId = raw("POST", "auth/approle-log/role/daemon/secret-id", "");
  ASSERT_TRUE(roleId.IsObject() && roleId.HasMember("data") && secretId.IsObject() &&
              secretId.HasMember("data"));
  const std::string secret = secretId["data"]["secret_id"].GetString();

  auto dir =
      std::filesystem::temp_directory_path() / ("nc-vault-log-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "role-id") << roleId["data"]["role_id"].GetString() << "\n";
  std::ofstream(dir / "secret-id") << secret << "\n";
  auto clock = std::make_shared<ManualClock>();
  auto slot = std::make_shared<MemoryTokenSource>();
  auto daemon = std::make_shared<VaultClient>(transport_, slot);
  TokenManagerOptions o;
  o.appRoleMount = "approle-log";
  o.roleIdFile = (dir / "role-id").string();
  o.secretIdFile = (dir / "secret-id").string();
  TokenManager mgr(daemon, clock, o, slot);
  ASSERT_TRUE(run(mgr.start()));
  clock->advance(std::chrono::seconds(2400));
  ASSERT_TRUE(run(mgr.refreshIfDue()));
  auto issued = slot->token();
  ASSERT_TRUE(issued && !issued->empty());
  const std::string daemonToken = *issued;

  const std::string wrong = "hvs.wrong-token-for-the-log-test";
  VaultClient stranger(transport_, std::make_shared<StaticTokenSource>(wrong));
  auto denied = run(stranger.lookupSelf());
  ASSERT_FALSE(denied);
  auto badLogin = run(client_->loginAppRole("approle-log", "no-such-role-id", secret));
  ASSERT_FALSE(badLogin);
  std::filesystem::remove_all(dir);

  const std::string log = capture.text();
  EXPECT_NE(log.find("vault: approle login ok"), std::string::npos) << "nothing was logged";
  EXPECT_NE(log.find("/v1/auth/token/lookup-self"), std::string::npos) << "no request lines logged";
  for (const std::string& s : {std::string(kRoot), secret, daemonToken, wrong}) {
    EXPECT_EQ(log.find(s), std::string::npos)
        << "a secret of " << s.size() << " bytes is in the log";
    EXPECT_EQ(denied.error().message.find(s), std::string::npos);
    EXPECT_EQ(badLogin.error().message.find(s), std::string::npos);
  }
}

}  // namespace
}  // namespace nc::vault
