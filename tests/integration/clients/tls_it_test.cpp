// VaultClient and NomadClient over TLS and mTLS against vault-sim and nomad-sim started with
// test certificates (openssl CLI): key calls over https, wrong CA, hostname mismatch,
// tls_server_name, missing or foreign client certificates.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "config/daemon_config.hpp"
#include "http/client.hpp"
#include "nomad/nomad_client.hpp"
#include "sim_process.hpp"
#include "test_certs.hpp"
#include "vault/from_config.hpp"
#include "vault/vault_client.hpp"

namespace nc {
namespace {

using http::testing::testCerts;
using nc::testing::runOn;
using nc::testing::SimProcess;

enum class Cert { server, other };

/// Arguments that make a simulator serve TLS with the test CA's certificate for
/// localhost/127.0.0.1 (or for other.example), requiring client certificates when mtls.
std::vector<std::string> tlsArgs(Cert cert, bool mtls) {
  const auto& c = testCerts();
  std::vector<std::string> a{"--listen",   "127.0.0.1:0",
                             "--tls-cert", cert == Cert::server ? c.serverCert : c.otherCert,
                             "--tls-key",  cert == Cert::server ? c.serverKey : c.otherKey};
  if (mtls) {
    a.push_back("--tls-client-ca");
    a.push_back(c.caFile);
  }
  return a;
}

std::unique_ptr<SimProcess> vaultSim(Cert cert, bool mtls) {
  auto a = tlsArgs(cert, mtls);
  a.insert(a.end(), {"--root-token", "root"});
  return std::make_unique<SimProcess>(nc::testing::binaryPath("vault-sim"), a);
}

/// Options with quick retries, so failing handshakes do not make the test slow.
http::ClientOptions options(const std::string& url) {
  http::ClientOptions o;
  o.baseUrl = url;
  o.retry.baseDelay = Duration::milliseconds(5);
  o.retry.maxDelay = Duration::milliseconds(20);
  o.requestTimeout = Duration::seconds(20);
  return o;
}

http::ClientTlsOptions trustTestCa() {
  http::ClientTlsOptions t;
  t.caFile = testCerts().caFile;
  return t;
}

http::ClientTlsOptions withClientCert(http::ClientTlsOptions t) {
  t.clientCertFile = testCerts().clientCert;
  t.clientKeyFile = testCerts().clientKey;
  return t;
}

struct Clients {
  boost::asio::io_context io;
  http::HttpTransportPtr transport;
  explicit Clients(http::ClientOptions o) {
    auto t = http::makeTransport(io, std::move(o));
    if (!t) throw std::runtime_error(t.error().describe());
    transport = *t;
  }
  ~Clients() {
    transport->shutdown();
    io.restart();
    io.poll();
  }
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return runOn(io, std::move(task));
  }
};

/// The key Vault calls over whatever transport `c` has: health, mount, root CA, role, issue,
/// chain, policy, token lookup.
void exerciseVault(Clients& c, vault::TokenSourcePtr tokens = nullptr) {
  if (!tokens) tokens = std::make_shared<vault::StaticTokenSource>("root");
  vault::VaultClient v(c.transport, tokens);
  auto h = c.run(v.health({}));
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_EQ(h->state, vault::HealthState::active);
  vault::MountSpec pki;
  pki.type = "pki";
  auto m = c.run(v.enableMount("pki", pki));
  ASSERT_TRUE(m) << m.error().describe();
  auto root = c.run(v.call("POST", "pki/root/generate/internal",
                           R"({"common_name":"TLS IT Root","ttl":"87600h","key_type":"ec"})"));
  ASSERT_TRUE(root && root->status == 200) << (root ? root->body : root.error().describe());
  vault::PkiRole role;
  role.allowedDomains = {"svc.internal"};
  role.allowSubdomains = true;
  role.keyType = "ec";
  role.keyBits = 256;
  role.maxTtl = 86400;
  ASSERT_TRUE(c.run(v.writePkiRole("pki", "web", role)));
  vault::IssueRequest req;
  req.commonName = "api.svc.internal";
  req.ttlSeconds = 3600;
  auto cert = c.run(v.issue("pki", "web", req));
  ASSERT_TRUE(cert) << cert.error().describe();
  EXPECT_NE(cert->certificate.find("BEGIN CERTIFICATE"), std::string::npos);
  auto chain = c.run(v.caChain("pki"));
  ASSERT_TRUE(chain) << chain.error().describe();
  EXPECT_NE(chain->find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_TRUE(
      c.run(v.putPolicy("tls-it", "path \"pki/issue/web\" {\n  capabilities = [\"update\"]\n}\n")));
  auto p = c.run(v.readPolicy("tls-it"));
  ASSERT_TRUE(p) << p.error().describe();
  auto self = c.run(v.lookupSelf());
  ASSERT_TRUE(self) << self.error().describe();
}

/// A health call that must fail at the TLS layer; returns the error message.
std::string failingVaultCall(http::ClientOptions o) {
  Clients c(std::move(o));
  vault::VaultClient v(c.transport, std::make_shared<vault::StaticTokenSource>("root"));
  auto h = c.run(v.health({}));
  EXPECT_FALSE(h) << "health succeeded with status " << h->httpStatus;
  if (h) return {};
  EXPECT_TRUE(h.error().is(errc::connection_failed)) << h.error().describe();
  EXPECT_NE(h.error().message.find("TLS"), std::string::npos) << h.error().message;
  return h.error().message;
}

TEST(VaultClientTlsIt, KeyCallsOverHttps) {
  auto sim = vaultSim(Cert::server, false);
  ASSERT_EQ(sim->url().rfind("https://127.0.0.1:", 0), 0u) << sim->url();
  auto o = options(sim->url());
  o.tls = trustTestCa();
  Clients c(o);
  exerciseVault(c);
}

TEST(VaultClientTlsIt, UntrustedCaFailsWithTheVerificationReason) {
  auto sim = vaultSim(Cert::server, false);
  auto o = options(sim->url());
  o.tls.caFile = testCerts().strangerCert;  // a CA that did not sign the server's certificate
  auto msg = failingVaultCall(o);
  EXPECT_NE(msg.find("certificate verify failed"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unable to get local issuer certificate"), std::string::npos) << msg;
}

TEST(VaultClientTlsIt, HostnameMismatchFailsAndTlsServerNameFixesIt) {
  auto sim = vaultSim(Cert::other, false);  // certificate for other.example only
  auto o = options(sim->url());
  o.tls = trustTestCa();
  auto msg = failingVaultCall(o);
  EXPECT_NE(msg.find("'127.0.0.1'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("IP address mismatch"), std::string::npos) << msg;

  o.tls.serverName = "wrong.example";
  msg = failingVaultCall(o);
  EXPECT_NE(msg.find("hostname mismatch"), std::string::npos) << msg;

  o.tls.serverName = "other.example";
  Clients c(o);
  exerciseVault(c);
}

// The mTLS case goes through lib/config's VaultConfig, as the daemon builds it.
TEST(VaultClientTlsIt, MutualTlsFromConfig) {
  auto sim = vaultSim(Cert::server, true);
  config::VaultConfig cfg;
  cfg.address = sim->url();
  cfg.tls.caCert = testCerts().caFile;
  cfg.tls.clientCert = testCerts().clientCert;
  cfg.tls.clientKey = testCerts().clientKey;
  cfg.auth.token.value = config::Secret("root");
  auto setup = vault::vaultSetupFromConfig(cfg, SystemClock::shared());
  ASSERT_TRUE(setup) << setup.error().describe();
  auto o = setup->transport;
  o.retry.baseDelay = Duration::milliseconds(5);
  Clients c(o);
  exerciseVault(c, setup->tokens);
}

TEST(VaultClientTlsIt, MutualTlsWithoutOrWithAForeignClientCertificateFails) {
  auto sim = vaultSim(Cert::server, true);
  auto o = options(sim->url());
  o.tls = trustTestCa();
  auto msg = failingVaultCall(o);
  EXPECT_NE(msg.find("certificate"), std::string::npos) << msg;
  o.tls.clientCertFile = testCerts().strangerCert;  // self-signed, not from the client CA
  o.tls.clientKeyFile = testCerts().strangerKey;
  msg = failingVaultCall(o);
  EXPECT_NE(msg.find("alert"), std::string::npos) << msg;
}

// ---- Nomad ----

const char* kJobHcl = R"(
job "tls-it" {
  datacenters = ["*"]
  type        = "service"
  group "g" {
    task "app" {
      driver = "docker"
      config {
        image   = "busybox:1.36"
        command = "sleep"
        args    = ["3600"]
      }
      template {
        destination = "local/hello.txt"
        data        = "hello over tls\n"
      }
    }
  }
}
)";

std::unique_ptr<SimProcess> nomadSim(Cert cert, bool mtls, const std::filesystem::path& dataDir) {
  auto a = tlsArgs(cert, mtls);
  a.insert(a.end(), {"--data-dir", dataDir.string()});
  return std::make_unique<SimProcess>(nc::testing::binaryPath("nomad-sim"), a);
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// Key Nomad calls over `c`: agent, parse/register, blocking query, allocation, fs, exec
/// (websocket), event stream (line stream), variables.
void exerciseNomad(Clients& c) {
  nomad::NomadClient n(
      c.transport, [] { return Result<std::string>(""); }, nomad::Options{});
  auto h = c.run(n.agentHealth());
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_TRUE(h->ok);
  auto leader = c.run(n.leader());
  ASSERT_TRUE(leader) << leader.error().describe();
  auto json = c.run(n.parseJob(kJobHcl, true, ""));
  ASSERT_TRUE(json) << json.error().describe();
  auto reg = c.run(n.registerJob(*json, {}));
  ASSERT_TRUE(reg) << reg.error().describe();

  std::string allocId;
  nomad::QueryOptions q;
  q.wait = Duration::seconds(2);
  for (int i = 0; i < 20 && allocId.empty(); ++i) {
    auto allocs = c.run(n.jobAllocations("tls-it", q));
    ASSERT_TRUE(allocs) << allocs.error().describe();
    for (const auto& a : allocs->value)
      if (a.clientStatus == "running") allocId = a.id;
    q.index = allocs->meta.index;
  }
  ASSERT_FALSE(allocId.empty()) << "no running allocation";
  auto alloc = c.run(n.readAllocation(allocId, {}));
  ASSERT_TRUE(alloc) << alloc.error().describe();

  auto text = c.run(n.readFile(allocId, "app/local/hello.txt"));
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_EQ(*text, "hello over tls\n");
  auto part = c.run(n.readFileAt(allocId, "app/local/hello.txt", 6, 4));
  ASSERT_TRUE(part) << part.error().describe();
  EXPECT_EQ(*part, "over");
  auto out = c.run(n.exec(allocId, "app", {"cat", "/local/hello.txt"}, {}));
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->exitCode, 0);
  EXPECT_EQ(out->stdoutData, *text);

  nomad::EventStreamOptions eo;
  eo.topics = {"Job:tls-it"};
  auto stream = n.subscribe(eo);
  auto batch = c.run(stream->next());
  ASSERT_TRUE(batch) << batch.error().describe();
  ASSERT_FALSE(batch->events.empty());
  EXPECT_EQ(batch->events[0].key, "tls-it");
  stream->close();

  auto var = c.run(n.putVariable("certd/tls-it", {{"k", "v"}}, std::nullopt));
  ASSERT_TRUE(var) << var.error().describe();
  auto back = c.run(n.readVariable("certd/tls-it", {}));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->value.items.at("k"), "v");
}

std::string failingNomadCall(http::ClientOptions o) {
  Clients c(std::move(o));
  nomad::NomadClient n(
      c.transport, [] { return Result<std::string>(""); }, nomad::Options{});
  auto l = c.run(n.leader());
  EXPECT_FALSE(l) << "leader succeeded: " << *l;
  if (l) return {};
  EXPECT_TRUE(l.error().is(errc::connection_failed)) << l.error().describe();
  EXPECT_NE(l.error().message.find("TLS"), std::string::npos) << l.error().message;
  return l.error().message;
}

TEST(NomadClientTlsIt, KeyCallsExecAndEventStreamOverHttps) {
  TempDir dir("nc-nomad-tls");
  auto sim = nomadSim(Cert::server, false, dir.path);
  ASSERT_EQ(sim->url().rfind("https://", 0), 0u) << sim->url();
  auto o = options(sim->url());
  o.tls = trustTestCa();
  Clients c(o);
  exerciseNomad(c);
  EXPECT_NE(failingNomadCall(options(sim->url())).find("certificate verify failed"),
            std::string::npos);  // system CAs only
}

// tls_server_name is the name verified for every kind of connection: plain requests, the
// exec websocket and the event stream.
TEST(NomadClientTlsIt, TlsServerNameAppliesToRequestsExecAndStreams) {
  TempDir dir("nc-nomad-tls-sni");
  auto sim = nomadSim(Cert::other, false, dir.path);
  auto o = options(sim->url());
  o.tls = trustTestCa();
  auto msg = failingNomadCall(o);
  EXPECT_NE(msg.find("IP address mismatch"), std::string::npos) << msg;
  o.tls.serverName = "other.example";
  Clients c(o);
  exerciseNomad(c);
}

TEST(NomadClientTlsIt, MutualTls) {
  TempDir dir("nc-nomad-mtls");
  auto sim = nomadSim(Cert::server, true, dir.path);
  auto o = options(sim->url());
  o.tls = trustTestCa();
  auto msg = failingNomadCall(o);
  EXPECT_NE(msg.find("certificate"), std::string::npos) << msg;
  o.tls = withClientCert(trustTestCa());
  Clients c(o);
  exerciseNomad(c);
}

}  // namespace
}  // namespace nc
