// Hostile PEM data: garbage, truncated and corrupt blocks, huge chains and bundles, keys where a
// certificate belongs, expired leaves and foreign CAs. Each a clear error; never a key echoed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "certs/certificate_facts.hpp"
#include "certs/x509.hpp"
#include "support/test_pki.hpp"

namespace nc::certs {
namespace {

using nc::testing::TestPki;

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

void expectParseError(std::string_view pem, const std::string& words) {
  auto r = parsePemBundle(pem);
  ASSERT_FALSE(r) << "accepted; expected: " << words;
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  EXPECT_LT(r.error().message.size(), 1024u);
  // The scanner's path: the same refusal, kept as facts, checked against a chain or not.
  for (const auto& anchors : {TrustAnchorsPtr(), TrustAnchors::fromPem(pem)}) {
    CertificateFacts f = extractFacts(pem, anchors, std::chrono::system_clock::now());
    EXPECT_EQ(f.parseError, r.error().message);
  }
}

const std::string kBegin = "-----BEGIN CERTIFICATE-----\n";
const std::string kEnd = "-----END CERTIFICATE-----\n";

class PemHostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static TestPki* pki_;
};
TestPki* PemHostile::pki_ = nullptr;

TEST_F(PemHostile, EmptyAndWhitespace) {
  expectParseError("", "empty PEM data");
  expectParseError("\n\n   \n", "empty PEM data");
}

TEST_F(PemHostile, BinaryGarbage) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  expectParseError(junk, "no CERTIFICATE block");
}

TEST_F(PemHostile, BadBase64InsideABlock) {
  expectParseError(kBegin + "!!!! not base64 ****\n" + kEnd,
                   "PEM block #1 is truncated or corrupt");
}

TEST_F(PemHostile, ValidBase64OfNonDerBytes) {
  expectParseError(kBegin + "aGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEgY2VydGlmaWNhdGU=\n" + kEnd,
                   "PEM block #1 is not a valid X.509 certificate");
}

TEST_F(PemHostile, TruncatedCertificate) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  std::string cut = leaf.certPem.substr(0, leaf.certPem.size() / 2);
  auto r = parsePemBundle(cut);
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 1024u);
  // Truncated inside the second block of a bundle: the index names it.
  std::string bundle = leaf.certPem + pki_->intermediatePem().substr(0, 200);
  auto r2 = parsePemBundle(bundle);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("#2"), std::string::npos) << r2.error().message;
}

TEST_F(PemHostile, BeginWithoutEnd) {
  expectParseError(kBegin + "MIIB\n", "PEM block #1");
}

TEST_F(PemHostile, PrivateKeyOnlyIsNoCertificateAndIsNotEchoed) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  auto r = parsePemBundle(leaf.keyPem);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no CERTIFICATE block"), std::string::npos) << r.error().message;
  // Not one line of the key body appears in the message.
  std::size_t pos = leaf.keyPem.find('\n') + 1;
  std::string firstBodyLine = leaf.keyPem.substr(pos, leaf.keyPem.find('\n', pos) - pos);
  ASSERT_GT(firstBodyLine.size(), 20u);
  EXPECT_EQ(r.error().message.find(firstBodyLine.substr(0, 20)), std::string::npos);
}

TEST_F(PemHostile, KeyMatchingWithGarbageKeyDoesNotEchoIt) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  std::string fakeKey =
      "-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIALdonotprint0123456789\n"
      "-----END PRIVATE KEY-----\n";
  auto r = privateKeyMatches(leaf.certPem, fakeKey);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("SECRETKEYMATERIAL"), std::string::npos) << r.error().message;
  auto other = pki_->issue("other.service.consul", 3600);
  auto mismatch = privateKeyMatches(leaf.certPem, other.keyPem);
  ASSERT_TRUE(mismatch) << mismatch.error().message;
  EXPECT_FALSE(*mismatch);
}

TEST_F(PemHostile, HugeChainIsOverTheCertificateLimit) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  expectParseError(repeat(leaf.certPem, 17), "16");
}

TEST_F(PemHostile, BundleOverTheByteLimitIsRefusedUnread) {
  std::string big = repeat("# padding line that is not PEM at all\n", 40000);
  expectParseError(big, "limit");
}

TEST_F(PemHostile, ThousandsOfEmptyBlocks) {
  auto start = std::chrono::steady_clock::now();
  auto r = parsePemBundle(repeat(kBegin + kEnd, 20000));
  EXPECT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(PemHostile, NulBytesAroundACertificate) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  std::string withNul = std::string(16, '\0') + leaf.certPem + std::string(16, '\0');
  auto r = parsePemBundle(withNul);
  // Either read or refused; a refusal must be clear and the process must survive.
  if (!r) {
    EXPECT_FALSE(r.error().message.empty());
  } else {
    EXPECT_EQ(r->size(), 1u);
  }
  std::string nulInside = leaf.certPem;
  nulInside[nulInside.size() / 2] = '\0';
  EXPECT_FALSE(parsePemBundle(nulInside));
}

TEST_F(PemHostile, ExpiredLeafFailsVerificationSayingSo) {
  auto leaf = pki_->issue("web.service.consul", -10);
  auto parsed = parsePemBundle(leaf.certPem);
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto r = verifyChain(leaf.certPem, pki_->intermediatePem(), pki_->rootPem(),
                       std::chrono::system_clock::now());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("expired"), std::string::npos) << r.error().message;
}

TEST_F(PemHostile, ForeignCaFailsVerification) {
  auto foreign = pki_->issueForeign("web.service.consul", 86400 * 2);
  auto r = verifyChain(foreign.certPem, pki_->intermediatePem(), pki_->rootPem(),
                       std::chrono::system_clock::now());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("chain verification failed"), std::string::npos)
      << r.error().message;
}

TEST_F(PemHostile, GarbageIntermediatesAndAnchors) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(verifyChain(leaf.certPem, kBegin + "@@@\n" + kEnd, pki_->rootPem(), now));
  EXPECT_FALSE(verifyChain(leaf.certPem, pki_->intermediatePem(), "garbage", now));
  EXPECT_FALSE(verifyChain("garbage", pki_->intermediatePem(), pki_->rootPem(), now));
  EXPECT_FALSE(verifyChain(leaf.certPem, pki_->intermediatePem(), "", now));
  // Dates far outside time_t's comfortable range.
  EXPECT_FALSE(verifyChain(leaf.certPem, pki_->intermediatePem(), pki_->rootPem(),
                           std::chrono::system_clock::time_point::min()));
}

}  // namespace
}  // namespace nc::certs
