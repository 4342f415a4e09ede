// lib/config → Vault client settings.
#include "vault/from_config.hpp"

#include <cstdlib>

namespace nc::vault {

Result<VaultSetup> vaultSetupFromConfig(const config::VaultConfig& c, ClockPtr clock) {
  VaultSetup s;
  s.options.address = c.address;
  s.options.vaultNamespace = c.vaultNamespace;
  s.options.tls = TlsFiles{c.tls.caCert,    c.tls.caPath,     c.tls.clientCert,
                           c.tls.clientKey, c.tls.serverName, c.tls.insecureSkipVerify};
  s.options.requestTimeout = c.requestTimeout;
  s.transport.baseUrl = c.address;
  s.transport.name = "vault";
  s.transport.tls =
      http::ClientTlsOptions{c.tls.caCert,    c.tls.caPath,     c.tls.clientCert,
                             c.tls.clientKey, c.tls.serverName, c.tls.insecureSkipVerify};
  s.transport.requestTimeout = c.requestTimeout;

  if (c.auth.method == config::VaultAuthMethod::approle) {
    if (c.auth.roleIdFile.empty() || c.auth.secretIdFile.empty())
      return Error(errc::invalid_argument,
                   "vault approle auth needs role_id_file and secret_id_file");
    s.slot = std::make_shared<MemoryTokenSource>();
    s.tokens = s.slot;
    s.manager.appRoleMount = c.auth.appRoleMount;
    s.manager.roleIdFile = c.auth.roleIdFile;
    s.manager.secretIdFile = c.auth.secretIdFile;
    s.options.appRoleMount = c.auth.appRoleMount;
    s.options.roleIdFile = c.auth.roleIdFile;
    s.options.secretIdFile = c.auth.secretIdFile;
    return s;
  }
  std::string file = c.auth.token.file;
  if (file.empty() && !c.auth.token.credential.empty()) {
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (!dir)
      return Error(errc::invalid_argument,
                   "vault token credential \"" + c.auth.token.credential +
                       "\" configured but $CREDENTIALS_DIRECTORY is not set");
    file = std::string(dir) + "/" + c.auth.token.credential;
  }
  if (!file.empty()) {
    s.file = std::make_shared<FileTokenSource>(file, std::move(clock));
    s.tokens = s.file;
    s.options.tokenFile = file;
  } else {
    s.tokens = std::make_shared<StaticTokenSource>(c.auth.token.value.reveal());
  }
  return s;
}

}  // namespace nc::vault
