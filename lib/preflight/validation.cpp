// Verdicts of `validate` on an issued certificate, and the result table.
#include "preflight/validation.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/duration.hpp"

namespace nc::preflight {

std::vector<ValidationRow> checkIssuedCertificate(std::string_view pem,
                                                  const CertificateExpectation& expect,
                                                  certs::TimePoint now) {
  std::vector<ValidationRow> rows;
  auto parsed = certs::parsePemBundle(pem);
  if (!parsed) {
    rows.push_back({"certificate readable", false, parsed.error().message});
    return rows;
  }
  const auto& leaf = parsed->front();
  rows.push_back({"certificate readable", true,
                  std::to_string(parsed->size()) + " certificate(s) in the file"});
  rows.push_back(
      {"common name", leaf.commonName == expect.commonName,
       "CN " + leaf.commonName +
           (leaf.commonName == expect.commonName ? "" : ", expected " + expect.commonName)});
  if (expect.ttlSeconds > 0) {
    std::int64_t want = expect.ttlSeconds;
    if (expect.maxTtlSeconds > 0) want = std::min(want, expect.maxTtlSeconds);
    const auto lifetime =
        std::chrono::duration_cast<std::chrono::seconds>(leaf.notAfter - leaf.notBefore).count();
    const auto fromNow =
        std::chrono::duration_cast<std::chrono::seconds>(leaf.notAfter - now).count();
    // NotBefore is backdated (30 s by default); NotAfter = issue time + ttl.
    const bool ok = std::llabs(lifetime - want) <= 120 && fromNow <= want + 120 && fromNow > 0;
    rows.push_back({"validity matches ttl", ok,
                    "lifetime " + Duration::seconds(lifetime).toString() + ", expected " +
                        Duration::seconds(want).toString() +
                        (want < expect.ttlSeconds ? " (ttl clamped to the role's max_ttl)" : "")});
  }
  auto chain = certs::verifyChain(pem, "", expect.caChainPem, now);
  rows.push_back({"chain verifies against Vault's CA chain", static_cast<bool>(chain),
                  chain ? "issued by " + leaf.issuer : chain.error().message});
  return rows;
}

bool allPassed(const std::vector<ValidationRow>& rows) {
  return !rows.empty() && std::all_of(rows.begin(), rows.end(), [](auto& r) { return r.ok; });
}

std::string formatTable(const std::vector<ValidationRow>& rows) {
  std::size_t w = 5;
  for (const auto& r : rows) w = std::max(w, r.check.size());
  std::string out = "CHECK" + std::string(w - 5 + 2, ' ') + "RESULT  DETAIL\n";
  for (const auto& r : rows)
    out += r.check + std::string(w - r.check.size() + 2, ' ') + (r.ok ? "pass    " : "FAIL    ") +
           r.detail + "\n";
  return out;
}

}  // namespace nc::preflight
