// RenewalNotApplied and CertificateChurn decisions over Vault's issued certificates.
#include "certs/issuance_policy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

namespace nc::certs {
namespace {

using Ns = std::chrono::nanoseconds;

double secs(Duration d) {
  return std::chrono::duration<double>(d.nanos()).count();
}

Duration span(TimePoint from, TimePoint to) {
  return Duration(std::chrono::duration_cast<Ns>(to - from));
}

TimePoint issuedAt(TimePoint notBefore, TimePoint notAfter, Duration notBeforeDuration) {
  TimePoint t =
      notBefore + std::chrono::duration_cast<TimePoint::duration>(notBeforeDuration.nanos());
  return t > notAfter ? notBefore : t;
}

}  // namespace

std::string normalizeSerial(std::string serial) {
  for (char& c : serial) {
    if (c == '-') c = ':';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return serial;
}

TimePoint issuedAt(const IssuedCertificate& c, Duration notBeforeDuration) {
  return issuedAt(c.notBefore, c.notAfter, notBeforeDuration);
}

bool pastRenewal(const CertificateRow& row) {
  return row.reason == "RenewalOverdue" || row.reason == "ExpiryImminent";
}

std::optional<IssuedCertificate> newerIssuance(const CertificateRow& row,
                                               const std::vector<IssuedCertificate>& issued) {
  // ExpiryImminent too: a newer issuance is then the more useful diagnosis.
  if (!pastRenewal(row) || !row.notBefore() || row.commonName().empty()) return std::nullopt;
  const std::string served = normalizeSerial(row.serial());
  // X.509 dates have whole seconds: a certificate issued in the same second as the served one
  // has the same NotBefore, and is newer when it also outlives it. Same dates: no telling.
  const auto order = [](const TimePoint& notBefore, const TimePoint& notAfter) {
    return std::make_pair(notBefore, notAfter);
  };
  const auto servedOrder = order(*row.notBefore(), row.notAfter().value_or(*row.notBefore()));
  std::optional<IssuedCertificate> best;
  for (const auto& c : issued) {
    if (c.commonName != row.commonName() || normalizeSerial(c.serial) == served) continue;
    if (order(c.notBefore, c.notAfter) <= servedOrder) continue;
    if (!best || order(c.notBefore, c.notAfter) > order(best->notBefore, best->notAfter)) best = c;
  }
  return best;
}

void markRenewalNotApplied(CertificateRow& row, const IssuedCertificate& newer) {
  row.reason = "RenewalNotApplied";
  row.setMessage("Vault issued a newer certificate for " + row.commonName() + " (serial " +
                 normalizeSerial(newer.serial) + ", " + events::formatRfc3339(newer.notBefore) +
                 ") but the allocation still serves serial " + normalizeSerial(row.serial()) +
                 "; " + row.message());
}

std::size_t expectedIssuances(std::size_t allocations, Duration lifetime, Duration window) {
  if (allocations == 0) return 0;
  const double life = std::max(1.0, secs(lifetime) * 0.85);
  const auto perAlloc = static_cast<std::size_t>(std::ceil(secs(window) / life)) + 1;
  return allocations * perAlloc;
}

std::vector<ChurnFinding> detectChurn(const std::vector<CertificateRowPtr>& rows,
                                      const std::vector<IssuedCertificate>& issued, TimePoint now,
                                      const IssuancePolicy& policy) {
  std::vector<ChurnFinding> out;
  if (policy.churnThreshold <= 0) return out;
  struct Group {
    std::unordered_set<AllocId> allocs;  // copies of Nomad's IDs need no heap block of their own
    std::optional<Duration> lifetime;    // the shortest seen: the most renewals it allows
  };
  // Keys are views into the rows, which outlive this call: every scan groups every row.
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, Group> groups;
  for (const auto& row : rows) {
    const CertificateRow& r = *row;
    if (!r.notBefore() || !r.notAfter() || r.commonName().empty()) continue;
    Group& g = groups[{r.nomadNamespace(), r.job(), r.commonName()}];
    g.allocs.insert(r.allocId);
    Duration life =
        span(issuedAt(*r.notBefore(), *r.notAfter(), policy.notBeforeDuration), *r.notAfter());
    if (!g.lifetime || life < *g.lifetime) g.lifetime = life;
  }
  const TimePoint since =
      now - std::chrono::duration_cast<TimePoint::duration>(policy.window.nanos());
  for (const auto& [key, g] : groups) {
    const auto& [ns, job, cn] = key;
    std::size_t count = 0;
    for (const auto& c : issued) {
      if (c.commonName != cn) continue;
      TimePoint at = issuedAt(c, policy.notBeforeDuration);
      if (at > since && at <= now) ++count;
    }
    std::size_t expected = expectedIssuances(g.allocs.size(), *g.lifetime, policy.window);
    if (count > expected + static_cast<std::size_t>(policy.churnThreshold))
      out.push_back(
          {std::string(job), std::string(ns), std::string(cn), count, expected, g.allocs.size()});
  }
  return out;
}

events::Alert churnAlert(const ChurnFinding& f, Duration window) {
  events::Alert a;
  a.name = std::string(events::alertname::kChurn);
  a.severity = events::Severity::warning;
  a.labels = {{"job", f.job}, {"namespace", f.nomadNamespace}, {"common_name", f.commonName}};
  a.annotations["summary"] = "certificate churn for " + f.commonName;
  a.annotations["description"] = fmt::format(
      "Vault issued {} certificates for {} in the last {} (at most {} expected for {} "
      "allocation(s)): tasks restarting in a loop?",
      f.issued, f.commonName, window.toString(), f.expected, f.allocations);
  return a;
}

}  // namespace nc::certs
