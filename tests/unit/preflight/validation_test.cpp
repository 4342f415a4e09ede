// Tests of `validate`'s verdicts on real certificates from the openssl-backed test PKI.
#include <gtest/gtest.h>

#include "preflight/validation.hpp"
#include "support/test_pki.hpp"

namespace nc::preflight {
namespace {

const ValidationRow* row(const std::vector<ValidationRow>& rows, const std::string& check) {
  for (const auto& r : rows)
    if (r.check == check) return &r;
  return nullptr;
}

TEST(Validation, AGoodCertificatePasses) {
  nc::testing::TestPki pki;
  auto leaf = pki.issue("test.service.consul", 3600);
  auto rows =
      checkIssuedCertificate(leaf.certPem, {"test.service.consul", 3600, 0, pki.caChainPem()},
                             std::chrono::system_clock::now());
  EXPECT_TRUE(allPassed(rows)) << formatTable(rows);
  EXPECT_NE(formatTable(rows).find("pass"), std::string::npos);
}

TEST(Validation, EachFailureIsItsOwnRow) {
  nc::testing::TestPki pki;
  const auto now = std::chrono::system_clock::now();
  auto wrongCn = checkIssuedCertificate(pki.issue("other.service.consul", 3600).certPem,
                                        {"test.service.consul", 3600, 0, pki.caChainPem()}, now);
  EXPECT_FALSE(row(wrongCn, "common name")->ok);
  EXPECT_TRUE(row(wrongCn, "validity matches ttl")->ok);

  auto shortTtl = checkIssuedCertificate(pki.issue("test.service.consul", 600).certPem,
                                         {"test.service.consul", 3600, 0, pki.caChainPem()}, now);
  EXPECT_FALSE(row(shortTtl, "validity matches ttl")->ok);
  // The same certificate is right when the role's max_ttl clamps the request to 10 minutes.
  auto clamped = checkIssuedCertificate(pki.issue("test.service.consul", 600).certPem,
                                        {"test.service.consul", 3600, 600, pki.caChainPem()}, now);
  EXPECT_TRUE(row(clamped, "validity matches ttl")->ok) << formatTable(clamped);

  auto foreign = checkIssuedCertificate(pki.issueForeign("test.service.consul", 3600).certPem,
                                        {"test.service.consul", 3600, 0, pki.caChainPem()}, now);
  EXPECT_FALSE(row(foreign, "chain verifies against Vault's CA chain")->ok);
  EXPECT_FALSE(allPassed(foreign));

  auto garbage = checkIssuedCertificate("not a pem", {"x", 0, 0, ""}, now);
  ASSERT_EQ(garbage.size(), 1u);
  EXPECT_FALSE(garbage[0].ok);
}

}  // namespace
}  // namespace nc::preflight
