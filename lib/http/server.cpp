// startServer: binds the listener, accepts connections under a cap and stops them all on stop().
#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/server_impl.hpp"

namespace nc::http {
namespace {

namespace net = boost::asio;
using detail::Connection;
using detail::ServerState;
using net::ip::tcp;

Result<tcp::endpoint> parseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return makeError(errc::invalid_argument, "listen address '" + listen + "' is not HOST:PORT");
  std::string host = listen.substr(0, colon);
  std::string portText = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(portText, &used);
    if (used != portText.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return makeError(errc::invalid_argument, "listen address '" + listen + "' has a bad port");
  }
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec)
    return makeError(errc::invalid_argument, "listen address '" + listen + "' has a bad host");
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

Result<void> setupTls(ServerState& st, const ServerTlsOptions& tls) {
  st.tls.emplace(net::ssl::context::tls_server);
  auto& ctx = *st.tls;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                  net::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(tls.certFile, ec);
  if (ec)
    return makeError(errc::io_error,
                     "cannot load TLS certificate '" + tls.certFile + "': " + ec.message());
  ctx.use_private_key_file(tls.keyFile, net::ssl::context::pem, ec);
  if (ec)
    return makeError(errc::io_error, "cannot load TLS key '" + tls.keyFile + "': " + ec.message());
  if (!tls.clientCaFile.empty()) {
    ctx.load_verify_file(tls.clientCaFile, ec);
    if (ec)
      return makeError(errc::io_error,
                       "cannot load client CA '" + tls.clientCaFile + "': " + ec.message());
    ctx.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  }
  return {};
}

net::awaitable<void> acceptLoop(std::shared_ptr<ServerState> st) {
  auto ex = co_await net::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (st->stopped) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      // Out of descriptors and similar: back off briefly instead of spinning.
      spdlog::warn("http server {}: accept failed: {}", st->url, ec.message());
      net::steady_timer t(ex, std::chrono::milliseconds(50));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    if (st->connections.size() >= st->options.maxConnections) {
      // Under load this happens per connection: log the first, then counted summaries.
      st->refused.fetch_add(1, std::memory_order_relaxed);
      if (auto line = st->capLog.refused(std::chrono::steady_clock::now()))
        spdlog::warn("http server {}: {}", st->url, *line);
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    if (st->capLog.unreported() > 0)
      if (auto line = st->capLog.accepted(std::chrono::steady_clock::now()))
        spdlog::warn("http server {}: {}", st->url, *line);
    auto conn = std::make_shared<Connection>();
    st->connections.push_front(conn);
    conn->self = st->connections.begin();
    net::co_spawn(
        ex, detail::runSession(st, conn, std::move(socket)),
        net::bind_cancellation_slot(conn->cancel.slot(), [st, conn](std::exception_ptr e) {
          if (e && !st->stopped) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              spdlog::error("http server {}: connection failed: {}", st->url, ex.what());
            }
          }
          st->connections.erase(conn->self);
        }));
  }
}

class ServerImpl final : public Server {
 public:
  ServerImpl(net::io_context& io, std::shared_ptr<ServerState> st)
      : io_(io), state_(std::move(st)) {}
  ~ServerImpl() override { stop(); }

  std::string url() const override { return state_->url; }
  unsigned short port() const override { return state_->port; }
  std::uint64_t connectionsRefused() const override {
    return state_->refused.load(std::memory_order_relaxed);
  }

  void stop() override {
    net::dispatch(io_, [st = state_] {
      if (st->stopped) return;
      st->stopped = true;
      boost::system::error_code ignored;
      st->acceptor.close(ignored);
      auto conns = st->connections;
      for (auto& c : conns) {
        c->cancel.emit(net::cancellation_type::terminal);
        if (c->close) c->close();
      }
    });
  }

 private:
  net::io_context& io_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace

Result<ServerPtr> startServer(net::io_context& io, ServerOptions options, Handler handler) {
  auto endpoint = parseListen(options.listen);
  if (!endpoint) return endpoint.error();
  auto st = std::make_shared<ServerState>(io, std::move(options), std::move(handler));
  if (st->options.tls) {
    auto r = setupTls(*st, *st->options.tls);
    if (!r) return r.error();
  }
  boost::system::error_code ec;
  st->acceptor.open(endpoint->protocol(), ec);
  if (!ec) st->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) st->acceptor.bind(*endpoint, ec);
  if (!ec) st->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return makeError(errc::connection_failed,
                     "cannot listen on '" + st->options.listen + "': " + ec.message());
  auto bound = st->acceptor.local_endpoint(ec);
  st->port = bound.port();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  st->url = std::string(st->tls ? "https://" : "http://") + host + ":" + std::to_string(st->port);
  net::co_spawn(io, acceptLoop(st), net::detached);
  return ServerPtr(std::make_unique<ServerImpl>(io, st));
}

}  // namespace nc::http
