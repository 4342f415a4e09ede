// Client framing over any Beast stream (tcp, TLS, or beast::test::stream in unit tests):
// request building, bounded response reading, error mapping, and the NDJSON line reader.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "http/asio_common.hpp"
#include "http/transport.hpp"

namespace nc::http::detail {

namespace bhttp = beast::http;
using BeastRequest = bhttp::request<bhttp::string_body>;

/// Maps an Asio/Beast/TLS error of `what` ("GET /v1/x on https://h:p") to the project errors.
Error mapError(const boost::system::error_code& ec, const std::string& what);
/// True for the errors a reused keep-alive connection shows when the server closed it idle.
bool isStaleConnectionError(const boost::system::error_code& ec);
/// The Beast request for `req` sent to host (the Host header) at target.
BeastRequest toBeastRequest(const Request& req, const std::string& host, const std::string& target,
                            const std::string& userAgent);
Headers toHeaders(const bhttp::fields& fields);

struct ReadResult {
  Response response;
  bool keepAlive = false;
};

/// Sets the deadline on streams that have one (tcp_stream based), ignores it otherwise.
template <class Stream, class Time>
void setDeadline(Stream& s, Time t) {
  if constexpr (requires { beast::get_lowest_layer(s).expires_at(t); }) {
    beast::get_lowest_layer(s).expires_at(t);
  }
}
template <class Stream, class D>
void setTimeout(Stream& s, D d) {
  if constexpr (requires { beast::get_lowest_layer(s).expires_after(d); }) {
    beast::get_lowest_layer(s).expires_after(d);
  }
}

/// Reads one whole response, its body bounded by maxBody (errc::too_large beyond).
template <class Stream>
net::awaitable<Result<ReadResult>> readResponse(Stream& s, beast::flat_buffer& buffer,
                                                std::size_t maxBody, bool head, std::string what,
                                                boost::system::error_code* raw = nullptr) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(maxBody);
  if (head) parser.skip(true);
  auto [ec, n] = co_await bhttp::async_read(s, buffer, parser, kTuple);
  if (raw) *raw = ec;
  if (ec) {
    if (ec == bhttp::error::body_limit)
      co_return makeError(errc::too_large, what + ": response body exceeds the limit of " +
                                               std::to_string(maxBody) + " bytes");
    co_return mapError(ec, what);
  }
  auto& msg = parser.get();
  ReadResult r;
  r.response.status = msg.result_int();
  r.response.headers = toHeaders(msg.base());
  r.response.body = std::move(msg.body());
  r.keepAlive = msg.keep_alive();
  co_return r;
}

}  // namespace nc::http::detail
