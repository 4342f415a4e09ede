// TestPki: a root, an intermediate and leaf certificates made with the openssl CLI in a
// temporary directory, for tests that need real X.509 material.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nc::testing {

struct IssuedLeaf {
  std::string certPem, keyPem;
};

class TestPki {
 public:
  TestPki();  ///< creates root + intermediate (EC P-256); aborts the test on failure
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  /// A leaf signed by the intermediate, valid from now-30s for `seconds`.
  IssuedLeaf issue(const std::string& commonName, long seconds,
                   const std::vector<std::string>& dnsNames = {});
  /// A leaf signed by an unrelated self-signed CA.
  IssuedLeaf issueForeign(const std::string& commonName, long seconds);

  /// A self-signed CA kept under `id` ("root" and "int" are this PKI's own), for issueWith.
  /// keyArgs go to `openssl req -newkey`; each of addext is one more `-addext` value.
  void addCa(const std::string& id, const std::string& subject,
             const std::vector<std::string>& addext = {},
             const std::string& keyArgs = "ec -pkeyopt ec_paramgen_curve:P-256");
  std::string caPem(const std::string& id) const;
  std::string caKeyPem(const std::string& id) const;

  struct LeafOptions {
    std::string issuer = "int";  ///< a CA id
    long startOffset = -30;      ///< notBefore, seconds from now
    long seconds = 3600;         ///< notAfter, seconds from now
    std::vector<std::string> dnsNames;
    std::string extensions;  ///< more `openssl ca -extfile` lines, e.g. "basicConstraints=CA:TRUE"
    std::string keyArgs = "ec -pkeyopt ec_paramgen_curve:P-256";
  };
  IssuedLeaf issueWith(const std::string& commonName, const LeafOptions& options);

  const std::string& rootPem() const { return root_; }
  const std::string& intermediatePem() const { return intermediate_; }
  std::string caChainPem() const { return intermediate_ + root_; }

 private:
  std::filesystem::path dir_;
  std::string root_, intermediate_;
  int counter_ = 0;
};

/// Runs a shell command; returns its exit status.
int run(const std::string& command);
std::string readFile(const std::filesystem::path& p);

}  // namespace nc::testing
