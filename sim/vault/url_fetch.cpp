// Blocking HTTP(S) GET with Boost.Beast, on its own io_context.
#include "vault/url_fetch.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace nc::vault_sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

struct Url {
  bool tls = false;
  std::string host, port, target;
};

Result<Url> parseUrl(const std::string& url) {
  Url u;
  std::string rest;
  if (url.rfind("http://", 0) == 0)
    rest = url.substr(7);
  else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    u.tls = true;
  } else {
    return makeError(errc::invalid_argument, "unsupported URL scheme in " + url);
  }
  auto slash = rest.find('/');
  std::string hostPort = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostPort.rfind(':');
  if (colon != std::string::npos && hostPort.find(']') == std::string::npos
          ? true
          : colon > hostPort.find(']')) {
    if (colon != std::string::npos) {
      u.host = hostPort.substr(0, colon);
      u.port = hostPort.substr(colon + 1);
    }
  }
  if (u.host.empty()) {
    u.host = hostPort;
    u.port = u.tls ? "443" : "80";
  }
  if (!u.host.empty() && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  return u;
}

template <class Stream>
Result<std::string> exchange(Stream& stream, const Url& u) {
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  req.set(http::field::host, u.host);
  req.set(http::field::user_agent, "vault-sim");
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) return makeError(errc::connection_failed, "write: " + ec.message());
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res, ec);
  if (ec) return makeError(errc::connection_failed, "read: " + ec.message());
  if (res.result_int() != 200)
    return makeError(errc::protocol_error,
                     "Get \"" + u.target + "\": status " + std::to_string(res.result_int()));
  return res.body();
}

}  // namespace

Result<std::string> fetchUrl(const std::string& url, const std::string& caPem) {
  auto u = parseUrl(url);
  if (!u) return u.error();
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(u->host, u->port, ec);
  if (ec) return makeError(errc::connection_failed, "Get \"" + url + "\": " + ec.message());
  if (!u->tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(endpoints, ec);
    if (ec)
      return makeError(errc::connection_failed, "Get \"" + url + "\": dial tcp: " + ec.message());
    return exchange(stream, *u);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (!caPem.empty())
    ctx.add_certificate_authority(asio::buffer(caPem), ec);
  else
    ctx.set_default_verify_paths(ec);
  if (ec) return makeError(errc::invalid_argument, "bad CA: " + ec.message());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(u->host));
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(endpoints, ec);
  if (ec)
    return makeError(errc::connection_failed, "Get \"" + url + "\": dial tcp: " + ec.message());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return makeError(errc::connection_failed, "Get \"" + url + "\": tls: " + ec.message());
  return exchange(stream, *u);
}

}  // namespace nc::vault_sim
