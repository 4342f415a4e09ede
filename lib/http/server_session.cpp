// One server connection: the HTTP/1.1 keep-alive loop with limits and timeouts, then the
// response in one of its forms (whole, streamed, websocket, or a fault).
#include <chrono>
#include <ctime>

#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "http/server_impl.hpp"
#include "http/server_streams.hpp"

namespace nc::http::detail {
namespace {

namespace bhttp = beast::http;
using net::ip::tcp;

/// RFC 7231 date, recomputed at most once a second.
const std::string& httpDate() {
  thread_local std::time_t cachedAt = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != cachedAt) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    cachedAt = now;
  }
  return text;
}

bool isFramingHeader(std::string_view name) {
  return beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
         beast::iequals(name, "connection");
}

template <class Body>
void fillHeaders(bhttp::response<Body>& res, const ServerResponse& resp, unsigned version) {
  res.version(version);
  res.result(static_cast<unsigned>(resp.status));
  for (const auto& h : resp.headers) {
    if (!isFramingHeader(h.name)) res.insert(h.name, h.value);
  }
  res.set(bhttp::field::date, httpDate());
}

bool isParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

template <class Stream>
net::awaitable<void> sendSimple(Stream& stream, unsigned status, std::string text,
                                Duration timeout) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  res.set(bhttp::field::date, httpDate());
  res.keep_alive(false);
  res.body() = std::move(text);
  res.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(timeout.nanos());
  co_await bhttp::async_write(stream, res, kTuple);
}

ServerRequest toServerRequest(bhttp::request<bhttp::string_body>& req, const std::string& remote,
                              bool tls, const std::string& sni) {
  ServerRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = percentDecode(target.substr(0, q));
  if (q != std::string_view::npos) out.query = parseQuery(target.substr(q + 1));
  out.headers.reserve(8);
  for (const auto& f : req) {
    out.headers.push_back(Header{std::string(f.name_string()), std::string(f.value())});
  }
  out.body = std::move(req.body());
  out.remoteAddress = remote;
  out.tls = tls;
  out.tlsServerName = sni;
  out.websocketUpgrade = beast::websocket::is_upgrade(req);
  return out;
}

template <class Stream>
net::awaitable<void> serveWebSocket(std::shared_ptr<Connection> conn, Stream& stream,
                                    bhttp::request<bhttp::string_body> req,
                                    std::function<net::awaitable<void>(ServerWebSocket&)> fn) {
  beast::websocket::stream<Stream> ws(std::move(stream));
  conn->close = [&ws] { closeSocket(ws); };
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
  auto [ec] = co_await ws.async_accept(req, kTuple);
  if (ec) co_return;
  ServerWebSocketImpl<Stream> socket(ws);
  try {
    co_await fn(socket);
  } catch (const std::exception& e) {
    spdlog::error("http server: websocket handler for {} failed: {}", std::string(req.target()),
                  e.what());
  }
  if (ws.is_open()) co_await ws.async_close(beast::websocket::close_code::normal, kTuple);
}

template <class Stream>
net::awaitable<void> serveStream(ServerState& st, Stream& stream, unsigned version, bool head,
                                 ServerResponse resp) {
  bhttp::response<bhttp::empty_body> res;
  fillHeaders(res, resp, version);
  res.keep_alive(false);
  if (resp.streamLength) res.content_length(*resp.streamLength);
  bhttp::response_serializer<bhttp::empty_body> sr{res};
  beast::get_lowest_layer(stream).expires_after(st.options.bodyTimeout.nanos());
  auto [ec, n] = co_await bhttp::async_write_header(stream, sr, kTuple);
  if (ec) co_return;
  StreamWriterImpl<Stream> writer(stream, st.options.bodyTimeout);
  try {
    if (!head) co_await resp.stream(writer);
  } catch (const std::exception& e) {
    if (!st.stopped) spdlog::error("http server: stream handler failed: {}", e.what());
  }
  if (!st.stopped) co_await finishConnection(stream);
}

template <class Stream>
net::awaitable<void> sendTruncated(Stream& stream, bhttp::response<bhttp::string_body>& res,
                                   std::size_t keep) {
  bhttp::response_serializer<bhttp::string_body> sr{res};
  auto [ec, n] = co_await bhttp::async_write_header(stream, sr, kTuple);
  if (ec) co_return;
  keep = std::min(keep, res.body().size());
  co_await net::async_write(stream, net::buffer(res.body().data(), keep), kTuple);
  closeSocket(stream);  // no TLS close_notify: the peer sees a truncated message
}

/// Reads one request; on a limit or parse failure answers it and returns false.
template <class Stream>
net::awaitable<bool> readRequest(ServerState& st, Stream& stream, beast::flat_buffer& buffer,
                                 bhttp::request_parser<bhttp::string_body>& parser) {
  const auto& opt = st.options;
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(opt.maxHeaderBytes, UINT32_MAX)));
  parser.body_limit(opt.maxBodyBytes);
  beast::get_lowest_layer(stream).expires_after(opt.headerTimeout.nanos());
  auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
  if (!ec && !parser.is_done()) {
    auto expect = parser.get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      beast::get_lowest_layer(stream).expires_after(opt.headerTimeout.nanos());
      std::tie(ec, n) = co_await bhttp::async_write(stream, cont, kTuple);
    }
    if (!ec) {
      beast::get_lowest_layer(stream).expires_after(opt.bodyTimeout.nanos());
      std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    }
  }
  if (!ec) co_return true;
  if (ec == bhttp::error::body_limit) {
    co_await sendSimple(stream, 413, "request body larger than the server accepts\n",
                        opt.bodyTimeout);
    co_await finishConnection(stream);
  } else if (ec == bhttp::error::header_limit) {
    co_await sendSimple(stream, 431, "request headers too large\n", opt.headerTimeout);
    co_await finishConnection(stream);
  } else if (isParseError(ec)) {
    co_await sendSimple(stream, 400, "malformed request: " + ec.message() + "\n",
                        opt.headerTimeout);
    co_await finishConnection(stream);
  }
  co_return false;
}

template <class Stream>
net::awaitable<void> serve(std::shared_ptr<ServerState> st, std::shared_ptr<Connection> conn,
                           Stream& stream, std::string remote, std::string sni) {
  const auto& opt = st->options;
  beast::flat_buffer buffer;
  for (bool first = true; !st->stopped; first = false) {
    if (!first && buffer.size() == 0) {
      // Keep-alive idle wait: the header timeout starts with the first byte of the next request.
      beast::get_lowest_layer(stream).expires_after(opt.idleTimeout.nanos());
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) co_return;
      buffer.commit(n);
    }
    bhttp::request_parser<bhttp::string_body> parser;
    if (!co_await readRequest(*st, stream, buffer, parser)) co_return;
    auto& req = parser.get();
    ServerRequest sreq = toServerRequest(req, remote, kIsTls<Stream>, sni);
    bool upgrade = sreq.websocketUpgrade;
    ServerResponse resp;
    beast::get_lowest_layer(stream).expires_never();
    try {
      resp = co_await st->handler(std::move(sreq));
    } catch (const std::exception& e) {
      if (st->stopped) co_return;
      spdlog::error("http server: handler for {} {} failed: {}", std::string(req.method_string()),
                    std::string(req.target().substr(0, req.target().find('?'))), e.what());
      resp = ServerResponse{};
      resp.status = 500;
      resp.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
      resp.body = "internal server error\n";
    }
    if (st->stopped) co_return;
    if (resp.resetConnection) {
      resetSocket(stream);
      co_return;
    }
    if (upgrade && resp.websocket) {
      co_await serveWebSocket(conn, stream, parser.release(), std::move(resp.websocket));
      co_return;
    }
    if (resp.stream) {
      co_await serveStream(*st, stream, req.version(), req.method() == bhttp::verb::head,
                           std::move(resp));
      co_return;
    }
    bool keepAlive = req.keep_alive();
    bhttp::response<bhttp::string_body> res;
    fillHeaders(res, resp, req.version());
    int s = resp.status;
    bool noBody = s == 204 || s == 304 || (s >= 100 && s < 200);
    std::size_t size = resp.body.size();
    if (!noBody) res.body() = std::move(resp.body);
    res.keep_alive(keepAlive);
    res.prepare_payload();
    if (req.method() == bhttp::verb::head && !noBody) {
      res.body().clear();
      res.content_length(size);
    }
    beast::get_lowest_layer(stream).expires_after(opt.bodyTimeout.nanos());
    if (resp.truncateBodyAt) {
      co_await sendTruncated(stream, res, *resp.truncateBodyAt);
      co_return;
    }
    auto [ec, n] = co_await bhttp::async_write(stream, res, kTuple);
    if (ec) co_return;
    if (!keepAlive) {
      co_await finishConnection(stream);
      co_return;
    }
  }
}

}  // namespace

net::awaitable<void> runSession(std::shared_ptr<ServerState> st, std::shared_ptr<Connection> conn,
                                tcp::socket socket) {
  struct CloseGuard {
    Connection& c;
    ~CloseGuard() { c.close = nullptr; }
  } guard{*conn};
  if (st->stopped) co_return;
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  std::string remote =
      ec ? std::string() : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket.set_option(tcp::no_delay(true), ec);
  if (st->tls) {
    TlsStream stream(std::move(socket), *st->tls);
    conn->close = [&stream] { closeSocket(stream); };
    beast::get_lowest_layer(stream).expires_after(st->options.headerTimeout.nanos());
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::server, kTuple);
    if (hec) {
      spdlog::debug("http server: TLS handshake from {} failed: {}", remote, hec.message());
      co_return;
    }
    const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    std::string sni = name ? name : "";
    co_await serve(st, conn, stream, std::move(remote), std::move(sni));
  } else {
    PlainStream stream(std::move(socket));
    conn->close = [&stream] { closeSocket(stream); };
    std::string noSni;
    co_await serve(st, conn, stream, std::move(remote), std::move(noSni));
  }
}

}  // namespace nc::http::detail
