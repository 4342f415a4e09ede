// What Vault's issued-certificate store says about the certificates allocations serve, as pure
// functions: RenewalNotApplied (a newer certificate exists for the name but the allocation still
// serves the old one after its re-issue window) and CertificateChurn (restart storms).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "certs/certificate_check.hpp"
#include "core/duration.hpp"
#include "events/alert.hpp"

namespace nc::certs {

/// One certificate from `<mount>/certs` + `<mount>/cert/<serial>`.
struct IssuedCertificate {
  std::string serial;  ///< colon-separated lower-case hex (as CertificateInfo::serial)
  std::string commonName;
  TimePoint notBefore;
  TimePoint notAfter;
};

struct IssuancePolicy {
  Duration window = Duration::seconds(3600);           ///< churn is counted over this span
  int churnThreshold = 10;                             ///< extra issuances allowed; 0 = off
  Duration notBeforeDuration = Duration::seconds(30);  ///< the role's back-dating
};

/// "01-AB-..." or "01:ab:..." → "01:ab:...".
std::string normalizeSerial(std::string serial);

/// When Vault issued the certificate: NotBefore plus the back-dating (never past NotAfter).
TimePoint issuedAt(const IssuedCertificate& c, Duration notBeforeDuration);

/// True when the row is past its renewal (RenewalOverdue, or ExpiryImminent: a short-lived
/// certificate crosses critical_before before its renewal is overdue).
bool pastRenewal(const CertificateRow& row);

/// The newest certificate Vault issued for the row's common name after the one the row serves
/// (a later NotBefore, or the same NotBefore second and a later NotAfter), when the row is past
/// its renewal (RenewalOverdue, or ExpiryImminent). Nothing otherwise.
std::optional<IssuedCertificate> newerIssuance(const CertificateRow& row,
                                               const std::vector<IssuedCertificate>& issued);

/// Turns an overdue row into RenewalNotApplied, naming the newer certificate.
void markRenewalNotApplied(CertificateRow& row, const IssuedCertificate& newer);

/// Upper bound of normal issuances for one name in `window`: every allocation serving it
/// re-issues at 85 % of the lifetime at the earliest, plus its first issue.
std::size_t expectedIssuances(std::size_t allocations, Duration lifetime, Duration window);

struct ChurnFinding {
  std::string job, nomadNamespace, commonName;
  std::size_t issued = 0;       ///< certificates Vault issued for the name in the window
  std::size_t expected = 0;     ///< expectedIssuances() for the allocations seen
  std::size_t allocations = 0;  ///< allocations serving the name in this scan
};

/// Names whose issuances in the window exceed expected + churnThreshold. Rows are grouped by
/// (namespace, job, served common name); rows without dates are ignored.
std::vector<ChurnFinding> detectChurn(const std::vector<CertificateRowPtr>& rows,
                                      const std::vector<IssuedCertificate>& issued, TimePoint now,
                                      const IssuancePolicy& policy);

/// CertificateChurn (warning) with labels job, namespace, common_name.
events::Alert churnAlert(const ChurnFinding& finding, Duration window);

}  // namespace nc::certs
