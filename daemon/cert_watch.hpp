// One certificate scan as `certs` and `run` do it: the declared certificates of the desired
// state, the CA chains of the PKI mounts they use, and the table/JSON rendering of the result.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "certs/certificate_scanner.hpp"
#include "certs/issuance_index.hpp"
#include "config/daemon_config.hpp"
#include "vault/vault_api.hpp"

namespace nc::cli {

/// Every declared certificate, with the daemon's default thresholds filled in. Bad threshold
/// texts were rejected by config validation; any left over are ignored here.
certs::CertificateSpecs certificateSpecs(const config::DaemonConfig& config,
                                         const config::DesiredState& desired);

/// Vault's issued certificates, for RenewalNotApplied and CertificateChurn.
struct IssuanceCheck {
  certs::IssuanceIndex* index = nullptr;  ///< null: neither check runs
  certs::IssuancePolicy policy;
  certs::TimePoint now;
};

/// Reads `<mount>/cert/ca_chain` for every mount the specs use (a failure leaves that mount's
/// chain unchecked and adds to `errors`), then scans. With an issuance check, refreshes the
/// index of every mount in use, which LISTs `<mount>/certs` only when its schedule says so (a
/// failure is a warning: both checks then use what is known),
/// turns overdue rows whose name Vault re-issued into RenewalNotApplied and adds
/// CertificateChurn alerts.
boost::asio::awaitable<certs::ScanResult> scanOnce(vault::VaultApi& vault,
                                                   certs::CertificateScanner& scanner,
                                                   certs::CertificateSpecs specs,
                                                   const IssuanceCheck* issuance = nullptr);

/// The issuance part of scanOnce over gathered data (pure; exposed for tests).
void applyIssuances(certs::ScanResult& result, const std::vector<certs::IssuedCertificate>& issued,
                    const certs::IssuancePolicy& policy, certs::TimePoint now);

/// Text table: job, alloc, task, path, CN, not_after, remaining, state.
std::string renderTable(const certs::ScanResult& result);
/// JSON document {"certificates":[...], "errors":[...], "failed_jobs":[...]}.
std::string renderJson(const certs::ScanResult& result);
/// Human form of a remaining span: "23h59m", "-2h10m" (expired), "" when unknown.
std::string formatRemaining(const std::optional<Duration>& remaining);

}  // namespace nc::cli
