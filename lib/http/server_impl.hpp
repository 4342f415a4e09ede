// Server internals shared by the listener (server.cpp) and the connection sessions; Beast inside,
// so only lib/http sources include this file.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/cap_log.hpp"
#include "http/server.hpp"

namespace nc::http::detail {

/// One accepted connection, as the listener sees it (for the cap and for stop()).
struct Connection {
  boost::asio::cancellation_signal cancel;
  std::function<void()> close;  ///< closes the socket; set and cleared by the session
  std::list<std::shared_ptr<Connection>>::iterator self;
};

struct ServerState {
  ServerState(boost::asio::io_context& io, ServerOptions o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        acceptor(io),
        capLog(options.maxConnections) {}

  ServerOptions options;
  Handler handler;
  boost::asio::ip::tcp::acceptor acceptor;
  std::optional<boost::asio::ssl::context> tls;
  std::list<std::shared_ptr<Connection>> connections;
  ConnectionCapLog capLog;                ///< what to log about refusals (io thread only)
  std::atomic<std::uint64_t> refused{0};  ///< connections closed at the cap, for Server
  bool stopped = false;
  std::string url;
  unsigned short port = 0;
};

/// Serves one accepted connection (TLS handshake when configured) until it closes.
boost::asio::awaitable<void> runSession(std::shared_ptr<ServerState> state,
                                        std::shared_ptr<Connection> conn,
                                        boost::asio::ip::tcp::socket socket);

}  // namespace nc::http::detail
