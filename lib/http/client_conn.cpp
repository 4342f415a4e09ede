// Client connections: connect + TLS (SNI, hostname/IP verification, mTLS), request/response on
// keep-alive, and hand-over of the socket to a line stream or a websocket.
#include "http/client_conn.hpp"
#include "http/client_line_stream.hpp"

#include <poll.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace nc::http::detail {
namespace {

using net::ip::tcp;
namespace websocket = beast::websocket;

template <class Stream>
class WebSocketImpl final : public ClientWebSocket {
 public:
  WebSocketImpl(Stream stream, std::string what) : ws_(std::move(stream)), what_(std::move(what)) {}
  websocket::stream<Stream>& ws() { return ws_; }

  net::awaitable<Result<void>> send(std::string text) override {
    ws_.text(true);
    auto [ec, n] = co_await ws_.async_write(net::buffer(text), kTuple);
    if (ec) co_return mapError(ec, what_);
    co_return Result<void>();
  }

  net::awaitable<Result<std::optional<std::string>>> receive(Duration idleTimeout) override {
    websocket::stream_base::timeout t{std::chrono::seconds(30), idleTimeout.nanos(), false};
    ws_.set_option(t);
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, kTuple);
    // The idle timer must not outlive this receive: the caller may stay silent for a while.
    ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                   websocket::stream_base::none(), false});
    if (ec == websocket::error::closed) {
      closeCode_ = ws_.reason().code;
      closeReason_ = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      co_return std::optional<std::string>();
    }
    if (ec == beast::error::timeout)
      co_return makeError(errc::timeout, what_ + ": no message for " + idleTimeout.toString());
    if (ec) co_return mapError(ec, what_);
    co_return std::optional<std::string>(beast::buffers_to_string(buffer.data()));
  }

  int closeCode() const override { return closeCode_; }
  const std::string& closeReason() const override { return closeReason_; }
  void abort() override {
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  net::awaitable<void> close() override {
    if (!ws_.is_open()) co_return;
    ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(5),
                                                   websocket::stream_base::none(), false});
    co_await ws_.async_close(websocket::close_code::normal, kTuple);
  }

 private:
  websocket::stream<Stream> ws_;
  std::string what_;
  int closeCode_ = 0;
  std::string closeReason_;
};

template <class Stream>
class ConnImpl final : public ClientConn {
 public:
  ConnImpl(net::any_io_executor ex, std::shared_ptr<ClientTls> tls)
      : tls_(std::move(tls)), stream_(makeStream(ex, tls_.get())) {}

  net::awaitable<Result<void>> open(Origin origin, Deadline deadline) override {
    const std::string what = "connect to " + origin.toString();
    tcp::resolver resolver(stream_.get_executor());
    auto [rec, results] =
        co_await resolver.async_resolve(origin.host, std::to_string(origin.port), kTuple);
    if (rec) co_return makeError(errc::connection_failed, what + ": " + rec.message());
    auto& low = beast::get_lowest_layer(stream_);
    low.expires_at(deadline);
    auto [cec, ep] = co_await low.async_connect(results, kTuple);
    if (cec) co_return mapError(cec, what);
    boost::system::error_code ignored;
    low.socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kIsTls<Stream>) {
      std::string name = tls_->serverName.empty() ? origin.host : tls_->serverName;
      if (auto r = configureName(name); !r) co_return r.error();
      auto [hec] = co_await stream_.async_handshake(net::ssl::stream_base::client, kTuple);
      if (hec) co_return handshakeError(hec, origin, name);
    }
    co_return Result<void>();
  }

  net::awaitable<Result<Response>> roundTrip(BeastRequest req, Deadline deadline,
                                             std::size_t maxBody, std::string what) override {
    stale_ = false;
    reusable_ = false;
    bool reused = used_;
    used_ = true;
    setDeadline(stream_, deadline);
    auto [ec, n] = co_await bhttp::async_write(stream_, req, kTuple);
    if (ec) {
      stale_ = reused && isStaleConnectionError(ec);
      co_return mapError(ec, what);
    }
    bool head = req.method() == bhttp::verb::head;
    boost::system::error_code raw;
    auto r = co_await readResponse(stream_, buffer_, maxBody, head, what, &raw);
    if (!r) {
      stale_ = reused && isStaleConnectionError(raw);
      co_return r.error();
    }
    reusable_ = r->keepAlive;
    co_return std::move(r->response);
  }

  net::awaitable<Result<LineStreamPtr>> openLines(BeastRequest req, Deadline deadline,
                                                  std::size_t maxLine, std::string what) override {
    setDeadline(stream_, deadline);
    reusable_ = false;
    co_return co_await startLineStream(stream_, std::move(req), maxLine, std::move(what));
  }

  net::awaitable<Result<std::unique_ptr<ClientWebSocket>>> openWebSocket(
      BeastRequest req, Deadline deadline, std::string what) override {
    reusable_ = false;
    beast::get_lowest_layer(stream_).expires_at(deadline);
    auto impl = std::make_unique<WebSocketImpl<Stream>>(std::move(stream_), what);
    auto& ws = impl->ws();
    ws.set_option(websocket::stream_base::decorator([req](websocket::request_type& r) {
      for (const auto& f : req) {
        if (f.name() != bhttp::field::host && f.name() != bhttp::field::content_length)
          r.set(f.name_string(), f.value());
      }
    }));
    websocket::response_type res;
    auto [ec] = co_await ws.async_handshake(res, req[bhttp::field::host], req.target(), kTuple);
    if (ec == websocket::error::upgrade_declined)
      co_return makeError(res.result_int() == 403 ? errc::permission_denied : errc::protocol_error,
                          what + ": websocket upgrade declined with " +
                              std::to_string(res.result_int()) + ": " + res.body());
    if (ec) co_return mapError(ec, what);
    beast::get_lowest_layer(ws).expires_never();
    co_return std::unique_ptr<ClientWebSocket>(std::move(impl));
  }

  bool reusable() const override { return reusable_; }
  bool idleUsable() const override {
    if (buffer_.size() != 0) return false;  // bytes nobody asked for
    pollfd p{};
    p.fd = beast::get_lowest_layer(const_cast<Stream&>(stream_)).socket().native_handle();
    p.events = POLLIN | POLLRDHUP;
    // Readable, hung up or in error: an idle connection has nothing to say but goodbye.
    return ::poll(&p, 1, 0) == 0;
  }
  bool lastErrorStale() const override { return stale_; }
  void close() override {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

 private:
  static Stream makeStream(net::any_io_executor ex, ClientTls* tls) {
    if constexpr (kIsTls<Stream>) {
      return Stream(ex, tls->context);
    } else {
      return Stream(ex);
    }
  }

  /// The handshake error with OpenSSL's verification verdict, which says what is wrong with
  /// the server's certificate ("unable to get local issuer certificate", "hostname mismatch").
  Error handshakeError(const boost::system::error_code& ec, const Origin& origin,
                       const std::string& name) {
    Error e = mapError(ec, "TLS handshake with " + origin.toString());
    long verdict = SSL_get_verify_result(stream_.native_handle());
    if (tls_->verify && verdict != X509_V_OK)
      e.message += " (server certificate for '" + name +
                   "' not accepted: " + X509_verify_cert_error_string(verdict) + ")";
    return e;
  }

  Result<void> configureName(const std::string& name) {
    SSL* ssl = stream_.native_handle();
    boost::system::error_code ec;
    (void)net::ip::make_address(name, ec);  // only whether it parses as an IP matters
    if (ec && !SSL_set_tlsext_host_name(ssl, name.c_str()))
      return makeError(errc::invalid_argument, "cannot set TLS server name '" + name + "'");
    if (!tls_->verify) return {};
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    int ok = 0;
    if (!ec) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    }
    if (ok != 1)
      return makeError(errc::invalid_argument, "cannot verify TLS server name '" + name + "'");
    return {};
  }

  std::shared_ptr<ClientTls> tls_;
  Stream stream_;
  beast::flat_buffer buffer_;
  bool used_ = false;
  bool reusable_ = false;
  bool stale_ = false;
};

}  // namespace

Result<std::shared_ptr<ClientTls>> makeClientTls(const ClientTlsOptions& o) {
  auto tls = std::make_shared<ClientTls>();
  auto& ctx = tls->context;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (!o.caFile.empty()) {
    ctx.load_verify_file(o.caFile, ec);
    if (ec)
      return makeError(errc::io_error, "cannot load CA file '" + o.caFile + "': " + ec.message());
  }
  if (!o.caPath.empty()) {
    ctx.add_verify_path(o.caPath, ec);
    if (ec)
      return makeError(errc::io_error, "cannot use CA path '" + o.caPath + "': " + ec.message());
  }
  if (o.caFile.empty() && o.caPath.empty()) ctx.set_default_verify_paths(ec);
  if (!o.clientCertFile.empty() || !o.clientKeyFile.empty()) {
    if (o.clientCertFile.empty() || o.clientKeyFile.empty())
      return makeError(errc::invalid_argument, "client certificate and key must be set together");
    ctx.use_certificate_chain_file(o.clientCertFile, ec);
    if (ec)
      return makeError(errc::io_error, "cannot load client certificate '" + o.clientCertFile +
                                           "': " + ec.message());
    ctx.use_private_key_file(o.clientKeyFile, net::ssl::context::pem, ec);
    if (ec)
      return makeError(errc::io_error,
                       "cannot load client key '" + o.clientKeyFile + "': " + ec.message());
  }
  tls->verify = !o.insecureSkipVerify;
  ctx.set_verify_mode(tls->verify ? net::ssl::verify_peer : net::ssl::verify_none);
  tls->serverName = o.serverName;
  return tls;
}

std::unique_ptr<ClientConn> makeConn(net::any_io_executor ex, std::shared_ptr<ClientTls> tls) {
  if (tls) return std::make_unique<ConnImpl<TlsStream>>(ex, std::move(tls));
  return std::make_unique<ConnImpl<PlainStream>>(ex, nullptr);
}

}  // namespace nc::http::detail
