// The small HTTP/1.1 server used by the health endpoint and by the simulators. Handlers are
// coroutines over plain request/response structs, so no Beast header leaks out of lib/http.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace nc::http {

struct ServerRequest {
  std::string method;                                      ///< as sent, e.g. "GET", "LIST", "PATCH"
  std::string target;                                      ///< raw request target
  std::string path;                                        ///< percent-decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order
  Headers headers;
  std::string body;
  std::string remoteAddress;
  bool tls = false;
  std::string tlsServerName;      ///< SNI host name the client sent (TLS only; "" when none)
  bool websocketUpgrade = false;  ///< the request asks for a websocket

  const std::string* header(std::string_view name) const { return findHeader(headers, name); }
  /// First value of a query parameter; std::nullopt when absent ("" when present without value).
  std::optional<std::string> queryParam(std::string_view name) const;
  bool hasQueryParam(std::string_view name) const { return queryParam(name).has_value(); }
};

/// Writes a streamed body. write() returns false once the client has gone away.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual boost::asio::awaitable<bool> write(std::string chunk) = 0;
};

/// Server side of an accepted websocket.
class ServerWebSocket {
 public:
  virtual ~ServerWebSocket() = default;
  virtual boost::asio::awaitable<bool> send(std::string text) = 0;
  /// Next text message; std::nullopt when the client closed or the connection broke.
  virtual boost::asio::awaitable<std::optional<std::string>> receive() = 0;
  virtual boost::asio::awaitable<void> close(int code, std::string reason) = 0;
};

struct ServerResponse {
  int status = 200;
  Headers headers;  ///< Content-Type is the handler's job; Content-Length/Date the server's
  std::string body;

  /// When set, the server sends status+headers, then lets the handler stream the body
  /// (connection-delimited, Connection: close), then closes. A HEAD request gets the headers.
  std::function<boost::asio::awaitable<void>(StreamWriter&)> stream;
  /// The streamed body's length when known in advance: sent as Content-Length, so a client
  /// can tell a complete body from a cut one.
  std::optional<std::uint64_t> streamLength;
  /// When set on a websocket upgrade request, the server completes the handshake and hands
  /// the socket over.
  std::function<boost::asio::awaitable<void>(ServerWebSocket&)> websocket;

  /// Fault injection for the simulators: drop the connection instead of answering, or send
  /// the headers and only the first truncateBodyAt bytes of the body before closing.
  bool resetConnection = false;
  std::optional<std::size_t> truncateBodyAt;
};

using Handler = std::function<boost::asio::awaitable<ServerResponse>(ServerRequest)>;

struct ServerTlsOptions {
  std::string certFile;      ///< PEM chain
  std::string keyFile;       ///< PEM private key
  std::string clientCaFile;  ///< when set, client certificates are required and verified
};

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  ///< HOST:PORT; port 0 picks a free port
  std::optional<ServerTlsOptions> tls;
  std::size_t maxBodyBytes = 32 * 1024 * 1024;  ///< larger bodies get 413
  std::size_t maxHeaderBytes = 64 * 1024;
  Duration headerTimeout = Duration::seconds(10);  ///< slow-client protection
  Duration bodyTimeout = Duration::seconds(30);
  Duration idleTimeout = Duration::seconds(90);  ///< keep-alive idle
  /// Beyond it new connections are closed at once; the first refusal is logged (warning), then
  /// at most one line per 10 s with the number refused since.
  std::size_t maxConnections = 1024;
};

class Server {
 public:
  virtual ~Server() = default;
  /// "http://127.0.0.1:PORT" or "https://…", with the port actually bound.
  virtual std::string url() const = 0;
  virtual unsigned short port() const = 0;
  /// Connections closed at once because maxConnections were open (any thread).
  virtual std::uint64_t connectionsRefused() const = 0;
  /// Stops accepting and closes every connection; safe to call twice.
  virtual void stop() = 0;
};
using ServerPtr = std::unique_ptr<Server>;

/// Binds and starts accepting on the io_context (which the caller runs).
/// Errors: invalid listen address, bind failure, unreadable TLS files.
Result<ServerPtr> startServer(boost::asio::io_context& io, ServerOptions options, Handler handler);

}  // namespace nc::http
