// The client Transport over TLS and mTLS against the lib/http server (certificates made with
// the openssl CLI at test time), and option validation.
#include <gtest/gtest.h>

#include <filesystem>

#include "client_fixture.hpp"

namespace nc::http {
namespace {

using namespace testing;

ServerOptions tlsServer(bool requireClientCert, bool otherName = false) {
  const auto& certs = testCerts();
  ServerOptions o;
  o.tls = ServerTlsOptions{otherName ? certs.otherCert : certs.serverCert,
                           otherName ? certs.otherKey : certs.serverKey,
                           requireClientCert ? certs.caFile : ""};
  return o;
}

TEST(HttpClientTls, VerifiesTheServerAgainstTheConfiguredCa) {
  Seen seen;
  ServerThread server;
  ASSERT_TRUE(server.start(tlsServer(false), recording(seen)));
  auto o = fastOptions(server.url());
  o.tls.caFile = testCerts().caFile;
  ClientSide good(o);
  auto r = good.send("GET", "/v1/sys/health");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200);

  ClientSide untrusted(fastOptions(server.url()));  // system CAs only
  r = untrusted.send("GET", "/v1/sys/health");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed)) << r.error().describe();
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos);
}

TEST(HttpClientTls, VerifiesAgainstACaDirectory) {
  Seen seen;
  ServerThread server;
  ASSERT_TRUE(server.start(tlsServer(false), recording(seen)));
  auto o = fastOptions(server.url());
  o.tls.caPath = testCerts().caDir;
  ClientSide good(o);
  auto r = good.send("GET", "/v1/sys/health");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  // A directory without the CA trusts nothing (the system CAs are not added either).
  o.tls.caPath = testCerts().dir + "/empty.d";
  std::filesystem::create_directories(o.tls.caPath);
  ClientSide untrusted(o);
  r = untrusted.send("GET", "/x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unable to get local issuer certificate"), std::string::npos)
      << r.error().message;
}

TEST(HttpClientTls, HostnameVerificationAndServerNameOverride) {
  Seen seen;
  ServerThread server;
  ASSERT_TRUE(server.start(tlsServer(false, true), recording(seen)));  // cert for other.example
  auto o = fastOptions(server.url());
  o.tls.caFile = testCerts().caFile;
  ClientSide strict(o);
  auto r = strict.send("GET", "/x");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed));
  o.tls.serverName = "other.example";
  ClientSide named(o);
  r = named.send("GET", "/x");
  ASSERT_TRUE(r) << r.error().describe();
  o.tls.serverName.clear();
  o.tls.insecureSkipVerify = true;
  ClientSide insecure(o);
  EXPECT_TRUE(insecure.send("GET", "/x"));
}

// SNI carries tls_server_name when set, else the URL's host name; never an IP literal
// (RFC 6066 forbids it), so an IP URL without a server name sends none.
TEST(HttpClientTls, SendsSniFromServerNameOrHost) {
  Seen seen;
  ServerThread server;
  ASSERT_TRUE(server.start(tlsServer(false, true), recording(seen)));  // cert for other.example
  auto o = fastOptions(server.url());
  o.tls.caFile = testCerts().caFile;
  o.tls.serverName = "other.example";
  ClientSide named(o);
  ASSERT_TRUE(named.send("GET", "/a"));

  Seen seenLocal;
  ServerThread local;
  ASSERT_TRUE(local.start(tlsServer(false), recording(seenLocal)));  // localhost + 127.0.0.1
  auto byName = fastOptions("https://localhost:" + std::to_string(local.port()));
  byName.tls.caFile = testCerts().caFile;
  ClientSide host(byName);
  auto r = host.send("GET", "/b");
  ASSERT_TRUE(r) << r.error().describe();
  auto byIp = fastOptions(local.url());
  byIp.tls.caFile = testCerts().caFile;
  ClientSide ip(byIp);
  ASSERT_TRUE(ip.send("GET", "/c"));

  std::lock_guard lock(seen.m);
  EXPECT_EQ(seen.serverNames, std::vector<std::string>{"other.example"});
  std::lock_guard lockLocal(seenLocal.m);
  EXPECT_EQ(seenLocal.serverNames, (std::vector<std::string>{"localhost", ""}));
}

TEST(HttpClientTls, MutualTls) {
  Seen seen;
  ServerThread server;
  ASSERT_TRUE(server.start(tlsServer(true), recording(seen)));
  auto o = fastOptions(server.url());
  o.tls.caFile = testCerts().caFile;
  ClientSide anonymous(o);
  auto r = anonymous.send("GET", "/x");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed)) << r.error().describe();
  o.tls.clientCertFile = testCerts().clientCert;
  o.tls.clientKeyFile = testCerts().clientKey;
  ClientSide withCert(o);
  r = withCert.send("GET", "/x");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  // Keep-alive works over TLS too.
  ASSERT_TRUE(withCert.send("GET", "/y"));
  EXPECT_EQ(seen.remotes.size(), 1u);
}

TEST(HttpClientOptions, BadSettingsAreErrors) {
  net::io_context io;
  ClientOptions o;
  o.baseUrl = "vault:8200";
  EXPECT_TRUE(makeTransport(io, o).error().is(errc::invalid_argument));
  o.baseUrl = "https://vault:8200/v1";
  EXPECT_FALSE(makeTransport(io, o));
  o.baseUrl = "https://vault:8200";
  o.tls.caFile = "/nonexistent/ca.pem";
  auto r = makeTransport(io, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace nc::http
