// Client framing on beast::test::stream: partial reads, chunked bodies, limits, closes mid-body,
// malformed responses, request building, and the NDJSON line reader.
#include "http/client_io.hpp"
#include "http/client_line_stream.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

namespace nc::http::detail {
namespace {

using TestStream = beast::test::stream;

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

/// A client stream whose peer already sent `text` (then closed when closeAfter).
struct Peer {
  net::io_context io;
  TestStream client{io};
  TestStream server{io};
  Peer(const std::string& text, bool closeAfter, std::size_t readSize = 0) {
    client.connect(server);
    client.append(text);
    if (readSize) client.read_size(readSize);
    if (closeAfter) server.close();
  }
  Result<ReadResult> read(std::size_t maxBody = 1 << 20, bool head = false,
                          boost::system::error_code* raw = nullptr) {
    beast::flat_buffer buffer;
    return run(io, readResponse(client, buffer, maxBody, head, std::string("GET /x on test"), raw));
  }
};

TEST(ClientIo, ReadsAResponseDeliveredOneByteAtATime) {
  Peer p(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"ok\":true}",
      false, 1);
  auto r = p.read();
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->response.status, 200);
  EXPECT_EQ(r->response.body, "{\"ok\":true}");
  ASSERT_NE(r->response.header("content-type"), nullptr);
  EXPECT_EQ(*r->response.header("content-type"), "application/json");
  EXPECT_TRUE(r->keepAlive);
}

TEST(ClientIo, ReadsChunkedAndConnectionDelimitedBodies) {
  Peer chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      false, 5);
  auto r = chunked.read();
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->response.body, "abcde");
  Peer raw("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", true);
  r = raw.read();
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->response.body, "until the end");
  EXPECT_FALSE(r->keepAlive);
}

TEST(ClientIo, OversizedBodiesFailWithTooLarge) {
  Peer declared("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'), false);
  auto r = declared.read(99);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::too_large)) << r.error().describe();
  EXPECT_NE(r.error().message.find("99 bytes"), std::string::npos);
  Peer chunked("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                   std::string(64, 'y') + "\r\n40\r\n" + std::string(64, 'y') + "\r\n0\r\n\r\n",
               false);
  r = chunked.read(100);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::too_large));
  Peer exact("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'), false);
  EXPECT_TRUE(exact.read(100));
}

TEST(ClientIo, CloseMidBodyAndCloseBeforeAnyByte) {
  Peer mid("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part", true);
  boost::system::error_code raw;
  auto r = mid.read(1 << 20, false, &raw);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed));
  EXPECT_NE(r.error().message.find("mid-response"), std::string::npos);
  EXPECT_FALSE(isStaleConnectionError(raw));
  Peer none("", true);
  r = none.read(1 << 20, false, &raw);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::connection_failed));
  EXPECT_TRUE(isStaleConnectionError(raw));
}

TEST(ClientIo, MalformedResponseIsAProtocolError) {
  Peer p("HTTP/1.1 abc Nope\r\n\r\n", true);
  auto r = p.read();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::protocol_error)) << r.error().describe();
  Peer q("<html>not http</html>", true);
  EXPECT_TRUE(q.read().error().is(errc::protocol_error));
}

TEST(ClientIo, HeadResponseHasNoBody) {
  Peer p("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", false);
  auto r = p.read(10, true);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->response.body, "");
}

TEST(ClientIo, BuildsRequestsWithAnyMethod) {
  Request req;
  req.method = "LIST";
  req.target = "/v1/pki/roles";
  req.headers.push_back({"X-Vault-Token", "s.secret"});
  req.body = "{}";
  auto b = toBeastRequest(req, "127.0.0.1:8200", req.target, "nomad-certd");
  EXPECT_EQ(b.method_string(), "LIST");
  EXPECT_EQ(b.target(), "/v1/pki/roles");
  EXPECT_EQ(b[bhttp::field::host], "127.0.0.1:8200");
  EXPECT_EQ(b["X-Vault-Token"], "s.secret");
  EXPECT_EQ(b[bhttp::field::content_length], "2");
  EXPECT_TRUE(b.keep_alive());
}

struct LinePeer : Peer {
  using Peer::Peer;
  Result<LineStreamPtr> open(std::size_t maxLine = 1 << 20) {
    BeastRequest req{bhttp::verb::get, "/v1/event/stream", 11};
    return run(io, startLineStream(client, req, maxLine, std::string("GET /v1/event/stream")));
  }
  Result<std::optional<std::string>> next(LineStream& s) {
    return run(io, s.nextLine(Duration::seconds(1)));
  }
};

TEST(ClientLineStream, RawStreamSplitAcrossReadsEndsWithNullopt) {
  LinePeer p(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
      "{\"Index\":1}\n{}\r\n{\"Index\":2,\"Events\":[]}\nlast-without-newline",
      true, 3);
  auto s = p.open();
  ASSERT_TRUE(s) << s.error().describe();
  std::vector<std::string> lines;
  for (;;) {
    auto l = p.next(**s);
    ASSERT_TRUE(l) << l.error().describe();
    if (!*l) break;
    lines.push_back(**l);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"Index\":1}", "{}", "{\"Index\":2,\"Events\":[]}",
                                             "last-without-newline"}));
}

TEST(ClientLineStream, ChunkedStreamWithLinesAcrossChunks) {
  LinePeer p(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\n{\"a\"\r\n6\r\n:1}\n{}\r\n1\r\n\n\r\n0\r\n\r\n",
      false);
  auto s = p.open();
  ASSERT_TRUE(s);
  EXPECT_EQ(**p.next(**s), "{\"a\":1}");
  EXPECT_EQ(**p.next(**s), "{}");
  auto end = p.next(**s);
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(ClientLineStream, ErrorStatusCarriesStatusAndBody) {
  LinePeer p("HTTP/1.1 403 Forbidden\r\nContent-Length: 17\r\n\r\nPermission denied", false);
  auto s = p.open();
  ASSERT_FALSE(s);
  EXPECT_TRUE(s.error().is(errc::permission_denied));
  EXPECT_NE(s.error().message.find("403: Permission denied"), std::string::npos)
      << s.error().message;
}

TEST(ClientLineStream, OverlongLineIsTooLargeAndMidStreamCloseIsAnError) {
  LinePeer p("HTTP/1.1 200 OK\r\n\r\n" + std::string(100, 'z'), false);
  auto s = p.open(10);
  ASSERT_TRUE(s);
  auto l = p.next(**s);
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::too_large));
  LinePeer q("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true);
  auto t = q.open();
  ASSERT_TRUE(t);
  auto m = q.next(**t);
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(errc::connection_failed));
}

TEST(ClientLineStream, UnterminatedLastLineOverTheLimitIsTooLarge) {
  LinePeer p("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{}\n0123456789ab", false, 4);
  auto s = p.open(10);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(**p.next(**s), "{}");
  auto l = p.next(**s);
  ASSERT_FALSE(l);
  EXPECT_TRUE(l.error().is(errc::too_large));
  EXPECT_EQ(l.error().message, "GET /v1/event/stream: line longer than 10 bytes");
}

}  // namespace
}  // namespace nc::http::detail
