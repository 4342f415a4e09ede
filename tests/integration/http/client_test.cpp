// The client Transport against the lib/http server on loopback: keep-alive, pool cap, limits,
// timeouts, retries, redirects, line streams, websocket, stale connections and shutdown.
#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client_fixture.hpp"

namespace nc::http {
namespace {

using namespace testing;

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
    net::co_spawn(c.io,
                  c.transport->send(Request{.method = "GET",
                                            .target = "/busy",
                                            .headers = {},
                                            .body = "",
                                            .timeout = {},
                                            .idempotent = {}}),
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

// The budget is shared by every request of a transport: once a storm of failures has used it
// up, requests fail after one attempt; successes earn it back.
TEST_F(HttpClient, RetryBudgetStopsAStormAndRefillsOnSuccess) {
  auto o = fastOptions(server.url());
  o.retry.budgetTokens = 4;  // retries allowed while more than 2 tokens are left
  o.retry.budgetSuccessCredit = 0.5;
  ClientSide c(o);
  for (int i = 0; i < 3; ++i) {
    auto r = c.send("GET", "/down");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_EQ(r->status, 503);
  }
  EXPECT_EQ(seen.count("/down"), 2 + 1 + 1);  // not 3 x maxAttempts (12)
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.send("GET", "/x"));
  ASSERT_TRUE(c.send("GET", "/down"));
  EXPECT_EQ(seen.count("/down"), 4 + 2);
}

// The request timeout is an overall deadline: a backoff (here a Retry-After) that would end
// after it is not waited for.
TEST_F(HttpClient, DeadlineBoundsRetries) {
  ClientSide c(fastOptions(server.url()));
  auto start = SteadyClock::now();
  auto r = c.send("GET", "/retry-after", "", Duration::milliseconds(300));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->status, 503);
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(290));
  EXPECT_EQ(seen.count("/retry-after"), 1);
}

TEST_F(HttpClient, ShutdownCancelsABackoffWait) {
  ClientSide c(fastOptions(server.url()));
  std::optional<Result<Response>> out;
  net::co_spawn(c.io,
                c.transport->send(Request{.method = "GET",
                                          .target = "/retry-after",
                                          .headers = {},
                                          .body = "",
                                          .timeout = {},
                                          .idempotent = {}}),
                [&](std::exception_ptr, Result<Response> r) { out.emplace(std::move(r)); });
  net::steady_timer t(c.io, std::chrono::milliseconds(150));
  t.async_wait([&](boost::system::error_code) { c.transport->shutdown(); });
  auto start = SteadyClock::now();
  c.io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_TRUE(out->error().is(errc::cancelled)) << out->error().describe();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(900));  // Retry-After is 1 s
  EXPECT_EQ(seen.count("/retry-after"), 1);
}

TEST_F(HttpClient, ShutdownEndsAWaitingLineStreamAndWebSocket) {
  ClientSide c(fastOptions(server.url()));
  auto s = run(c.io, c.transport->openLineStream(Request{.method = "GET",
                                                         .target = "/silent-stream",
                                                         .headers = {},
                                                         .body = "",
                                                         .timeout = {},
                                                         .idempotent = {}}));
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(**run(c.io, (*s)->nextLine(Duration::seconds(5))), "{}");
  auto ws = run(c.io, c.transport->openWebSocket(Request{.method = "GET",
                                                         .target = "/exec",
                                                         .headers = {},
                                                         .body = "",
                                                         .timeout = {},
                                                         .idempotent = {}}));
  ASSERT_TRUE(ws) << ws.error().describe();
  std::optional<Result<std::optional<std::string>>> line, message;
  net::co_spawn(c.io, (*s)->nextLine(Duration::seconds(5)),
                [&](std::exception_ptr, Result<std::optional<std::string>> r) {
                  line.emplace(std::move(r));
                });
  net::co_spawn(c.io, (*ws)->receive(Duration::seconds(5)),
                [&](std::exception_ptr, Result<std::optional<std::string>> r) {
                  message.emplace(std::move(r));
                });
  net::steady_timer t(c.io, std::chrono::milliseconds(100));
  t.async_wait([&](boost::system::error_code) { c.transport->shutdown(); });
  auto start = SteadyClock::now();
  c.io.restart();
  c.io.run();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(1500));
  ASSERT_TRUE(line && message);
  EXPECT_FALSE(*line);
  EXPECT_FALSE(*message);
}

TEST_F(HttpClient, OversizedResponseIsTooLarge) {
  auto o = fastOptions(server.url());
  EXPECT_EQ(o.maxBodyBytes, 32u * 1024 * 1024);  // the default
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
  ASSERT_TRUE(
      base.start({}, [&, peerUrl, foreignUrl](ServerRequest req) -> net::awaitable<ServerResponse> {
        seenBase.add(req);
        ServerResponse r;
        r.status = 307;
        r.headers.push_back(
            {"Location", (req.path == "/to-peer" ? peerUrl : foreignUrl) + req.target});
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
  auto s = run(c.io, c.transport->openLineStream(Request{.method = "GET",
                                                         .target = "/events",
                                                         .headers = {},
                                                         .body = "",
                                                         .timeout = {},
                                                         .idempotent = {}}));
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
  auto s = run(c.io, c.transport->openLineStream(Request{.method = "GET",
                                                         .target = "/silent-stream",
                                                         .headers = {},
                                                         .body = "",
                                                         .timeout = {},
                                                         .idempotent = {}}));
  ASSERT_TRUE(s);
  EXPECT_EQ(**run(c.io, (*s)->nextLine(Duration::seconds(5))), "{}");
  auto l = run(c.io, (*s)->nextLine(Duration::milliseconds(200)));
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::timeout)) << l.error().describe();
}

TEST_F(HttpClient, WebSocketEcho) {
  ClientSide c(fastOptions(server.url()));
  auto ws = run(c.io, c.transport->openWebSocket(Request{.method = "GET",
                                                         .target = "/exec",
                                                         .headers = {},
                                                         .body = "",
                                                         .timeout = {},
                                                         .idempotent = {}}));
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
  EXPECT_EQ((*ws)->closeReason(), "exited");
}

TEST_F(HttpClient, ShutdownCancelsInFlightRequests) {
  ClientSide c(fastOptions(server.url()));
  std::optional<Result<Response>> out;
  net::co_spawn(c.io,
                c.transport->send(Request{.method = "GET",
                                          .target = "/slow",
                                          .headers = {},
                                          .body = "",
                                          .timeout = {},
                                          .idempotent = {}}),
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

}  // namespace
}  // namespace nc::http
