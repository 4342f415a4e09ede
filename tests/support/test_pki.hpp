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
