// URLs of the servers a transport may talk to, and the redirect decision (pure): follow only
// 307/308 to an allowed origin, so a token is never sent outside the configured cluster.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::http {

struct Origin {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< name or IP literal, without brackets
  unsigned short port = 0;

  bool tls() const { return scheme == "https"; }
  /// "https://host:port" (IPv6 in brackets).
  std::string toString() const;
  /// Value for the Host header ("host:port").
  std::string hostHeader() const;
  friend bool operator==(const Origin&, const Origin&) = default;
};

struct Url {
  Origin origin;
  std::string target;  ///< origin-form path and query; "/" when empty
};

/// Parses "http(s)://host[:port][/path][?query]"; the default port follows the scheme.
Result<Url> parseUrl(std::string_view text);

/// Where a 307/308 leads. location may be absolute or an absolute path on the current origin.
/// Errors: missing/unparseable Location (protocol_error); an origin outside `allowed`
/// (unavailable, and the request is not re-sent); more than maxHops (protocol_error).
Result<Url> decideRedirect(const Origin& current, const std::vector<Origin>& allowed,
                           const std::string* location, int hopsSoFar, int maxHops);

/// 307 and 308 only: the codes that keep method and body (Vault standby redirects).
inline bool isFollowableRedirect(int status) {
  return status == 307 || status == 308;
}

}  // namespace nc::http
