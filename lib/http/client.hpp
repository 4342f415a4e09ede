// The HTTP client Transport factory: options (TLS, timeouts, limits, pool, retries, redirects)
// and makeTransport. No Beast here; include this where a real Transport is built.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "http/retry_policy.hpp"
#include "http/transport.hpp"

namespace boost::asio {
class io_context;
}

namespace nc::http {

struct ClientTlsOptions {
  std::string caFile;          ///< PEM bundle of trusted CAs (VAULT_CACERT / NOMAD_CACERT)
  std::string caPath;          ///< directory of hashed CA certificates
  std::string clientCertFile;  ///< client certificate for mTLS
  std::string clientKeyFile;
  std::string serverName;           ///< SNI and the name verified; defaults to the URL host
  bool insecureSkipVerify = false;  ///< disables verification entirely (tests only)
};

struct ClientOptions {
  std::string baseUrl;        ///< "http(s)://host:port"
  ClientTlsOptions tls;       ///< used when baseUrl is https
  std::string name = "http";  ///< label for log lines, e.g. "vault" or "nomad"
  Duration connectTimeout = Duration::seconds(10);
  Duration requestTimeout = Duration::seconds(60);  ///< default whole-request deadline
  std::size_t maxBodyBytes = 32 * 1024 * 1024;      ///< larger responses fail with too_large
  std::size_t maxConnections = 8;                   ///< per origin (keep-alive pool)
  RetryPolicy retry;
  /// Extra origins (other cluster members) that 307/308 redirects may lead to. The base URL is
  /// always allowed; a redirect anywhere else fails and the request is not re-sent there.
  std::vector<std::string> redirectAllowList;
  int maxRedirects = 3;
  std::string userAgent = "nomad-certd";
};

/// A Transport that can also be shut down: in-flight requests, streams and backoff waits end
/// with errc::cancelled, pooled connections close, and later calls fail at once.
class HttpTransport : public Transport {
 public:
  virtual void shutdown() = 0;
};
using HttpTransportPtr = std::shared_ptr<HttpTransport>;

/// Builds a transport on the io_context (which must outlive it and run its coroutines).
/// Errors: bad baseUrl or allow-list entry, unreadable CA/client certificate/key files.
Result<HttpTransportPtr> makeTransport(boost::asio::io_context& io, ClientOptions options);

}  // namespace nc::http
