// Internal to lib/config: pieces of the daemon-config loader split by section.
#pragma once

#include <string>

#include "config/daemon_config.hpp"
#include "config/environment.hpp"
#include "config/loader_util.hpp"

namespace nc::config::detail {

/// Reading state for one peer section (vault{} or nomad{}).
struct PeerContext {
  DocContext& ctx;
  const Environment& env;
  std::string envPrefix;  ///< "VAULT_" or "NOMAD_"
};

/// tls{} under `parent`, with <PREFIX>CACERT, CAPATH, CLIENT_CERT, CLIENT_KEY,
/// TLS_SERVER_NAME, SKIP_VERIFY as defaults. Files must exist.
void readTls(PeerContext& p, MapReader& parent, TlsConfig& tls);

/// `address` or <PREFIX>ADDR; must be an http(s) URL.
void readAddress(PeerContext& p, MapReader& r, std::string& address);

/// Token from a credential, a file or the environment variable `envName`.
void resolveToken(PeerContext& p, MapReader& r, const std::string& credKey,
                  const std::string& fileKey, const char* envName, TokenConfig& token);

}  // namespace nc::config::detail
