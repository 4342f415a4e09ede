// `validate` verdicts: the checks made on the certificate a test allocation obtained, and the
// result table. Pure (no I/O) so they are tested with real certificates offline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "certs/x509.hpp"

namespace nc::preflight {

struct ValidationRow {
  std::string check;
  bool ok = false;
  std::string detail;
};

struct CertificateExpectation {
  std::string commonName;
  std::int64_t ttlSeconds = 0;     ///< requested ttl (0 = not checked)
  std::int64_t maxTtlSeconds = 0;  ///< the role's max_ttl (0 = unknown): the ttl is clamped to it
  std::string caChainPem;          ///< Vault's CA chain of the mount (intermediate + root)
};

/// CN, lifetime (requested ttl bounded by max_ttl, +-2 min for Vault's 30 s backdate) and the
/// chain against the CA chain at `now`. An unreadable PEM is one failed row.
std::vector<ValidationRow> checkIssuedCertificate(std::string_view pem,
                                                  const CertificateExpectation& expect,
                                                  certs::TimePoint now);

bool allPassed(const std::vector<ValidationRow>& rows);
/// "CHECK  RESULT  DETAIL" lines, aligned.
std::string formatTable(const std::vector<ValidationRow>& rows);

}  // namespace nc::preflight
