// The client Transport over TLS and mTLS against the lib/http server (certificates made with
// the openssl CLI at test time), and option validation.
#include <gtest/gtest.h>

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
