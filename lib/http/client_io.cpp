// Client framing helpers: error mapping and request/header conversion.
#include "http/client_io.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace nc::http::detail {

Error mapError(const boost::system::error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return makeError(errc::timeout, what + ": timed out");
  if (ec == net::error::operation_aborted) return makeError(errc::cancelled, what + ": cancelled");
  if (ec == bhttp::error::body_limit)
    return makeError(errc::too_large, what + ": body exceeds the limit");
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof)
    return makeError(errc::connection_failed, what + ": server closed the connection");
  if (ec == bhttp::error::partial_message)
    return makeError(errc::connection_failed, what + ": server closed the connection mid-response");
  if (ec == net::ssl::error::stream_truncated)
    return makeError(errc::connection_failed, what + ": TLS stream truncated");
  if (ec.category() == net::error::get_ssl_category())
    return makeError(errc::connection_failed, what + ": TLS error: " + ec.message());
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
    return makeError(errc::protocol_error, what + ": malformed HTTP: " + ec.message());
  return makeError(errc::connection_failed, what + ": " + ec.message());
}

bool isStaleConnectionError(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::ssl::error::stream_truncated;
}

BeastRequest toBeastRequest(const Request& req, const std::string& host, const std::string& target,
                            const std::string& userAgent) {
  BeastRequest out;
  out.method_string(req.method);
  out.target(target);
  out.version(11);
  out.set(bhttp::field::host, host);
  out.set(bhttp::field::user_agent, userAgent);
  for (const auto& h : req.headers) out.insert(h.name, h.value);
  out.body() = req.body;
  out.keep_alive(true);
  out.prepare_payload();
  return out;
}

Headers toHeaders(const bhttp::fields& fields) {
  Headers out;
  for (const auto& f : fields)
    out.push_back({std::string(f.name_string()), std::string(f.value())});
  return out;
}

}  // namespace nc::http::detail
