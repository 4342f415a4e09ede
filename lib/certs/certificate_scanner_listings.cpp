// CertificateScanner's kept allocation lists: reused from scan to scan while the allocation
// event stream reports every change of a job (trustListings), dropped per job on its events.
#include "certs/certificate_scanner.hpp"

#include <algorithm>

#include "certs/scan_job_group.hpp"

namespace nc::certs {
namespace {

std::string listingKey(const std::string& job, const std::string& nomadNamespace) {
  return job + '\0' + nomadNamespace;
}

}  // namespace

void CertificateScanner::trustListings(bool on) {
  if (on == trusted_) return;
  trusted_ = on;
  listings_.clear();
  for (auto& f : inFlight_) f.invalidated = true;
}

void CertificateScanner::invalidateJob(std::string_view job) {
  const std::string prefix = std::string(job) + '\0';
  for (auto it = listings_.lower_bound(prefix);
       it != listings_.end() && it->first.starts_with(prefix);)
    it = listings_.erase(it);
  for (auto& f : inFlight_)
    if (f.job == job) f.invalidated = true;
}

bool CertificateScanner::reuseListing(JobGroup& group) {
  if (!trusted_) return false;
  auto it = listings_.find(listingKey(group.job, group.nomadNamespace));
  if (it == listings_.end()) return false;
  Listing& l = it->second;
  const bool sameSpecs = std::equal(
      l.tasks.begin(), l.tasks.end(), group.specs.begin(), group.specs.end(),
      [](const std::string& task, const CertificateSpec* spec) { return task == spec->task; });
  if (!sameSpecs ||
      clock_->monotonic() - l.listedAt >= options_.relistInterval.as<Clock::MonoTime::duration>()) {
    listings_.erase(it);
    return false;
  }
  l.seen = true;
  group.items.reserve(l.itemSpecs.size());
  for (std::size_t i = 0; i < l.itemSpecs.size(); ++i)
    group.items.push_back({group.specs[l.itemSpecs[i]], l.allocIds[i]});
  group.templateAlerts = l.templateAlerts;
  group.allocations = l.allocations;
  return true;
}

void CertificateScanner::keepListing(const JobGroup& group) {
  if (!trusted_) return;
  const std::string key = listingKey(group.job, group.nomadNamespace);
  Listing l;
  l.tasks.reserve(group.specs.size());
  for (const CertificateSpec* spec : group.specs) l.tasks.push_back(spec->task);
  l.itemSpecs.reserve(group.items.size());
  l.allocIds.reserve(group.items.size());
  for (const JobGroup::Item& item : group.items) {
    const auto spec = std::find(group.specs.begin(), group.specs.end(), item.spec);
    l.itemSpecs.push_back(static_cast<std::uint32_t>(spec - group.specs.begin()));
    l.allocIds.push_back(item.allocId);
  }
  l.templateAlerts = group.templateAlerts;
  l.allocations = group.allocations;
  l.listedAt = clock_->monotonic();
  l.seen = true;
  listings_.insert_or_assign(key, std::move(l));
}

}  // namespace nc::certs
