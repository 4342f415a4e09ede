// Certificate specs from the desired state, one scan with the CA chains, and its rendering.
#include "cert_watch.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <spdlog/spdlog.h>

namespace nc::cli {
namespace {

std::optional<certs::Threshold> threshold(const std::optional<config::ThresholdSpec>& own,
                                          const std::optional<config::ThresholdSpec>& dflt) {
  const auto& t = own ? own : dflt;
  if (!t) return std::nullopt;
  auto parsed = certs::Threshold::parse(t->text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

/// The PKI mount that issues the jobs' certificates: the first PKI role's mount, else the
/// first pki mount, else "pki-int".
std::string issuingMount(const config::DesiredState& desired) {
  if (!desired.vault.pkiRoles.empty()) return desired.vault.pkiRoles.front().mount;
  for (const auto& m : desired.vault.mounts)
    if (m.type == "pki") return m.path;
  return "pki-int";
}

std::string formatTime(const std::optional<events::TimePoint>& t) {
  return t ? events::formatRfc3339(*t).substr(0, 19) + "Z" : "-";
}

}  // namespace

certs::CertificateSpecs certificateSpecs(const config::DaemonConfig& config,
                                         const config::DesiredState& desired) {
  std::vector<certs::CertificateSpec> specs;
  std::size_t declared = 0;
  for (const config::JobSpec& job : desired.nomad.jobs) declared += job.certificates.size();
  specs.reserve(declared);  // kept for the daemon's life: no growth slack (~0.3 KB a spec)
  const std::string mount = issuingMount(desired);
  for (const config::JobSpec& job : desired.nomad.jobs) {
    for (const config::CertificateSpec& c : job.certificates) {
      certs::CertificateSpec s;
      s.job = job.id;
      s.nomadNamespace = job.jobNamespace.empty() ? config.nomad.nomadNamespace : job.jobNamespace;
      if (s.nomadNamespace.empty()) s.nomadNamespace = "default";
      s.task = c.task;
      s.path = c.path;
      s.commonName = c.commonName;
      s.warnBefore = threshold(c.warnBefore, config.certificates.warnBefore);
      s.criticalBefore = threshold(c.criticalBefore, config.certificates.criticalBefore);
      s.caMount = mount;
      specs.push_back(std::move(s));
    }
  }
  return std::make_shared<const std::vector<certs::CertificateSpec>>(std::move(specs));
}

void applyIssuances(certs::ScanResult& result, const std::vector<certs::IssuedCertificate>& issued,
                    const certs::IssuancePolicy& policy, certs::TimePoint now) {
  for (certs::CertificateRowPtr& row : result.rows) {
    auto newer = certs::newerIssuance(*row, issued);
    if (!newer) continue;
    // Rows may be shared with the scanner's kept ones: the marked row is a copy.
    auto marked = std::make_shared<certs::CertificateRow>(*row);
    certs::markRenewalNotApplied(*marked, *newer);
    auto before = certs::alertFor(*row, now);
    auto after = certs::alertFor(*marked, now);
    row = std::move(marked);
    if (!before || !after) continue;
    const std::string fp = before->fingerprint();
    for (auto& a : result.alerts)
      if (a.fingerprint() == fp) a = *after;
  }
  for (const auto& f : certs::detectChurn(result.rows, issued, now, policy))
    result.alerts.push_back(certs::churnAlert(f, policy.window));
}

boost::asio::awaitable<certs::ScanResult> scanOnce(vault::VaultApi& vault,
                                                   certs::CertificateScanner& scanner,
                                                   certs::CertificateSpecs specs,
                                                   const IssuanceCheck* issuance) {
  std::set<std::string> mounts;
  std::map<std::pair<std::string, std::string>, std::string> mountOf;  // (namespace, job)
  for (const auto& s : *specs) {
    mounts.insert(s.caMount);
    mountOf.emplace(std::make_pair(s.nomadNamespace, s.job), s.caMount);
  }
  std::map<std::string, std::string> chains;
  std::vector<std::string> chainErrors;
  for (const std::string& m : mounts) {
    auto chain = co_await vault.caChain(m);
    if (chain)
      chains[m] = *chain;
    else
      chainErrors.push_back("vault " + m + "/cert/ca_chain: " + chain.error().message);
  }
  certs::ScanResult result = co_await scanner.scan(std::move(specs), std::move(chains));
  result.errors.insert(result.errors.begin(), chainErrors.begin(), chainErrors.end());
  if (issuance && issuance->index && !result.rows.empty()) {
    std::map<std::string, certs::ScanSerials> seen;
    certs::ScanSerials* mountSeen = nullptr;
    const certs::CertificateRow* prev = nullptr;
    for (const auto& row : result.rows) {
      const certs::CertificateRow& r = *row;
      // Rows come job by job: the mount is looked up once per run of a job's rows.
      if (!prev || prev->job() != r.job() || prev->nomadNamespace() != r.nomadNamespace()) {
        auto mount = mountOf.find({r.nomadNamespace(), r.job()});
        mountSeen = mount == mountOf.end() ? nullptr : &seen[mount->second];
      }
      prev = &r;
      if (!mountSeen || r.serial().empty()) continue;
      mountSeen->served.push_back(r.serial());
      if (certs::pastRenewal(r)) mountSeen->pastRenewal.push_back(r.serial());
    }
    std::vector<certs::IssuedCertificate> issued;
    for (const std::string& m : mounts) {
      certs::ScanSerials mountSeen = seen[m];
      if (auto why = issuance->index->listReason(m, mountSeen, issuance->now))
        spdlog::debug("listing vault {}/certs: {}", m, *why);
      auto refreshed = co_await issuance->index->refresh(m, std::move(mountSeen), issuance->now);
      if (!refreshed)
        result.warnings.push_back("vault " + m + "/certs (RenewalNotApplied and churn checks): " +
                                  refreshed.error().message);
      auto known = issuance->index->certificates(m);
      issued.insert(issued.end(), known.begin(), known.end());
    }
    applyIssuances(result, issued, issuance->policy, issuance->now);
  }
  co_return result;
}

std::string formatRemaining(const std::optional<Duration>& remaining) {
  if (!remaining) return "-";
  std::int64_t s = remaining->wholeSeconds();
  const char* sign = s < 0 ? "-" : "";
  s = s < 0 ? -s : s;
  const std::int64_t d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60;
  if (d > 0) return fmt::format("{}{}d{}h", sign, d, h);
  if (h > 0) return fmt::format("{}{}h{}m", sign, h, m);
  return fmt::format("{}{}m{}s", sign, m, s % 60);
}

std::string renderTable(const certs::ScanResult& result) {
  std::vector<std::vector<std::string>> rows = {
      {"JOB", "ALLOC", "TASK", "PATH", "CN", "NOT_AFTER", "REMAINING", "STATE"}};
  for (const auto& row : result.rows) {
    const certs::CertificateRow& r = *row;
    rows.push_back(
        {r.job(), r.allocId.str().substr(0, 8), r.task(), r.path(),
         r.commonName().empty() ? "-" : r.commonName(), formatTime(r.notAfter()),
         formatRemaining(certs::remainingAt(r, result.decidedAt)),
         std::string(certs::toString(r.state)) +
             (r.state == certs::CertState::ok ? "" : " (" + std::string(r.reason.view()) + ")")});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << "\n";
  }
  for (const auto& j : result.failedJobs) out << "error: job " << j << ": allocations not listed\n";
  for (const auto& e : result.errors) out << "error: " << e << "\n";
  for (const auto& w : result.warnings) out << "warning: " << w << "\n";
  return out.str();
}

std::string renderJson(const certs::ScanResult& result) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  auto kv = [&](const char* k, const std::string& v) {
    w.Key(k);
    str(v);
  };
  w.StartObject();
  w.Key("certificates");
  w.StartArray();
  for (const auto& row : result.rows) {
    const certs::CertificateRow& r = *row;
    w.StartObject();
    kv("job", r.job());
    kv("namespace", r.nomadNamespace());
    kv("alloc_id", r.allocId.str());
    kv("task", r.task());
    kv("path", r.path());
    kv("expected_common_name", r.expectedCommonName());
    kv("common_name", r.commonName());
    kv("serial", r.serial());
    w.Key("not_before");
    r.notBefore() ? str(events::formatRfc3339(*r.notBefore())) : (void)w.Null();
    w.Key("not_after");
    r.notAfter() ? str(events::formatRfc3339(*r.notAfter())) : (void)w.Null();
    w.Key("remaining_seconds");
    const auto remaining = certs::remainingAt(r, result.decidedAt);
    remaining ? (void)w.Int64(remaining->wholeSeconds()) : (void)w.Null();
    kv("state", std::string(certs::toString(r.state)));
    kv("reason", std::string(r.reason.view()));
    kv("message", r.message());
    w.EndObject();
  }
  w.EndArray();
  w.Key("failed_jobs");
  w.StartArray();
  for (const auto& j : result.failedJobs) str(j);
  w.EndArray();
  w.Key("errors");
  w.StartArray();
  for (const auto& e : result.errors) str(e);
  w.EndArray();
  w.Key("warnings");
  w.StartArray();
  for (const auto& e : result.warnings) str(e);
  w.EndArray();
  w.Key("allocations");
  w.Uint64(result.allocations);
  w.EndObject();
  return std::string(buf.GetString()) + "\n";
}

}  // namespace nc::cli
