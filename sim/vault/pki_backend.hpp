// The PKI secrets engine of vault-sim: issuers (root/intermediate), roles, issuance, stored
// certificates, revocation and tidy.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vault/core.hpp"
#include "vault/pki_crypto.hpp"
#include "vault/pki_role.hpp"

namespace nc::vault_sim {

struct PkiIssuer {
  std::string id;
  std::string name;
  std::string keyId;
  X509Ptr cert;
  PKeyPtr key;                     ///< null when imported without its key
  std::vector<std::string> chain;  ///< PEMs: this issuer first, then its parents
};

struct StoredCert {
  std::string pem;
  std::int64_t notAfter = 0;
  std::int64_t revokedAt = 0;
};

class PkiBackend final : public Backend {
 public:
  explicit PkiBackend(Core& core) : core_(core) {}
  Reply handle(Request& rq) override;
  std::optional<bool> exists(const std::string& path) override;
  bool unauthenticated(const std::string& path) const override;
  bool needsSudo(const std::string& path) const override {
    return path == "root" || path == "root/sign-self-issued";
  }
  void saveState(rapidjson::Value& out, rapidjson::Document::AllocatorType& a) const override;
  void loadState(const rapidjson::Value& in) override;

 private:
  // pki_backend.cpp
  Reply roles(Request& rq, const std::string& name);
  Reply generateRoot(Request& rq, bool exported);
  Reply generateIntermediate(Request& rq, bool exported);
  Reply setSigned(Request& rq);
  Reply configIssuers(Request& rq);
  Reply fetch(Request& rq);
  Reply revoke(Request& rq);
  Reply tidy(Request& rq);
  PkiIssuer* resolveIssuer(const std::string& ref);
  PkiIssuer& addIssuer(X509Ptr cert, PKeyPtr key, std::string name,
                       std::vector<std::string> parents);
  void storeCert(X509* cert);
  // pki_issue.cpp
  Reply issue(Request& rq, const std::string& roleName, const std::string& issuerRef);
  Reply signIntermediate(Request& rq, const std::string& issuerRef);

  Core& core_;
  std::vector<PkiIssuer> issuers_;
  std::string defaultIssuer_;
  std::map<std::string, PKeyPtr> keys_;  ///< keys waiting for intermediate/set-signed
  std::map<std::string, PkiRole> roles_;
  std::map<std::string, StoredCert> certs_;  ///< colon serial -> cert
  std::int64_t lastTidy_ = 0;
};

/// Certificate field formatting per the request's "format": pem, der (base64) or pem_bundle.
std::string base64Encode(std::string_view bytes);

}  // namespace nc::vault_sim
