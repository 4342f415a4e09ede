// X.509 inspection against certificates made by the openssl CLI, plus hostile PEM input.
#include "certs/x509.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nc::certs {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A root CA, an intermediate and a client leaf, made once for the suite.
class X509Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("nc-x509-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string d = dir_.string();
    std::string script =
        "set -e; cd " + d +
        "; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key"
        " -out root.pem -subj /CN=Root -days 10 -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null"
        "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout int.key"
        " -out int.csr -subj /CN=Intermediate 2>/dev/null"
        "; printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > "
        "int.ext; openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial"
        " -out int.pem -days 5 -extfile int.ext 2>/dev/null"
        "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key"
        " -out leaf.csr -subj /CN=web.service.consul 2>/dev/null"
        "; printf 'subjectAltName=DNS:web.service.consul,DNS:web.nomad.local,IP:127.0.0.1\\n"
        "extendedKeyUsage=clientAuth\\nkeyUsage=digitalSignature,keyAgreement\\n' > leaf.ext"
        "; openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial"
        " -out leaf.pem -days 1 -extfile leaf.ext 2>/dev/null"
        "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key"
        " -out other.csr -subj /CN=other 2>/dev/null";
    ASSERT_EQ(std::system(("bash -c '" + escape(script) + "'").c_str()), 0);
    root_ = readFile(dir_ / "root.pem");
    int_ = readFile(dir_ / "int.pem");
    leaf_ = readFile(dir_ / "leaf.pem");
    leafKey_ = readFile(dir_ / "leaf.key");
    otherKey_ = readFile(dir_ / "other.key");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
  }
  static inline fs::path dir_;
  static inline std::string root_, int_, leaf_, leafKey_, otherKey_;
};

TEST_F(X509Test, InspectsALeafBundle) {
  auto certs = parsePemBundle(leaf_ + int_);
  ASSERT_TRUE(certs) << certs.error().message;
  ASSERT_EQ(certs->size(), 2u);
  const auto& leaf = (*certs)[0];
  EXPECT_EQ(leaf.commonName, "web.service.consul");
  EXPECT_EQ(leaf.subject, "CN=web.service.consul");
  EXPECT_EQ(leaf.issuer, "CN=Intermediate");
  EXPECT_EQ(leaf.dnsNames, (std::vector<std::string>{"web.service.consul", "web.nomad.local"}));
  EXPECT_EQ(leaf.ipAddresses, (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_EQ(leaf.extendedKeyUsage, (std::vector<std::string>{"ClientAuth"}));
  EXPECT_EQ(leaf.publicKeyAlgorithm, "EC");
  EXPECT_EQ(leaf.publicKeyFingerprint.size(), 64u);
  EXPECT_FALSE(leaf.isCa);
  EXPECT_TRUE((*certs)[1].isCa);
  EXPECT_NE(leaf.serial.find(':'), std::string::npos);
  EXPECT_GT(leaf.lifetime(), std::chrono::hours(23));
  EXPECT_TRUE(leaf.coversName("WEB.nomad.local"));
  EXPECT_FALSE(leaf.coversName("db.service.consul"));
}

TEST_F(X509Test, SkipsPrivateKeyBlocksInABundle) {
  auto certs = parsePemBundle(leafKey_ + leaf_);
  ASSERT_TRUE(certs) << certs.error().message;
  EXPECT_EQ(certs->size(), 1u);
}

TEST_F(X509Test, VerifiesTheChain) {
  auto now = std::chrono::system_clock::now();
  EXPECT_TRUE(verifyChain(leaf_, int_, root_, now));
  EXPECT_TRUE(verifyChain(leaf_, "", int_, now));  // intermediate as anchor
  auto missing = verifyChain(leaf_, "", root_, now);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("issuer"), std::string::npos) << missing.error().message;
  auto expired = verifyChain(leaf_, int_, root_, now + std::chrono::hours(48));
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(X509Test, MatchesPrivateKeys) {
  EXPECT_EQ(privateKeyMatches(leaf_, leafKey_).value(), true);
  EXPECT_EQ(privateKeyMatches(leaf_, otherKey_).value(), false);
  auto bad =
      privateKeyMatches(leaf_, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("AAAA"), std::string::npos);
}

TEST_F(X509Test, RefusesHostileInput) {
  std::string truncated = leaf_.substr(0, leaf_.size() / 2);
  // Drop the second base64 line: the PEM framing stays intact, the DER inside does not.
  std::string corruptBody = leaf_;
  auto l2 = corruptBody.find('\n', corruptBody.find('\n') + 1);
  corruptBody.erase(l2 + 1, corruptBody.find('\n', l2 + 1) - l2);
  std::string notACert =
      "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
  std::string manyCerts;
  for (int i = 0; i < 17; ++i) manyCerts += int_;
  const std::pair<std::string, errc> cases[] = {
      {"", errc::parse_error},
      {"   \n", errc::parse_error},
      {"garbage that is not PEM", errc::parse_error},
      {std::string("\x00\x01\x02\xff", 4), errc::parse_error},
      {truncated, errc::parse_error},
      {corruptBody, errc::parse_error},
      {notACert, errc::parse_error},
      {leafKey_, errc::parse_error},
      {manyCerts, errc::too_large},
      {std::string(2 * 1024 * 1024, 'A'), errc::too_large},
  };
  for (const auto& [pem, code] : cases) {
    auto r = parsePemBundle(pem);
    ASSERT_FALSE(r) << pem.substr(0, 40);
    EXPECT_TRUE(r.error().is(code)) << r.error().describe();
    EXPECT_FALSE(r.error().message.empty());
  }
}

}  // namespace
}  // namespace nc::certs
