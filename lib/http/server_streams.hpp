// Server-side stream helpers (closing, faults) and the StreamWriter / ServerWebSocket
// implementations over Beast streams; included only by lib/http sources.
#pragma once

#include <string>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "http/asio_common.hpp"
#include "http/server.hpp"

namespace nc::http::detail {

template <class Stream>
void closeSocket(Stream& s) {
  boost::system::error_code ec;
  beast::get_lowest_layer(s).socket().close(ec);
}

/// Drops the connection with a TCP reset (fault injection).
template <class Stream>
void resetSocket(Stream& s) {
  boost::system::error_code ec;
  auto& sock = beast::get_lowest_layer(s).socket();
  sock.set_option(net::socket_base::linger(true, 0), ec);
  sock.close(ec);
}

/// Ends a connection politely: TLS close_notify, or a half-close followed by draining what
/// the peer still sends, so the peer reads our last response instead of a reset.
template <class Stream>
net::awaitable<void> finishConnection(Stream& s) {
  auto& low = beast::get_lowest_layer(s);
  low.expires_after(std::chrono::seconds(2));
  if constexpr (kIsTls<Stream>) {
    co_await s.async_shutdown(kTuple);
  } else {
    boost::system::error_code ec;
    low.socket().shutdown(net::socket_base::shutdown_send, ec);
    char buf[4096];
    for (int i = 0; i < 256 && !ec; ++i) {
      std::size_t n = 0;
      std::tie(ec, n) = co_await low.async_read_some(net::buffer(buf), kTuple);
    }
  }
  closeSocket(s);
}

template <class Stream>
class StreamWriterImpl final : public StreamWriter {
 public:
  StreamWriterImpl(Stream& stream, Duration timeout) : stream_(stream), timeout_(timeout) {}

  net::awaitable<bool> write(std::string chunk) override {
    if (failed_) co_return false;
    beast::get_lowest_layer(stream_).expires_after(timeout_.nanos());
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(chunk), kTuple);
    if (ec) failed_ = true;
    co_return !failed_;
  }

 private:
  Stream& stream_;
  Duration timeout_;
  bool failed_ = false;
};

template <class Stream>
class ServerWebSocketImpl final : public ServerWebSocket {
 public:
  explicit ServerWebSocketImpl(beast::websocket::stream<Stream>& ws) : ws_(ws) {}

  net::awaitable<bool> send(std::string text) override {
    ws_.text(true);
    auto [ec, n] = co_await ws_.async_write(net::buffer(text), kTuple);
    co_return !ec;
  }

  net::awaitable<std::optional<std::string>> receive() override {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await ws_.async_read(buffer, kTuple);
    if (ec) co_return std::nullopt;
    co_return beast::buffers_to_string(buffer.data());
  }

  net::awaitable<void> close(int code, std::string reason) override {
    if (!ws_.is_open()) co_return;
    beast::websocket::close_reason cr(static_cast<beast::websocket::close_code>(code), reason);
    co_await ws_.async_close(cr, kTuple);
  }

 private:
  beast::websocket::stream<Stream>& ws_;
};

}  // namespace nc::http::detail
