// The daemon's backend clients (Vault, Nomad, token manager) and alert sinks, built from the
// daemon config on one io_context.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/sink.hpp"
#include "nomad/nomad_api.hpp"
#include "vault/vault_api.hpp"

namespace boost::asio {
class io_context;
}
namespace nc::http {
class HttpTransport;
}
namespace nc::vault {
class TokenManager;
}

namespace nc::cli {

struct Clients {
  vault::VaultApiPtr vault;
  nomad::NomadApiPtr nomad;
  std::shared_ptr<vault::TokenManager> tokens;                   ///< keeps the Vault token alive
  std::vector<std::shared_ptr<http::HttpTransport>> transports;  ///< shut down on stop
  void shutdown();
};

/// Errors: bad addresses, unreadable TLS files, missing credentials.
Result<Clients> makeClients(boost::asio::io_context& io, const config::DaemonConfig& config,
                            ClockPtr clock);

/// A secret named by the config (credential or file: read now, trailing whitespace trimmed;
/// or the environment value). Nothing when none is configured. Errors name the source, never
/// the content.
Result<std::optional<config::Secret>> loadSecret(const config::TokenConfig& source,
                                                 const std::string& what);

/// One sink per alerts.sinks entry (a single log sink when none is configured); HTTP sinks get
/// their own transport, added to `clients.transports`.
Result<std::vector<events::AlertSinkPtr>> makeSinks(boost::asio::io_context& io,
                                                    const config::DaemonConfig& config,
                                                    ClockPtr clock, Clients& clients,
                                                    const std::string& generatorUrl);

}  // namespace nc::cli
