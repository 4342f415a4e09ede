// Transport: the client-side seam. Typed Vault/Nomad clients speak to servers only through this,
// so they run against real servers, the simulators, or a fake in unit tests.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "http/message.hpp"

namespace nc::http {

struct Request {
  std::string method = "GET";  ///< any token, including Vault's "LIST"
  std::string target;          ///< origin-form: "/v1/sys/health?standbyok=true"
  Headers headers;             ///< secrets (tokens) go here and are never logged by the transport
  std::string body;
  std::optional<Duration> timeout;  ///< whole-request deadline; transport default when unset
  /// Safe to retry on connection errors / 429 / 5xx. Defaults from the method when unset.
  std::optional<bool> idempotent;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;

  const std::string* header(std::string_view name) const { return findHeader(headers, name); }
};

/// A line-oriented response stream (Nomad's NDJSON event stream).
class LineStream {
 public:
  virtual ~LineStream() = default;
  /// Next line without its newline. std::nullopt when the server closed the stream cleanly.
  /// errc::timeout when no byte arrived within idleTimeout (heartbeat missed).
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> nextLine(
      Duration idleTimeout) = 0;
  virtual void close() = 0;
};
using LineStreamPtr = std::unique_ptr<LineStream>;

/// A websocket connection (Nomad's alloc exec). Text frames only.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  virtual boost::asio::awaitable<Result<void>> send(std::string text) = 0;
  /// Next message; std::nullopt when the peer closed (closeCode()/closeReason() then tell why).
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> receive(
      Duration idleTimeout) = 0;
  /// Code of the peer's close frame (0 before one arrived).
  virtual int closeCode() const = 0;
  /// Reason text of the peer's close frame ("" when none was given or none arrived yet).
  virtual const std::string& closeReason() const = 0;
  virtual boost::asio::awaitable<void> close() = 0;
};
using WebSocketPtr = std::unique_ptr<WebSocket>;

class Transport {
 public:
  virtual ~Transport() = default;

  /// Sends one request and reads the whole response (bounded by the body limit).
  /// Any HTTP status is a value; errors are transport failures (connect, TLS, timeout,
  /// too_large, protocol_error, cancelled) after retries are exhausted.
  virtual boost::asio::awaitable<Result<Response>> send(Request request) = 0;

  /// Sends a request whose 2xx response body is read line by line. A non-2xx status is
  /// returned as an error carrying the status and body text.
  virtual boost::asio::awaitable<Result<LineStreamPtr>> openLineStream(Request request) = 0;

  /// Upgrades to a websocket on request.target.
  virtual boost::asio::awaitable<Result<WebSocketPtr>> openWebSocket(Request request) = 0;

  /// Base URL this transport talks to, e.g. "https://127.0.0.1:8200" (for messages only).
  virtual const std::string& baseUrl() const = 0;
};
using TransportPtr = std::shared_ptr<Transport>;

}  // namespace nc::http
