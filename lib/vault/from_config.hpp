// Builds the Vault client's settings (transport options, token source, token manager options)
// from lib/config's VaultConfig.
#pragma once

#include <memory>

#include "config/daemon_config.hpp"
#include "core/clock.hpp"
#include "http/client.hpp"
#include "vault/token_manager.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {

struct VaultSetup {
  Options options;
  http::ClientOptions transport;
  TokenSourcePtr tokens;                    ///< what VaultClient sends
  std::shared_ptr<MemoryTokenSource> slot;  ///< set for AppRole (TokenManager fills it)
  std::shared_ptr<FileTokenSource> file;    ///< set for a token file
  TokenManagerOptions manager;
};

/// Errors: AppRole without both ID files, a systemd credential without $CREDENTIALS_DIRECTORY.
Result<VaultSetup> vaultSetupFromConfig(const config::VaultConfig& config, ClockPtr clock);

}  // namespace nc::vault
