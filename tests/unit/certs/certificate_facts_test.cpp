// extractFacts and TrustAnchors: one parse, one chain check, and the period a verdict holds for;
// checkCertificate gives the same row from cached facts as from the PEM text.
#include "certs/certificate_facts.hpp"

#include <gtest/gtest.h>

#include "certs/certificate_check.hpp"
#include "certs/openssl_util.hpp"
#include "certs/x509.hpp"
#include "support/test_pki.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;

class FactsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static testing::TestPki* pki_;
  TimePoint now_ = std::chrono::system_clock::now();
};
testing::TestPki* FactsTest::pki_ = nullptr;

TEST(SerialSpelling, BytesAreSpelledAsVaultDoes) {
  EXPECT_EQ(ossl::hexWithColons(std::string("\x1a\x2b\x00\xff", 4)), "1a:2b:00:ff");
  EXPECT_EQ(ossl::hexWithColons("\x07"), "07");
  EXPECT_EQ(ossl::hexWithColons(""), "");
  CertificateFacts none;
  EXPECT_EQ(none.serialHex(), "");
}

TEST_F(FactsTest, ReadsTheLeafAndChecksItsChainOnce) {
  auto leaf = pki_->issue("web.service.consul", 3600, {"web.service.consul", "web.nomad.local"});
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  CertificateFacts f = extractFacts(leaf.certPem, anchors, now_);
  ASSERT_TRUE(f.parseError.empty()) << f.parseError;
  EXPECT_EQ(f.commonName, "web.service.consul");
  EXPECT_FALSE(f.serialBytes.empty());
  EXPECT_EQ(f.serialHex(), parsePemBundle(leaf.certPem)->front().serial);
  EXPECT_EQ(f.otherDnsNames, std::vector<std::string>{"web.nomad.local"});
  EXPECT_TRUE(f.coversName("WEB.nomad.local"));
  EXPECT_TRUE(f.coversName("Web.Service.Consul"));
  EXPECT_FALSE(f.coversName("db.service.consul"));
  EXPECT_GT(f.notAfter, now_ + 3590s);  // issued from now-30s for an hour
  EXPECT_LT(f.notBefore, now_);
  EXPECT_TRUE(f.chain.error.empty()) << f.chain.error;
  // The verdict holds until the first chain certificate expires, and only for these anchors.
  EXPECT_TRUE(f.chain.holdsFor(anchors, now_ + 1h));
  EXPECT_EQ(f.chain.validUntil, anchors->validUntil());
  EXPECT_FALSE(f.chain.holdsFor(anchors, anchors->validUntil()));
  EXPECT_FALSE(f.chain.holdsFor(TrustAnchors::fromPem(pki_->caChainPem()), now_));
  EXPECT_FALSE(f.chain.holdsFor(nullptr, now_));
}

TEST_F(FactsTest, AForeignLeafIsUntrustedAndTheKeyNeverMatters) {
  auto foreign = pki_->issueForeign("web.service.consul", 3600);
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  CertificateFacts f = extractFacts(foreign.certPem + foreign.keyPem, anchors, now_);
  ASSERT_TRUE(f.parseError.empty()) << f.parseError;
  EXPECT_TRUE(f.chain.error.str().starts_with("chain verification failed: ")) << f.chain.error;
  EXPECT_FALSE(f.chain.error.str().ends_with("certificate has expired"));
}

TEST_F(FactsTest, AnExpiredLeafStillChainsButANotYetValidOneIsCheckedAgainEachTime) {
  auto leaf = pki_->issue("web.service.consul", 60);
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  CertificateFacts late = extractFacts(leaf.certPem, anchors, now_ + 2h);
  EXPECT_TRUE(late.chain.error.empty()) << late.chain.error;  // expiry is the policy's job
  EXPECT_TRUE(late.chain.holdsFor(anchors, now_ + 3h));

  CertificateFacts early = extractFacts(leaf.certPem, anchors, now_ - 1h);
  EXPECT_FALSE(early.chain.error.empty());
  EXPECT_FALSE(early.chain.holdsFor(anchors, now_ - 1h));  // outside the window: no reuse
}

TEST_F(FactsTest, UnreadableInputKeepsItsErrorForAnyTime) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  for (std::string bad :
       {std::string(), std::string(" \n"), std::string("garbage"),
        std::string("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n")}) {
    CertificateFacts f = extractFacts(bad, anchors, now_);
    EXPECT_FALSE(f.parseError.empty()) << bad;
    EXPECT_TRUE(f.chain.holdsFor(anchors, now_ + 1000h)) << bad;
  }
  EXPECT_NE(extractFacts(std::string(2 << 20, 'A'), anchors, now_)
                .parseError.str()
                .find("over the limit"),
            std::string::npos);
}

TEST_F(FactsTest, AnUnreadableChainFailsEveryLeafWithItsReason) {
  auto leaf = pki_->issue("web.service.consul", 3600);
  CertificateFacts f = extractFacts(leaf.certPem, TrustAnchors::fromPem("garbage"), now_);
  EXPECT_EQ(f.chain.error.str(), "no trust anchor certificate");
  auto chain = verifyChain(leaf.certPem, pki_->intermediatePem(), pki_->rootPem(), now_);
  EXPECT_TRUE(chain) << chain.error().message;
}

TEST_F(FactsTest, CachedFactsGiveTheSameRowAsThePemText) {
  auto good = pki_->issue("web.service.consul", 3600);
  auto foreign = pki_->issueForeign("web.service.consul", 3600);
  CertificateSpec spec;
  spec.job = "web";
  spec.task = "server";
  spec.path = "secrets/cert.pem";
  spec.commonName = "${NOMAD_JOB_NAME}.service.consul";
  spec.altNames = {"web.service.consul"};
  CheckContext ctx;
  ctx.now = now_;
  ctx.anchors = TrustAnchors::fromPem(pki_->caChainPem());
  for (const std::string& pem : {good.certPem, foreign.certPem, std::string("junk")}) {
    Observation text{Observation::Kind::read, pem, {}, nullptr};
    Observation cached{
        Observation::Kind::read,
        {},
        {},
        std::make_shared<const CertificateFacts>(extractFacts(pem, ctx.anchors, ctx.now))};
    const auto shared = std::make_shared<const CertificateSpec>(spec);
    CertificateRow a = checkCertificate(shared, "a1", text, ctx);
    CertificateRow b = checkCertificate(shared, "a1", cached, ctx);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.message(), b.message());
    EXPECT_EQ(a.serial(), b.serial());
    EXPECT_EQ(a.commonName(), b.commonName());
    EXPECT_EQ(a.notAfter(), b.notAfter());
  }
  EXPECT_EQ(checkCertificate(std::make_shared<const CertificateSpec>(spec), "a1",
                             {Observation::Kind::read, good.certPem, {}, nullptr}, ctx)
                .reason,
            "Valid");
}

TEST(SerialBytesTest, KeepsEveryLengthAsGiven) {
  EXPECT_TRUE(SerialBytes().empty());
  EXPECT_TRUE(SerialBytes(std::string()).empty());
  const std::string twenty(20, '\x7f'), longer = twenty + std::string("\0\x01", 2);
  for (const std::string& bytes : {std::string("\x01"), std::string("\0\0", 2), twenty, longer}) {
    const SerialBytes serial(bytes);
    EXPECT_EQ(serial.view(), bytes);
    EXPECT_FALSE(serial.empty());
    SerialBytes copy;
    copy = serial;
    EXPECT_EQ(copy, serial);
  }
  EXPECT_NE(SerialBytes(twenty), SerialBytes(longer));
  EXPECT_NE(SerialBytes(std::string("\x01")), SerialBytes(std::string("\x01\0", 2)));
}

TEST_F(FactsTest, AValidRowsMessageNamesItsNotAfterAndAnyOtherIsKeptAsSet) {
  CertificateSpec spec;
  spec.job = "web";
  spec.task = "server";
  spec.path = "local/cert.pem";
  const auto shared = std::make_shared<const CertificateSpec>(spec);
  const auto leaf = pki_->issue("web.service.consul", 86400).certPem;
  CheckContext ctx;
  ctx.now = now_;
  ctx.anchors = TrustAnchors::fromPem(pki_->caChainPem());
  CertificateRow row =
      checkCertificate(shared, "a1", {Observation::Kind::read, leaf, {}, nullptr}, ctx);
  ASSERT_EQ(row.reason, "Valid");
  const std::string notAfter = events::formatRfc3339(*row.notAfter()).substr(0, 19) + "Z";
  EXPECT_EQ(row.message(), "valid until " + notAfter);

  ctx.anchors = nullptr;  // the note that the chain was not checked stays with the sentence
  const CertificateRow unchecked =
      checkCertificate(shared, "a1", {Observation::Kind::read, leaf, {}, nullptr}, ctx);
  EXPECT_EQ(unchecked.message(),
            "valid until " + notAfter + " (issuer chain not checked: CA chain unavailable)");

  row.setMessage("replaced");
  EXPECT_EQ(row.message(), "replaced");
  row.reason = "Missing";
  row.setMessage("");
  EXPECT_EQ(row.message(), "");
}

// The scanner's recheck test must agree with the full check: settled exactly when the row is ok
// and its next change lies beyond the span.
TEST_F(FactsTest, SettledForAgreesWithCheckCertificate) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  const std::vector<std::string> pems = {
      pki_->issue("web.service.consul", 30 * 86400, {"web.service.consul"}).certPem,
      pki_->issue("web.service.consul", 3600).certPem,  // renewal window within a day
      pki_->issue("db.service.consul", 30 * 86400).certPem,
      pki_->issueForeign("web.service.consul", 30 * 86400).certPem, std::string("junk")};
  std::vector<CertificateSpec> specs(5);
  for (auto& spec : specs) {
    spec.job = "web";
    spec.task = "server";
    spec.path = "secrets/cert.pem";
  }
  specs[1].commonName = "web.service.consul";
  specs[2].commonName = "${NOMAD_JOB_NAME}.service.consul";
  specs[3].altNames = {"${NOMAD_JOB_NAME}.service.consul"};
  specs[4].altNames = {"api.service.consul"};
  // Now, and after every leaf expired.
  for (const auto& [against, at] : {std::pair{anchors, now_}, std::pair{TrustAnchorsPtr(), now_},
                                    std::pair{TrustAnchorsPtr(), now_ + 40 * 24h}}) {
    CheckContext ctx;
    ctx.now = at;
    ctx.anchors = against;
    for (const std::string& pem : pems) {
      const CertificateFacts facts = extractFacts(pem, against, at);
      auto shared = std::make_shared<const CertificateFacts>(facts);
      for (const auto& spec : specs) {
        const CertificateRow row =
            checkCertificate(std::make_shared<const CertificateSpec>(spec), "a1",
                             {Observation::Kind::read, {}, {}, shared}, ctx);
        for (const Duration span : {Duration::seconds(600), Duration::seconds(86400)}) {
          const bool expected =
              row.state == CertState::ok &&
              (!row.nextChange || *row.nextChange - at > span.as<std::chrono::seconds>());
          EXPECT_EQ(settledFor(spec, facts, ctx, span), expected)
              << row.reason << " " << row.message() << " span " << span.toString();
        }
      }
    }
  }
}

}  // namespace
}  // namespace nc::certs
