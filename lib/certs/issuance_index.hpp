// IssuanceIndex: what Vault has issued per PKI mount (LIST <mount>/certs, then
// <mount>/cert/<serial> once per serial: certificates never change), for RenewalNotApplied and
// CertificateChurn. Reads per refresh are bounded so a large store is learned over cycles.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "certs/issuance_policy.hpp"
#include "core/error.hpp"
#include "vault/vault_api.hpp"

namespace nc::certs {

class IssuanceIndex {
 public:
  explicit IssuanceIndex(vault::VaultApiPtr vault, std::size_t maxReadsPerRefresh = 256);

  /// Lists the mount's serials, reads those not seen yet (at most maxReadsPerRefresh) and
  /// forgets serials Vault no longer lists (tidied). An error (e.g. the token may not LIST
  /// certs) leaves what was known and is returned for the caller to log.
  boost::asio::awaitable<Result<void>> refresh(std::string mount);

  /// Every known certificate of the mount (CA certificates included; they never match a
  /// workload's name).
  std::vector<IssuedCertificate> certificates(const std::string& mount) const;
  /// Serials still to be read (listed but over the per-refresh budget).
  std::size_t pending(const std::string& mount) const;

 private:
  struct Entry {
    std::optional<IssuedCertificate> cert;  ///< empty: unreadable, not retried
  };
  struct MountState {
    std::map<std::string, Entry> bySerial;  ///< normalized serial
    std::size_t pending = 0;
  };
  vault::VaultApiPtr vault_;
  std::size_t maxReads_;
  std::map<std::string, MountState> mounts_;
};

}  // namespace nc::certs
