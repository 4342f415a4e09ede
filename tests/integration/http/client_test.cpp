// The client Transport against the lib/http server on loopback: keep-alive, limits, timeouts,
// retries, redirects, streams, websocket, TLS/mTLS and shutdown.
#include <atomic>
#include <mutex>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "http/client.hpp"
#include "server_fixture.hpp"
#include "test_certs.hpp"

namespace nc::http {
namespace {

namespace net = boost::asio;
using testing::ServerThread;
using testing::testCerts;
using SteadyClock = std::chrono::steady_clock;

template <class T>
T run(net::io_context& io, net::awaitable<T> op) {
  std::optional<T> out;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(v));
  });
  io.restart();
  io.run();
  return std::move(*out);
}

net::awaitable<void> sleepFor(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

/// What the server saw: requests per path, remote addresses, tokens.
struct Seen {
  std::mutex m;
  std::map<std::string, int> hits;
  std::set<std::string> remotes;
  std::vector<std::string> tokens;
  std::vector<std::string> bodies;
  void add(const ServerRequest& r) {
    std::lock_guard lock(m);
    ++hits[r.path];
    remotes.insert(r.remoteAddress);
    if (auto t = r.header("X-Vault-Token")) tokens.push_back(*t);
    bodies.push_back(r.method + ":" + r.body);
  }
  int count(const std::string& path) {
    std::lock_guard lock(m);
    return hits[path];
  }
};

ServerResponse text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain"});
  r.body = std::move(body);
  return r;
}

Handler recording(Seen& seen) {
  return [&seen](ServerRequest req) -> net::awaitable<ServerResponse> {
    seen.add(req);
    int n = seen.count(req.path);
    if (req.path == "/slow") co_await sleepFor(std::chrono::milliseconds(2000));
    if (req.path == "/busy") co_await sleepFor(std::chrono::milliseconds(50));
    if (req.path == "/flaky" && n <= 2) co_return text(503, "sealed");
    if (req.path == "/forbidden") co_return text(403, "permission denied");
    if (req.path == "/retry-after" && n == 1) {
      auto r = text(503, "later");
      r.headers.push_back({"Retry-After", "1"});
      co_return r;
    }
    if (req.path == "/big") co_return text(200, std::string(2000, 'b'));
    if (req.path == "/truncate") {
      auto r = text(200, std::string(100, 't'));
      r.truncateBodyAt = 10;
      co_return r;
    }
    if (req.path == "/events") {
      ServerResponse r;
      r.stream = [](StreamWriter& w) -> net::awaitable<void> {
        co_await w.write("{\"Index\":1}\n{}\n");
        co_await w.write("{\"Index\":2}\n");
      };
      co_return r;
    }
    if (req.path == "/silent-stream") {
      ServerResponse r;
      r.stream = [](StreamWriter& w) -> net::awaitable<void> {
        co_await w.write("{}\n");
        co_await sleepFor(std::chrono::milliseconds(2000));
      };
      co_return r;
    }
    if (req.path == "/exec" && req.websocketUpgrade) {
      ServerResponse r;
      r.websocket = [](ServerWebSocket& ws) -> net::awaitable<void> {
        while (auto m = co_await ws.receive()) {
          if (*m == "exit") break;
          co_await ws.send("out:" + *m);
        }
        co_await ws.close(4000, "exited");
      };
      co_return r;
    }
    co_return text(200, "ok " + req.method + " " + req.path);
  };
}

ClientOptions fastOptions(const std::string& url) {
  ClientOptions o;
  o.baseUrl = url;
  o.retry.baseDelay = Duration::milliseconds(5);
  o.retry.maxDelay = Duration::milliseconds(20);
  o.requestTimeout = Duration::seconds(10);
  return o;
}

struct ClientSide {
  net::io_context io;
  HttpTransportPtr transport;
  explicit ClientSide(ClientOptions o) {
    auto t = makeTransport(io, std::move(o));
    if (!t) throw std::runtime_error(t.error().describe());
    transport = *t;
  }
  Result<Response> send(std::string method, std::string target, std::string body = "",
                        std::optional<Duration> timeout = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.timeout = timeout;
    r.headers.push_back({"X-Vault-Token", "s.test-token"});
    return run(io, transport->send(std::move(r)));
  }
};

class HttpClient : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start({}, recording(seen))); }
  Seen seen;
  ServerThread server;
};

TEST_F(HttpClient, KeepAliveReusesOneConnection) {
  ClientSide c(fastOptions(server.url()));
  for (int i = 0; i < 5; ++i) {
    auto r = c.send("GET", "/v1/sys/health?standbyok=true");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok GET /v1/sys/health");
  }
  EXPECT_EQ(c.send("LIST", "/v1/pki/roles")->body, "ok LIST /v1/pki/roles");
  EXPECT_EQ(seen.remotes.size(), 1u);
}

TEST_F(HttpClient, ConnectionCapQueuesConcurrentRequests) {
  auto o = fastOptions(server.url());
  o.maxConnections = 2;
  ClientSide c(o);
  int ok = 0;
  for (int i = 0; i < 6; ++i) {
    net::co_spawn(c.io, c.transport->send(Request{.method = "GET", .target = "/busy", .headers = {},
                                                  .body = "", .timeout = {}, .idempotent = {}}),
                  [&](std::exception_ptr, Result<Response> r) { ok += r && r->status == 200; });
  }
  c.io.run();
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(seen.remotes.size(), 2u);
}

TEST_F(HttpClient, ServerClosingMidResponseIsAConnectionErrorAfterRetries) {
  ClientSide c(fastOptions(server.url()));
  auto r = c.send("GET", "/truncate");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed)) << r.error().describe();
  EXPECT_EQ(seen.count("/truncate"), 4);  // maxAttempts
}

TEST_F(HttpClient, SlowServerTimesOut) {
  ClientSide c(fastOptions(server.url()));
  auto start = SteadyClock::now();
  auto r = c.send("GET", "/slow", "", Duration::milliseconds(200));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::timeout)) << r.error().describe();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(1500));
}

TEST_F(HttpClient, Retries503UntilSuccess) {
  ClientSide c(fastOptions(server.url()));
  auto r = c.send("GET", "/flaky");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(seen.count("/flaky"), 3);
}

TEST_F(HttpClient, DoesNotRetry403OrPost) {
  ClientSide c(fastOptions(server.url()));
  auto r = c.send("GET", "/forbidden");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(seen.count("/forbidden"), 1);
  r = c.send("POST", "/flaky", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(seen.count("/flaky"), 1);
}

TEST_F(HttpClient, HonoursRetryAfter) {
  ClientSide c(fastOptions(server.url()));
  auto start = SteadyClock::now();
  auto r = c.send("GET", "/retry-after");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(SteadyClock::now() - start, std::chrono::milliseconds(990));
  EXPECT_EQ(seen.count("/retry-after"), 2);
}

TEST_F(HttpClient, OversizedResponseIsTooLarge) {
  auto o = fastOptions(server.url());
  o.maxBodyBytes = 1000;
  ClientSide c(o);
  auto r = c.send("GET", "/big");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::too_large)) << r.error().describe();
  EXPECT_EQ(seen.count("/big"), 1);
}

TEST_F(HttpClient, ConnectionRefusedIsAConnectionError) {
  unsigned short port = server.port();
  server.stop();
  ClientSide c(fastOptions("http://127.0.0.1:" + std::to_string(port)));
  auto r = c.send("GET", "/x");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed)) << r.error().describe();
}

TEST(HttpClientRedirect, FollowsAllowedRedirectWithMethodAndBodyButNotForeignOnes) {
  Seen seenPeer, seenForeign, seenBase;
  ServerThread peer, foreign, base;
  ASSERT_TRUE(peer.start({}, recording(seenPeer)));
  ASSERT_TRUE(foreign.start({}, recording(seenForeign)));
  std::string peerUrl = peer.url(), foreignUrl = foreign.url();
  ASSERT_TRUE(base.start({}, [&, peerUrl, foreignUrl](ServerRequest req) -> net::awaitable<ServerResponse> {
    seenBase.add(req);
    ServerResponse r;
    r.status = 307;
    r.headers.push_back({"Location", (req.path == "/to-peer" ? peerUrl : foreignUrl) + req.target});
    co_return r;
  }));
  auto o = fastOptions(base.url());
  o.redirectAllowList = {peer.url()};
  ClientSide c(o);
  auto r = c.send("PUT", "/to-peer", "{\"x\":1}");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->body, "ok PUT /to-peer");
  ASSERT_EQ(seenPeer.bodies.size(), 1u);
  EXPECT_EQ(seenPeer.bodies[0], "PUT:{\"x\":1}");
  EXPECT_EQ(seenPeer.tokens.size(), 1u);

  r = c.send("GET", "/to-foreign");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::unavailable)) << r.error().describe();
  EXPECT_EQ(seenForeign.count("/to-foreign"), 0);
  EXPECT_TRUE(seenForeign.tokens.empty());
}

TEST_F(HttpClient, LineStreamEndsWhenTheServerCloses) {
  ClientSide c(fastOptions(server.url()));
  auto s = run(c.io, c.transport->openLineStream(Request{.method = "GET", .target = "/events", .headers = {},
                                                         .body = "", .timeout = {}, .idempotent = {}}));
  ASSERT_TRUE(s) << s.error().describe();
  std::vector<std::string> lines;
  for (;;) {
    auto l = run(c.io, (*s)->nextLine(Duration::seconds(5)));
    ASSERT_TRUE(l) << l.error().describe();
    if (!*l) break;
    lines.push_back(**l);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"Index\":1}", "{}", "{\"Index\":2}"}));
}

TEST_F(HttpClient, LineStreamHeartbeatTimeout) {
  ClientSide c(fastOptions(server.url()));
  auto s = run(c.io, c.transport->openLineStream(Request{.method = "GET", .target = "/silent-stream",
                                                         .headers = {}, .body = "", .timeout = {},
                                                         .idempotent = {}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(**run(c.io, (*s)->nextLine(Duration::seconds(5))), "{}");
  auto l = run(c.io, (*s)->nextLine(Duration::milliseconds(200)));
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::timeout)) << l.error().describe();
}

TEST_F(HttpClient, WebSocketEcho) {
  ClientSide c(fastOptions(server.url()));
  auto ws = run(c.io, c.transport->openWebSocket(Request{.method = "GET", .target = "/exec", .headers = {},
                                                         .body = "", .timeout = {}, .idempotent = {}}));
  ASSERT_TRUE(ws) << ws.error().describe();
  ASSERT_TRUE(run(c.io, (*ws)->send("hello")));
  auto m = run(c.io, (*ws)->receive(Duration::seconds(5)));
  ASSERT_TRUE(m && *m);
  EXPECT_EQ(**m, "out:hello");
  ASSERT_TRUE(run(c.io, (*ws)->send("exit")));
  m = run(c.io, (*ws)->receive(Duration::seconds(5)));
  ASSERT_TRUE(m) << m.error().describe();
  EXPECT_FALSE(*m);
  EXPECT_EQ((*ws)->closeCode(), 4000);
}

TEST_F(HttpClient, ShutdownCancelsInFlightRequests) {
  ClientSide c(fastOptions(server.url()));
  std::optional<Result<Response>> out;
  net::co_spawn(c.io, c.transport->send(Request{.method = "GET", .target = "/slow", .headers = {},
                                                .body = "", .timeout = {}, .idempotent = {}}),
                [&](std::exception_ptr, Result<Response> r) { out.emplace(std::move(r)); });
  net::steady_timer t(c.io, std::chrono::milliseconds(100));
  t.async_wait([&](boost::system::error_code) { c.transport->shutdown(); });
  auto start = SteadyClock::now();
  c.io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_TRUE(out->error().is(errc::cancelled)) << out->error().describe();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(1500));
  auto after = c.send("GET", "/x");
  EXPECT_TRUE(!after && after.error().is(errc::cancelled));
}

TEST(HttpClientKeepAlive, ReplacesAConnectionTheServerClosedWhileIdle) {
  Seen seen;
  ServerThread server;
  ServerOptions so;
  so.idleTimeout = Duration::milliseconds(100);
  ASSERT_TRUE(server.start(so, recording(seen)));
  ClientSide c(fastOptions(server.url()));
  ASSERT_TRUE(c.send("POST", "/a", "1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = c.send("POST", "/b", "2");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(seen.count("/b"), 1);
}

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
