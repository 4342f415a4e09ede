// The HTTP server against a plain Beast client on loopback: keep-alive, methods, limits,
// timeouts, errors, streaming, websocket, fault injection, TLS/mTLS and stop().
#include <atomic>
#include <chrono>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "server_fixture.hpp"
#include "test_certs.hpp"

namespace nc::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using net::ip::tcp;
using testing::ServerThread;
using testing::testCerts;
using StringResponse = bhttp::response<bhttp::string_body>;

ServerResponse statusOnly(int status) {
  ServerResponse r;
  r.status = status;
  return r;
}

tcp::endpoint local(unsigned short port) {
  return {net::ip::make_address("127.0.0.1"), port};
}

/// A blocking client over one TCP connection.
struct Client {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;

  explicit Client(unsigned short port) { stream.connect(local(port)); }

  StringResponse roundTrip(bhttp::request<bhttp::string_body> req, boost::system::error_code& ec) {
    req.prepare_payload();
    bhttp::write(stream, req, ec);
    StringResponse res;
    if (!ec) bhttp::read(stream, buffer, res, ec);
    return res;
  }
  StringResponse get(std::string target, std::string method = "GET", std::string body = "") {
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.body() = std::move(body);
    boost::system::error_code ec;
    auto res = roundTrip(std::move(req), ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }
};

net::awaitable<ServerResponse> echoHandler(ServerRequest req) {
  ServerResponse res;
  res.headers.push_back({"Content-Type", "text/plain"});
  res.headers.push_back({"X-Remote", req.remoteAddress});
  res.body = req.method + " " + req.path + " " + req.body;
  for (auto& [k, v] : req.query) res.body += " " + k + "=" + v;
  co_return res;
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnectionWithAnyMethod) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, echoHandler));
  EXPECT_EQ(s.url(), "http://127.0.0.1:" + std::to_string(s.port()));
  Client c(s.port());
  auto a = c.get("/v1/a%20b?x=1&y=two+words&z");
  EXPECT_EQ(a.result_int(), 200);
  EXPECT_EQ(a.body(), "GET /v1/a b  x=1 y=two words z=");
  auto b = c.get("/v1/secret/", "LIST");
  EXPECT_EQ(b.body(), "LIST /v1/secret/ ");
  auto p = c.get("/v1/x", "PATCH", "{\"a\":1}");
  EXPECT_EQ(p.body(), "PATCH /v1/x {\"a\":1}");
  EXPECT_EQ(a[bhttp::field::date].empty(), false);
  // All three on the same TCP connection: the remote port did not change.
  EXPECT_EQ(a["X-Remote"], b["X-Remote"]);
  EXPECT_EQ(a["X-Remote"], p["X-Remote"]);
}

TEST(HttpServer, OversizedBodyGets413AndOversizedHeaderGets431) {
  ServerThread s;
  ServerOptions o;
  o.maxBodyBytes = 1000;
  o.maxHeaderBytes = 2000;
  ASSERT_TRUE(s.start(o, echoHandler));
  {
    Client c(s.port());
    EXPECT_EQ(c.get("/small", "POST", std::string(1000, 'a')).result_int(), 200);
    EXPECT_EQ(c.get("/big", "POST", std::string(1001, 'a')).result_int(), 413);
  }
  {
    Client c(s.port());
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/", 11};
    req.set("X-Big", std::string(3000, 'h'));
    boost::system::error_code ec;
    auto res = c.roundTrip(std::move(req), ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.result_int(), 431);
  }
}

TEST(HttpServer, HandlerExceptionBecomes500AndTheServerKeepsServing) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, [](ServerRequest req) -> net::awaitable<ServerResponse> {
    if (req.path == "/throw") throw std::runtime_error("boom");
    co_return statusOnly(204);
  }));
  Client c(s.port());
  EXPECT_EQ(c.get("/throw").result_int(), 500);
  EXPECT_EQ(c.get("/ok").result_int(), 204);
}

TEST(HttpServer, MalformedRequestGets400) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, echoHandler));
  Client c(s.port());
  net::write(c.stream, net::buffer(std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")));
  StringResponse res;
  bhttp::read(c.stream, c.buffer, res);
  EXPECT_EQ(res.result_int(), 400);
}

TEST(HttpServer, HeaderTimeoutClosesASilentConnection) {
  ServerThread s;
  ServerOptions o;
  o.headerTimeout = Duration::milliseconds(200);
  ASSERT_TRUE(s.start(o, echoHandler));
  Client c(s.port());
  net::write(c.stream, net::buffer(std::string("GET / HTTP/1.1\r\n")));
  auto start = std::chrono::steady_clock::now();
  char buf[16];
  boost::system::error_code ec;
  c.stream.socket().read_some(net::buffer(buf), ec);
  EXPECT_TRUE(ec);  // closed by the server, no response
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
  ServerThread s;
  ServerOptions o;
  o.idleTimeout = Duration::milliseconds(200);
  ASSERT_TRUE(s.start(o, echoHandler));
  Client c(s.port());
  EXPECT_EQ(c.get("/").result_int(), 200);
  char buf[16];
  boost::system::error_code ec;
  c.stream.socket().read_some(net::buffer(buf), ec);
  EXPECT_EQ(ec, net::error::eof);
}

TEST(HttpServer, ConnectionCapClosesExtraConnections) {
  ServerThread s;
  ServerOptions o;
  o.maxConnections = 1;
  ASSERT_TRUE(s.start(o, echoHandler));
  Client first(s.port());
  EXPECT_EQ(first.get("/").result_int(), 200);
  Client second(s.port());
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/", 11};
  boost::system::error_code ec;
  second.roundTrip(std::move(req), ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(s.server().connectionsRefused(), 1u);
  EXPECT_EQ(first.get("/again").result_int(), 200);
}

TEST(HttpServer, StreamingResponseSendsChunksThenCloses) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, [](ServerRequest) -> net::awaitable<ServerResponse> {
    ServerResponse res;
    res.headers.push_back({"Content-Type", "application/json"});
    res.stream = [](StreamWriter& w) -> net::awaitable<void> {
      for (int i = 0; i < 3; ++i) {
        if (!co_await w.write("{\"n\":" + std::to_string(i) + "}\n")) co_return;
      }
    };
    co_return res;
  }));
  Client c(s.port());
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/v1/event/stream", 11};
  boost::system::error_code ec;
  auto res = c.roundTrip(std::move(req), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.body(), "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  EXPECT_FALSE(res.keep_alive());
}

TEST(HttpServer, StreamWithAKnownLengthSendsContentLengthAndHeadGetsNoBody) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, [](ServerRequest) -> net::awaitable<ServerResponse> {
    ServerResponse res;
    res.streamLength = 6;
    res.stream = [](StreamWriter& w) -> net::awaitable<void> {
      if (co_await w.write("abc")) co_await w.write("def");
    };
    co_return res;
  }));
  for (const auto verb : {bhttp::verb::get, bhttp::verb::head}) {
    Client c(s.port());
    boost::system::error_code ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(verb == bhttp::verb::head);  // a HEAD answer's length names no body
    bhttp::request<bhttp::string_body> req{verb, "/status", 11};
    bhttp::write(c.stream, req, ec);
    ASSERT_FALSE(ec) << ec.message();
    bhttp::read(c.stream, c.buffer, parser, ec);
    ASSERT_FALSE(ec) << ec.message();
    const auto& res = parser.get();
    EXPECT_EQ(res[bhttp::field::content_length], "6");
    EXPECT_EQ(res.body(), verb == bhttp::verb::head ? "" : "abcdef");
    EXPECT_FALSE(res.keep_alive());
    // Nothing follows the message before the server closes.
    char rest[16];
    std::size_t extra = c.buffer.size();
    while (!ec) extra += c.stream.socket().read_some(net::buffer(rest), ec);
    EXPECT_EQ(ec, net::error::eof) << ec.message();
    EXPECT_EQ(extra, 0u);
  }
}

TEST(HttpServer, ResetAndTruncateFaults) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, [](ServerRequest req) -> net::awaitable<ServerResponse> {
    ServerResponse res;
    res.body = std::string(100, 'x');
    if (req.path == "/reset") res.resetConnection = true;
    if (req.path == "/truncate") res.truncateBodyAt = 10;
    co_return res;
  }));
  {
    Client c(s.port());
    boost::system::error_code ec;
    c.roundTrip({bhttp::verb::get, "/reset", 11}, ec);
    EXPECT_TRUE(ec);
  }
  {
    Client c(s.port());
    boost::system::error_code ec;
    c.roundTrip({bhttp::verb::get, "/truncate", 11}, ec);
    EXPECT_EQ(ec, bhttp::error::partial_message) << ec.message();
  }
}

TEST(HttpServer, WebsocketEcho) {
  ServerThread s;
  ASSERT_TRUE(s.start({}, [](ServerRequest req) -> net::awaitable<ServerResponse> {
    ServerResponse res;
    if (!req.websocketUpgrade) co_return statusOnly(400);
    res.websocket = [](ServerWebSocket& ws) -> net::awaitable<void> {
      while (auto msg = co_await ws.receive()) {
        if (*msg == "bye") break;
        if (!co_await ws.send("echo:" + *msg)) break;
      }
      co_await ws.close(1000, "done");
    };
    co_return res;
  }));
  net::io_context io;
  beast::websocket::stream<beast::tcp_stream> ws(io);
  beast::get_lowest_layer(ws).connect(local(s.port()));
  ws.handshake("127.0.0.1", "/v1/client/allocation/x/exec");
  ws.text(true);
  for (std::string m : {"one", "two"}) {
    ws.write(net::buffer(m));
    beast::flat_buffer b;
    ws.read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), "echo:" + m);
  }
  ws.write(net::buffer(std::string("bye")));
  beast::flat_buffer b;
  boost::system::error_code ec;
  ws.read(b, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed);
  EXPECT_EQ(ws.reason().code, 1000);
}

TEST(HttpServer, StopEndsOpenConnectionsAndPendingHandlers) {
  auto s = std::make_unique<ServerThread>();
  std::atomic<bool> entered{false};
  ASSERT_TRUE(s->start({}, [&entered](ServerRequest) -> net::awaitable<ServerResponse> {
    entered = true;
    net::steady_timer t(co_await net::this_coro::executor, std::chrono::hours(1));
    co_await t.async_wait(net::use_awaitable);
    co_return ServerResponse{};
  }));
  Client c(s->port());
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/block", 11};
  bhttp::write(c.stream, req);
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto start = std::chrono::steady_clock::now();
  s->stop();  // joins the io thread: only returns when every coroutine ended
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  StringResponse res;
  boost::system::error_code ec;
  bhttp::read(c.stream, c.buffer, res, ec);
  EXPECT_TRUE(ec);
}

TEST(HttpServer, BadListenAddressAndMissingTlsFilesAreErrors) {
  net::io_context io;
  ServerOptions o;
  o.listen = "not-an-address";
  EXPECT_FALSE(startServer(io, o, echoHandler));
  o.listen = "127.0.0.1:0";
  o.tls = ServerTlsOptions{"/nonexistent/cert.pem", "/nonexistent/key.pem", ""};
  auto r = startServer(io, o, echoHandler);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/cert.pem"), std::string::npos);
}

/// One HTTPS GET; returns the status or -1 when the handshake failed.
int tlsGet(unsigned short port, const std::string& certFile, const std::string& keyFile) {
  const auto& certs = testCerts();
  net::io_context io;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(certs.caFile);
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (!certFile.empty()) {
    ctx.use_certificate_chain_file(certFile);
    ctx.use_private_key_file(keyFile, net::ssl::context::pem);
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  stream.set_verify_callback(net::ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(stream).connect(local(port));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  boost::system::error_code ec;
  stream.handshake(net::ssl::stream_base::client, ec);
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/tls", 11};
  if (!ec) bhttp::write(stream, req, ec);
  StringResponse res;
  beast::flat_buffer b;
  if (!ec) bhttp::read(stream, b, res, ec);
  if (ec) return -1;
  return res.result_int();
}

net::awaitable<ServerResponse> tlsHandler(ServerRequest req) {
  co_return statusOnly(req.tls ? 200 : 500);
}

TEST(HttpServer, TlsServesHttps) {
  const auto& certs = testCerts();
  ServerThread s;
  ServerOptions o;
  o.tls = ServerTlsOptions{certs.serverCert, certs.serverKey, ""};
  ASSERT_TRUE(s.start(o, tlsHandler));
  EXPECT_EQ(s.url().substr(0, 8), "https://");
  EXPECT_EQ(tlsGet(s.port(), "", ""), 200);
}

TEST(HttpServer, MutualTlsRequiresAClientCertificateFromTheCa) {
  const auto& certs = testCerts();
  ServerThread s;
  ServerOptions o;
  o.tls = ServerTlsOptions{certs.serverCert, certs.serverKey, certs.caFile};
  ASSERT_TRUE(s.start(o, tlsHandler));
  EXPECT_EQ(tlsGet(s.port(), certs.clientCert, certs.clientKey), 200);
  EXPECT_EQ(tlsGet(s.port(), "", ""), -1);
  EXPECT_EQ(tlsGet(s.port(), certs.strangerCert, certs.strangerKey), -1);
}

}  // namespace
}  // namespace nc::http
