// IssuanceIndex: incremental mirror of a PKI mount's issued certificates (name and dates only).
#include "certs/issuance_index.hpp"

#include <set>

#include "certs/x509.hpp"

namespace nc::certs {

IssuanceIndex::IssuanceIndex(vault::VaultApiPtr vault, std::size_t maxReadsPerRefresh)
    : vault_(std::move(vault)), maxReads_(maxReadsPerRefresh == 0 ? 1 : maxReadsPerRefresh) {}

boost::asio::awaitable<Result<void>> IssuanceIndex::refresh(std::string mount) {
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
        entry.cert = IssuedCertificate{normalizeSerial(serial), c.commonName, c.notBefore,
                                       c.notAfter};
      }
    } else if (!record.error().is(errc::not_found)) {
      co_return record.error();  // transient: read it again next time
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

}  // namespace nc::certs
