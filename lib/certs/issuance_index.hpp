// IssuanceIndex: what Vault has issued per PKI mount (LIST <mount>/certs, then
// <mount>/cert/<serial> once per serial: certificates never change), for RenewalNotApplied and
// CertificateChurn. The LIST runs on its own cadence, or early when a scan shows something new;
// reads per refresh are bounded so a large store is learned over cycles.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "certs/issuance_policy.hpp"
#include "core/error.hpp"
#include "vault/vault_api.hpp"

namespace nc::certs {

/// What one scan saw of a mount's certificates (serials as CertificateInfo spells them).
struct ScanSerials {
  std::vector<std::string> served;       ///< every serial an allocation serves
  std::vector<std::string> pastRenewal;  ///< of rows past their renewal (pastRenewal())
};

/// When a mount's `certs` LIST is due, as a pure decision over what earlier listings covered.
class ListingSchedule {
 public:
  /// Why the mount must be listed now, or nothing when the last listing still serves: never
  /// listed; serials left unread; `every` elapsed; a served serial not in view at the last
  /// listing (a new issuance reached an allocation: renewal, restart, new allocation); a row
  /// newly past its renewal (RenewalNotApplied then looks once for a newer issuance).
  std::optional<std::string> reason(const ScanSerials& seen, std::size_t pending, TimePoint now,
                                    Duration every) const;
  /// A listing was attempted at `now` (successful or not) with these serials in view.
  void listed(const ScanSerials& seen, TimePoint now);
  std::size_t count() const { return count_; }

 private:
  std::optional<TimePoint> last_;
  std::set<std::string> served_, pastRenewal_;  ///< normalized, as of the last listing
  std::size_t count_ = 0;
};

class IssuanceIndex {
 public:
  /// listEvery: the longest a mount goes without a LIST (earlier when a scan shows something
  /// new, see ListingSchedule).
  explicit IssuanceIndex(vault::VaultApiPtr vault, Duration listEvery = Duration::seconds(300),
                         std::size_t maxReadsPerRefresh = 256);

  /// Why refresh() would LIST the mount now (see ListingSchedule), or nothing.
  std::optional<std::string> listReason(const std::string& mount, const ScanSerials& seen,
                                        TimePoint now) const;

  /// Lists the mount's serials when listReason() says so (else does nothing), reads those not
  /// seen yet (at most maxReadsPerRefresh) and forgets serials Vault no longer lists (tidied).
  /// An error (e.g. the token may not LIST certs) leaves what was known and is returned for
  /// the caller to log; the attempt still counts for the schedule.
  boost::asio::awaitable<Result<void>> refresh(std::string mount, ScanSerials seen, TimePoint now);

  /// Every known certificate of the mount (CA certificates included; they never match a
  /// workload's name).
  std::vector<IssuedCertificate> certificates(const std::string& mount) const;
  /// Serials still to be read (listed but over the per-refresh budget).
  std::size_t pending(const std::string& mount) const;
  /// LISTs attempted for the mount so far.
  std::size_t listings(const std::string& mount) const;

 private:
  struct Entry {
    std::optional<IssuedCertificate> cert;  ///< empty: unreadable, not retried
  };
  struct MountState {
    std::map<std::string, Entry> bySerial;  ///< normalized serial
    std::size_t pending = 0;
    ListingSchedule schedule;
  };
  vault::VaultApiPtr vault_;
  Duration listEvery_;
  std::size_t maxReads_;
  std::map<std::string, MountState> mounts_;
};

}  // namespace nc::certs
