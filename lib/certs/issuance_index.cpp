// IssuanceIndex: incremental mirror of a PKI mount's issued certificates (name and dates only),
// listed on its own cadence (ListingSchedule).
#include "certs/issuance_index.hpp"

#include <set>

#include "certs/x509.hpp"

namespace nc::certs {
namespace {

std::set<std::string> normalized(const std::vector<std::string>& serials) {
  std::set<std::string> out;
  for (const auto& s : serials) out.insert(normalizeSerial(s));
  return out;
}

}  // namespace

std::optional<std::string> ListingSchedule::reason(const ScanSerials& seen, std::size_t pending,
                                                   TimePoint now, Duration every) const {
  if (!last_) return "first listing";
  if (pending > 0) return std::to_string(pending) + " serials left to read";
  if (now - *last_ >= std::chrono::duration_cast<TimePoint::duration>(every.nanos()))
    return "every " + every.toString();
  for (const auto& s : seen.served)
    if (!served_.contains(normalizeSerial(s))) return "new serial served: " + normalizeSerial(s);
  for (const auto& s : seen.pastRenewal)
    if (!pastRenewal_.contains(normalizeSerial(s)))
      return "serial " + normalizeSerial(s) + " past its renewal";
  return std::nullopt;
}

void ListingSchedule::listed(const ScanSerials& seen, TimePoint now) {
  last_ = now;
  served_ = normalized(seen.served);
  pastRenewal_ = normalized(seen.pastRenewal);
  ++count_;
}

IssuanceIndex::IssuanceIndex(vault::VaultApiPtr vault, Duration listEvery,
                             std::size_t maxReadsPerRefresh)
    : vault_(std::move(vault)),
      listEvery_(listEvery),
      maxReads_(maxReadsPerRefresh == 0 ? 1 : maxReadsPerRefresh) {}

std::optional<std::string> IssuanceIndex::listReason(const std::string& mount,
                                                     const ScanSerials& seen, TimePoint now) const {
  auto it = mounts_.find(mount);
  if (it == mounts_.end()) return "first listing";
  return it->second.schedule.reason(seen, it->second.pending, now, listEvery_);
}

boost::asio::awaitable<Result<void>> IssuanceIndex::refresh(std::string mount, ScanSerials seen,
                                                            TimePoint now) {
  if (!listReason(mount, seen, now)) co_return Result<void>();
  mounts_[mount].schedule.listed(seen, now);
  auto listed = co_await vault_->listCertificates(mount);
  if (!listed) co_return listed.error();
  MountState& state = mounts_[mount];
  std::set<std::string> present;
  std::vector<std::string> toRead;  // as Vault spells them
  for (const std::string& serial : *listed) {
    std::string key = normalizeSerial(serial);
    present.insert(key);
    if (!state.bySerial.contains(key)) toRead.push_back(serial);
  }
  std::erase_if(state.bySerial, [&present](const auto& kv) { return !present.contains(kv.first); });
  state.pending = toRead.size() > maxReads_ ? toRead.size() - maxReads_ : 0;
  if (toRead.size() > maxReads_) toRead.resize(maxReads_);
  for (const std::string& serial : toRead) {
    auto record = co_await vault_->readCertificate(mount, serial);
    Entry entry;
    if (record) {
      auto parsed = parsePemBundle(record->certificate);
      if (parsed && !parsed->empty()) {
        const CertificateInfo& c = parsed->front();
        entry.cert =
            IssuedCertificate{normalizeSerial(serial), c.commonName, c.notBefore, c.notAfter};
      }
    } else if (!record.error().is(errc::not_found)) {
      // Transient: read it again at the next refresh, which comes at once.
      ++state.pending;
      co_return record.error();
    }
    state.bySerial[normalizeSerial(serial)] = std::move(entry);
  }
  co_return Result<void>();
}

std::vector<IssuedCertificate> IssuanceIndex::certificates(const std::string& mount) const {
  std::vector<IssuedCertificate> out;
  auto it = mounts_.find(mount);
  if (it == mounts_.end()) return out;
  for (const auto& [serial, entry] : it->second.bySerial)
    if (entry.cert) out.push_back(*entry.cert);
  return out;
}

std::size_t IssuanceIndex::pending(const std::string& mount) const {
  auto it = mounts_.find(mount);
  return it == mounts_.end() ? 0 : it->second.pending;
}

std::size_t IssuanceIndex::listings(const std::string& mount) const {
  auto it = mounts_.find(mount);
  return it == mounts_.end() ? 0 : it->second.schedule.count();
}

}  // namespace nc::certs
