// VaultClient: the VaultApi implementation over an http::Transport, plus the token endpoints.
#pragma once

#include <optional>
#include <string>

#include "http/transport.hpp"
#include "vault/token_source.hpp"
#include "vault/vault_api.hpp"

namespace nc::vault {

/// TLS file paths for the transport (what lib/config's TlsConfig carries).
struct TlsFiles {
  std::string caCert, caPath, clientCert, clientKey, serverName;
  bool insecureSkipVerify = false;
};

struct Options {
  std::string address = "https://127.0.0.1:8200";  ///< VAULT_ADDR
  std::string vaultNamespace;                      ///< X-Vault-Namespace, sent only when set
  TlsFiles tls;
  Duration requestTimeout = Duration::seconds(30);
  /// AppRole auto-auth (used by TokenManager when both files are set).
  std::string appRoleMount = "approle";
  std::string roleIdFile, secretIdFile;
  std::string tokenFile;  ///< otherwise a token file re-read on change
  std::string token;      ///< otherwise a fixed token (VAULT_TOKEN)
};

class VaultClient final : public VaultApi {
 public:
  VaultClient(http::TransportPtr transport, TokenSourcePtr tokens, Options options = {});

  Task<HealthStatus> health(HealthQuery query) override;
  Task<SealStatus> sealStatus() override;

  Task<std::vector<Mount>> listMounts() override;
  Task<void> enableMount(std::string path, MountSpec spec) override;
  Task<MountTune> readMountTune(std::string path) override;
  Task<void> tuneMount(std::string path, MountTuneUpdate update) override;

  Task<PkiRole> readPkiRole(std::string mount, std::string name) override;
  Task<void> writePkiRole(std::string mount, std::string name, PkiRole role) override;
  Task<PkiRole> patchPkiRole(std::string mount, std::string name, std::string patchJson) override;
  Task<std::vector<std::string>> listPkiRoles(std::string mount) override;
  Task<void> deletePkiRole(std::string mount, std::string name) override;
  Task<IssuedCertificate> issue(std::string mount, std::string role, IssueRequest request) override;
  Task<std::string> caChain(std::string mount) override;
  Task<std::vector<std::string>> listCertificates(std::string mount) override;
  Task<CertificateRecord> readCertificate(std::string mount, std::string serial) override;

  Task<AclPolicy> readPolicy(std::string name) override;
  Task<void> putPolicy(std::string name, std::string policyText) override;
  Task<std::vector<std::string>> listPolicies() override;
  Task<void> deletePolicy(std::string name) override;

  Task<std::vector<Mount>> listAuthMounts() override;
  Task<void> enableAuth(std::string path, MountSpec spec) override;

  Task<JwtConfig> readJwtConfig(std::string mount) override;
  Task<void> writeJwtConfig(std::string mount, JwtConfig config) override;
  Task<JwtRole> readJwtRole(std::string mount, std::string name) override;
  Task<void> writeJwtRole(std::string mount, std::string name, JwtRole role) override;
  Task<std::vector<std::string>> listJwtRoles(std::string mount) override;

  Task<TokenInfo> lookupSelf() override;
  /// POST auth/token/renew-self; `increment` 0 lets Vault choose.
  Task<AuthInfo> renewSelf(std::int64_t incrementSeconds);
  /// POST auth/<mount>/login with role_id/secret_id (sent without a token).
  Task<AuthInfo> loginAppRole(std::string mount, std::string roleId, std::string secretId);

  /// One raw call with the client's headers; status and body as Vault sent them.
  /// `path` is relative to /v1/ and already encoded; the token is added unless `anonymous`.
  Task<http::Response> call(std::string method, std::string path, std::string body,
                            bool anonymous = false);

 private:
  /// Sends one request; a non-2xx status becomes the mapped error with Vault's texts.
  Task<http::Response> checked(std::string method, std::string path, std::string body,
                               bool anonymous = false);
  /// GET <path>?list=true; 404 (Vault's answer to an empty list) is an empty result.
  Task<std::vector<std::string>> listKeys(std::string path);

  http::TransportPtr transport_;
  TokenSourcePtr tokens_;
  Options options_;
};

}  // namespace nc::vault
