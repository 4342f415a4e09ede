// Vault requests of the simulated template runner: JWT login and `secret` writes over
// lib/http's client, with consul-template-like retries and Vault API error texts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "http/transport.hpp"
#include "json.hpp"

namespace nc::nomadsim {

struct VaultRetry {
  int attempts = 3;
  int baseMs = 100;
  /// Checked before each attempt: a non-empty text makes the attempt fail as a 403 with it.
  std::function<std::string()> injected;
};

/// consul-template's name for a write dependency: "vault.write(<path> -> <hash of params>)".
std::string vaultWriteName(const std::string& path, const std::vector<std::string>& params);

/// POST /v1/auth/<mount>/login {"role"?, "jwt"}; the client token.
boost::asio::awaitable<Result<std::string>> vaultJwtLogin(http::Transport& t, std::string mount,
                                                          std::string role, std::string jwt,
                                                          VaultRetry retry);

/// GET /v1/<path> (a `secret` call without parameters); the whole response.
boost::asio::awaitable<Result<Doc>> vaultRead(http::Transport& t, std::string token,
                                              std::string path, VaultRetry retry);

/// PUT /v1/<path> with the k=v params as a JSON object; the whole response.
boost::asio::awaitable<Result<Doc>> vaultWrite(http::Transport& t, std::string token,
                                               std::string path, std::vector<std::string> params,
                                               VaultRetry retry);

}  // namespace nc::nomadsim
