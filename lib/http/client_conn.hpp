// One client connection (plain or TLS) behind a small virtual interface, so the transport's
// pool and retry logic is written once; Beast inside, lib/http sources only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/client.hpp"
#include "http/client_io.hpp"
#include "http/redirect_policy.hpp"

namespace nc::http::detail {

using Deadline = std::chrono::steady_clock::time_point;

/// A client websocket that the transport can also abort synchronously on shutdown.
class ClientWebSocket : public WebSocket {
 public:
  virtual void abort() = 0;
};

class ClientConn {
 public:
  virtual ~ClientConn() = default;
  /// Resolves, connects and (for https) handshakes with SNI and name verification.
  virtual net::awaitable<Result<void>> open(Origin origin, Deadline deadline) = 0;
  /// Writes the request and reads the whole response. lastErrorStale() tells afterwards
  /// whether a failure looked like a keep-alive connection the server had already closed.
  virtual net::awaitable<Result<Response>> roundTrip(BeastRequest req, Deadline deadline,
                                                     std::size_t maxBody, std::string what) = 0;
  /// Consumes the connection into a line stream (see startLineStream).
  virtual net::awaitable<Result<LineStreamPtr>> openLines(BeastRequest req, Deadline deadline,
                                                          std::size_t maxLine,
                                                          std::string what) = 0;
  /// Consumes the connection into a websocket (handshake with the request's headers).
  virtual net::awaitable<Result<std::unique_ptr<ClientWebSocket>>> openWebSocket(
      BeastRequest req, Deadline deadline, std::string what) = 0;
  virtual bool reusable() const = 0;
  /// For a pooled idle connection: false when the server has closed it (or sent anything)
  /// since the last response, so it must not carry the next request.
  virtual bool idleUsable() const = 0;
  virtual bool lastErrorStale() const = 0;
  virtual void close() = 0;
};

/// TLS settings of a transport, built once from ClientTlsOptions.
struct ClientTls {
  net::ssl::context context{net::ssl::context::tls_client};
  std::string serverName;
  bool verify = true;
};

/// Loads CA/client certificate files; errors name the file that failed.
Result<std::shared_ptr<ClientTls>> makeClientTls(const ClientTlsOptions& options);

/// tls is null for plain http.
std::unique_ptr<ClientConn> makeConn(net::any_io_executor ex, std::shared_ptr<ClientTls> tls);

}  // namespace nc::http::detail
