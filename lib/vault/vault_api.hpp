// VaultApi: the narrow, abstract Vault interface the reconciler and CLI use (fakes in tests).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "vault/types.hpp"

namespace nc::vault {

template <class T>
using Task = boost::asio::awaitable<Result<T>>;

/// Error mapping of every operation: 400 invalid_argument, 403 permission_denied,
/// 404 not_found, 409/412 conflict, 429/503 unavailable, other 5xx server_error; malformed
/// answers protocol_error; transport failures as the transport reports them. The message
/// keeps Vault's own error texts ({"errors":[...]}, or the raw body when it is not JSON).
/// Mount paths are given without slashes at either end ("pki", "jwt-nomad").
class VaultApi {
 public:
  virtual ~VaultApi() = default;

  virtual Task<HealthStatus> health(HealthQuery query) = 0;
  virtual Task<SealStatus> sealStatus() = 0;

  virtual Task<std::vector<Mount>> listMounts() = 0;
  virtual Task<void> enableMount(std::string path, MountSpec spec) = 0;
  virtual Task<MountTune> readMountTune(std::string path) = 0;
  virtual Task<void> tuneMount(std::string path, MountTuneUpdate update) = 0;

  /// not_found when the role does not exist.
  virtual Task<PkiRole> readPkiRole(std::string mount, std::string name) = 0;
  /// Full replace: every field of `role` is sent (POST resets omitted fields in Vault).
  virtual Task<void> writePkiRole(std::string mount, std::string name, PkiRole role) = 0;
  /// JSON merge patch of the named role; `patchJson` is a JSON object.
  virtual Task<PkiRole> patchPkiRole(std::string mount, std::string name,
                                     std::string patchJson) = 0;
  /// Empty when there are no roles (Vault answers 404 to an empty LIST).
  virtual Task<std::vector<std::string>> listPkiRoles(std::string mount) = 0;
  virtual Task<void> deletePkiRole(std::string mount, std::string name) = 0;
  virtual Task<IssuedCertificate> issue(std::string mount, std::string role,
                                        IssueRequest request) = 0;
  /// PEM chain of the mount's default issuer (GET pki/cert/ca_chain).
  virtual Task<std::string> caChain(std::string mount) = 0;
  virtual Task<std::vector<std::string>> listCertificates(std::string mount) = 0;
  virtual Task<CertificateRecord> readCertificate(std::string mount, std::string serial) = 0;

  virtual Task<AclPolicy> readPolicy(std::string name) = 0;
  virtual Task<void> putPolicy(std::string name, std::string policyText) = 0;
  virtual Task<std::vector<std::string>> listPolicies() = 0;
  virtual Task<void> deletePolicy(std::string name) = 0;

  virtual Task<std::vector<Mount>> listAuthMounts() = 0;
  virtual Task<void> enableAuth(std::string path, MountSpec spec) = 0;

  virtual Task<JwtConfig> readJwtConfig(std::string mount) = 0;
  /// Full replace of the JWT config (Vault fetches jwks_url during the write).
  virtual Task<void> writeJwtConfig(std::string mount, JwtConfig config) = 0;
  virtual Task<JwtRole> readJwtRole(std::string mount, std::string name) = 0;
  /// Sends every field (Vault merges, but resets role_type / bound_claims_type if absent).
  virtual Task<void> writeJwtRole(std::string mount, std::string name, JwtRole role) = 0;
  virtual Task<std::vector<std::string>> listJwtRoles(std::string mount) = 0;

  virtual Task<TokenInfo> lookupSelf() = 0;
};

using VaultApiPtr = std::shared_ptr<VaultApi>;

}  // namespace nc::vault
