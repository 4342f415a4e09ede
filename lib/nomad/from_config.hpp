// Builds the Nomad client's settings (options, transport options, token provider) from
// lib/config's NomadConfig.
#pragma once

#include "config/daemon_config.hpp"
#include "http/client.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {

struct NomadSetup {
  Options options;
  http::ClientOptions transport;
  TokenProvider token;  ///< re-reads a token file when its modification time changes
};

/// Errors: a systemd credential without $CREDENTIALS_DIRECTORY.
Result<NomadSetup> nomadSetupFromConfig(const config::NomadConfig& config);

}  // namespace nc::nomad
