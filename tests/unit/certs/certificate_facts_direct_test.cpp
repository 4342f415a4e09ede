// extractFacts' direct way (CertificateView + TrustAnchors::acceptsDirectly) against OpenSSL's
// X509 and X509_verify_cert: whenever the direct way answers, its facts are exactly the X509
// way's, and every leaf outside the shape it proves is left to OpenSSL.
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "certs/certificate_facts.hpp"
#include "certs/certificate_view.hpp"
#include "certs/openssl_util.hpp"
#include "support/test_pki.hpp"

namespace nc::certs {
namespace {

using namespace std::chrono_literals;
using Options = testing::TestPki::LeafOptions;

void expectSameFacts(const CertificateFacts& a, const CertificateFacts& b) {
  EXPECT_EQ(a.parseError, b.parseError);
  EXPECT_EQ(a.commonName, b.commonName);
  EXPECT_EQ(a.serialBytes, b.serialBytes);
  EXPECT_EQ(a.otherDnsNames, b.otherDnsNames);
  EXPECT_EQ(a.notBefore, b.notBefore);
  EXPECT_EQ(a.notAfter, b.notAfter);
  EXPECT_EQ(a.chain.anchors, b.chain.anchors);
  EXPECT_EQ(a.chain.error, b.chain.error);
  EXPECT_EQ(a.chain.validFrom, b.chain.validFrom);
  EXPECT_EQ(a.chain.validUntil, b.chain.validUntil);
}

/// The bundle's DER with one bit of the signature's last byte flipped.
std::string withCorruptSignature(const std::string& pem) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  EXPECT_EQ(PEM_read_bio(in, &name, &header, &der, &len), 1);
  der[len - 1] ^= 0x01;
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio(out, name, header, der, len);
  std::string result = ossl::bioText(out);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(der);
  BIO_free(in);
  BIO_free(out);
  return result;
}

/// A leaf of the intermediate with its basic constraints twice (the openssl CLI merges them).
std::string withRepeatedExtension(const testing::TestPki& pki) {
  auto readPem = [](const std::string& text, auto reader) {
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    auto* out = reader(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return out;
  };
  X509* ca = readPem(pki.intermediatePem(), PEM_read_bio_X509);
  EVP_PKEY* caKey = readPem(pki.caKeyPem("int"), PEM_read_bio_PrivateKey);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* leaf = X509_new();
  X509_set_version(leaf, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(leaf), 4242);
  X509_set_issuer_name(leaf, X509_get_subject_name(ca));
  X509_NAME* subject = X509_NAME_new();
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("web.service.consul"), -1, -1,
                             0);
  X509_set_subject_name(leaf, subject);
  X509_gmtime_adj(X509_getm_notBefore(leaf), -30);
  X509_gmtime_adj(X509_getm_notAfter(leaf), 3600);
  X509_set_pubkey(leaf, key);
  for (int i = 0; i < 2; ++i) {
    X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "CA:FALSE");
    X509_add_ext(leaf, bc, -1);
    X509_EXTENSION_free(bc);
  }
  X509_sign(leaf, caKey, EVP_sha256());
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(out, leaf);
  std::string pem = ossl::bioText(out);
  BIO_free(out);
  X509_NAME_free(subject);
  X509_free(leaf);
  EVP_PKEY_free(key);
  EVP_PKEY_free(caKey);
  X509_free(ca);
  return pem;
}

class DirectFactsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::TestPki();
    pki_->addCa("impostor", "/CN=Test-Intermediate");  // the intermediate's name, not its key
    pki_->addCa("constrained", "/CN=Constrained CA",
                {"nameConstraints=critical,permitted;DNS:.consul"});
    pki_->addCa("rsa", "/CN=RSA CA", {}, "rsa:2048");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  /// Both ways (and extractFacts) agree; true when the direct way answered.
  static bool directAgrees(const std::string& pem, const TrustAnchorsPtr& anchors, TimePoint at) {
    CertificateFacts byX509 = extractFactsFromX509(pem, anchors, at);
    std::optional<CertificateFacts> direct = extractFactsDirectly(pem, anchors, at);
    if (direct) expectSameFacts(*direct, byX509);
    expectSameFacts(extractFacts(pem, anchors, at), byX509);
    return direct.has_value();
  }

  static testing::TestPki* pki_;
  TimePoint now_ = std::chrono::system_clock::now();
};
testing::TestPki* DirectFactsTest::pki_ = nullptr;

const char* kVaultLeafExtensions =
    "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth,clientAuth\n";

TEST_F(DirectFactsTest, AnAnchorAcceptsLeavesDirectlyOnceVerifyAcceptedOneThroughIt) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  Options vaultLike;
  vaultLike.dnsNames = {"web.nomad.local"};
  vaultLike.extensions = kVaultLeafExtensions;
  auto first = pki_->issueWith("web.service.consul", vaultLike);
  EXPECT_FALSE(extractFactsDirectly(first.certPem, anchors, now_));  // nothing shown yet

  CertificateFacts byX509 = extractFactsFromX509(first.certPem, anchors, now_);
  ASSERT_TRUE(byX509.chain.error.empty()) << byX509.chain.error;
  EXPECT_TRUE(directAgrees(first.certPem, anchors, now_));
  EXPECT_EQ(extractFactsDirectly(first.certPem, anchors, now_)->otherDnsNames,
            (std::vector<std::string>{"web.nomad.local"}));  // the CN is not kept twice
  // Other leaves of the same intermediate, alone or with it in the bundle, and with a key
  // from the bundle's private-key block skipped.
  auto plain = pki_->issue("db.service.consul", 7200);
  EXPECT_TRUE(directAgrees(plain.certPem, anchors, now_));
  EXPECT_TRUE(directAgrees(plain.certPem + pki_->intermediatePem(), anchors, now_));
  EXPECT_TRUE(directAgrees(plain.keyPem + plain.certPem, anchors, now_));
  // The same anchors read again are another trust store: nothing shown for it yet.
  EXPECT_FALSE(
      extractFactsDirectly(plain.certPem, TrustAnchors::fromPem(pki_->caChainPem()), now_));

  // The root is an anchor too, but no leaf went through it yet.
  Options fromRoot;
  fromRoot.issuer = "root";
  auto rootLeaf = pki_->issueWith("api.service.consul", fromRoot);
  EXPECT_FALSE(extractFactsDirectly(rootLeaf.certPem, anchors, now_));
  EXPECT_TRUE(extractFactsFromX509(rootLeaf.certPem, anchors, now_).chain.error.empty());
  EXPECT_TRUE(
      directAgrees(pki_->issueWith("api2.service.consul", fromRoot).certPem, anchors, now_));
}

TEST_F(DirectFactsTest, EveryOtherLeafIsLeftToOpenSsl) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  ASSERT_TRUE(extractFactsFromX509(pki_->issue("web.service.consul", 3600).certPem, anchors, now_)
                  .chain.error.empty());

  struct Case {
    const char* what;
    std::string pem;
    bool failsVerification;
  };
  auto leaf = [](Options o) { return pki_->issueWith("web.service.consul", o).certPem; };
  Options o;
  std::vector<Case> cases;
  o.issuer = "impostor";
  o.extensions = "authorityKeyIdentifier=keyid\n";
  cases.push_back({"same issuer name, another key, its key id", leaf(o), true});
  o.extensions = "authorityKeyIdentifier=none\n";
  cases.push_back({"same issuer name, another key, no key id", leaf(o), true});
  o = {};
  o.startOffset = 600;
  cases.push_back({"not yet valid", leaf(o), true});
  o = {};
  o.startOffset = -7200;
  o.seconds = -3600;
  cases.push_back({"expired (not a chain failure)", leaf(o), false});
  o = {};
  o.extensions = "1.2.3.4=critical,ASN1:UTF8String:unknown\n";
  cases.push_back({"an unknown critical extension", leaf(o), true});
  o.extensions = "1.2.3.4=ASN1:UTF8String:unknown\n";
  cases.push_back({"an unknown extension", leaf(o), false});
  o.extensions =  // an authority key identifier of 20 bytes that are not the intermediate's
      "2.5.29.35=DER:30:16:80:14:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67\n";
  cases.push_back({"the issuer's signature with another key id", leaf(o), true});
  o.extensions = "subjectKeyIdentifier=critical,hash\n";
  cases.push_back({"a critical key identifier", leaf(o), true});
  cases.push_back({"a repeated extension", withRepeatedExtension(*pki_), true});
  o.extensions = "basicConstraints=critical,CA:TRUE\n";
  cases.push_back({"a CA as the leaf", leaf(o), false});
  o.extensions = "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
  cases.push_back({"a corrupt signature", withCorruptSignature(leaf(o)), true});
  cases.push_back({"a foreign self-signed leaf",
                   pki_->issueForeign("web.service.consul", 86400).certPem, true});
  cases.push_back({"junk", "junk", false});
  cases.push_back({"the intermediate itself", pki_->intermediatePem(), false});

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_FALSE(directAgrees(c.pem, anchors, now_));
    EXPECT_EQ(!extractFactsFromX509(c.pem, anchors, now_).chain.error.empty(), c.failsVerification);
  }
}

TEST_F(DirectFactsTest, VerdictsMatchAtWholeSecondsAroundTheLeafsValidity) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem());
  Options o;
  o.startOffset = 5;  // after the anchors' own notBefore
  auto pem = pki_->issueWith("web.service.consul", o).certPem;
  CertificateFacts f = extractFactsFromX509(pem, anchors, now_ + 1min);
  ASSERT_TRUE(f.chain.error.empty()) << f.chain.error;
  EXPECT_FALSE(directAgrees(pem, anchors, f.notBefore - 500ms));  // not yet valid at that second
  EXPECT_TRUE(directAgrees(pem, anchors, f.notBefore));
  EXPECT_TRUE(directAgrees(pem, anchors, f.notAfter - 500ms));
  EXPECT_FALSE(directAgrees(pem, anchors, f.notAfter));                  // expired: left to OpenSSL
  EXPECT_FALSE(directAgrees(pem, anchors, anchors->validUntil() + 1h));  // anchors expired
}

TEST_F(DirectFactsTest, AnchorsWithNameConstraintsAreAlwaysVerifiedInFull) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem() + pki_->caPem("constrained"));
  auto pem = pki_->issue("web.service.consul", 3600).certPem;
  ASSERT_TRUE(extractFactsFromX509(pem, anchors, now_).chain.error.empty());
  EXPECT_FALSE(directAgrees(pem, anchors, now_));
}

// A CA rotated under the same name: the leaf's key identifier tells its issuer; without one,
// OpenSSL's choice depends on the order, so it is left to OpenSSL.
TEST_F(DirectFactsTest, AnchorsOfOneNameAreToldApartByKeyIdentifier) {
  auto anchors = TrustAnchors::fromPem(pki_->caChainPem() + pki_->caPem("impostor"));
  Options withKeyId;
  withKeyId.extensions = "authorityKeyIdentifier=keyid\n";
  ASSERT_TRUE(
      extractFactsFromX509(pki_->issueWith("a.service.consul", withKeyId).certPem, anchors, now_)
          .chain.error.empty());
  EXPECT_TRUE(directAgrees(pki_->issueWith("b.service.consul", withKeyId).certPem, anchors, now_));
  Options noKeyId;
  noKeyId.extensions = "authorityKeyIdentifier=none\n";
  EXPECT_FALSE(directAgrees(pki_->issueWith("c.service.consul", noKeyId).certPem, anchors, now_));

  Options byOther = withKeyId;  // the other CA of that name, trusted as well
  byOther.issuer = "impostor";
  ASSERT_TRUE(
      extractFactsFromX509(pki_->issueWith("d.service.consul", byOther).certPem, anchors, now_)
          .chain.error.empty());
  EXPECT_TRUE(directAgrees(pki_->issueWith("e.service.consul", byOther).certPem, anchors, now_));
}

TEST_F(DirectFactsTest, RsaAndEcKeysOnEitherSide) {
  auto rsa = TrustAnchors::fromPem(pki_->caPem("rsa"));
  Options byRsa;
  byRsa.issuer = "rsa";
  byRsa.extensions = kVaultLeafExtensions;
  ASSERT_TRUE(extractFactsFromX509(pki_->issueWith("a.service.consul", byRsa).certPem, rsa, now_)
                  .chain.error.empty());
  EXPECT_TRUE(directAgrees(pki_->issueWith("b.service.consul", byRsa).certPem, rsa, now_));

  auto ec = TrustAnchors::fromPem(pki_->caChainPem());
  Options rsaLeaf;
  rsaLeaf.keyArgs = "rsa:2048";
  ASSERT_TRUE(extractFactsFromX509(pki_->issue("c.service.consul", 3600).certPem, ec, now_)
                  .chain.error.empty());
  EXPECT_TRUE(directAgrees(pki_->issueWith("d.service.consul", rsaLeaf).certPem, ec, now_));
}

TEST_F(DirectFactsTest, AViewReadsOnlyWholeCertificates) {
  auto pem = pki_->issue("web.service.consul", 3600).certPem;
  auto views = readCertificateViews(pem + pki_->intermediatePem(), 16);
  ASSERT_TRUE(views);
  ASSERT_EQ(views->size(), 2u);
  EXPECT_EQ((*views)[0].version(), 2);
  EXPECT_FALSE(readCertificateViews(pem + pki_->intermediatePem(), 1));  // over the count
  EXPECT_FALSE(
      readCertificateViews("-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n", 16));
  // The leaf's own DER reads; the same bytes with one more after them do not.
  std::vector<unsigned char> der;
  ASSERT_TRUE(ossl::forEachPemBlock(pem, [&](std::string_view, auto block, std::size_t) {
    der.assign(block.begin(), block.end());
    return false;
  }));
  ASSERT_FALSE(der.empty());
  EXPECT_TRUE(CertificateView::read(der));
  der.push_back(0x00);
  EXPECT_FALSE(CertificateView::read(der));
}

}  // namespace
}  // namespace nc::certs
