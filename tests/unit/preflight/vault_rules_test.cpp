// Tests of Vault's PKI name matching and ACL policy evaluation as preflight re-implements them.
#include <gtest/gtest.h>

#include "preflight/vault_rules.hpp"

namespace nc::preflight {
namespace {

RoleRules role(std::vector<std::string> domains) {
  RoleRules r;
  r.allowedDomains = std::move(domains);
  r.allowLocalhost = false;
  return r;
}

TEST(NameRules, SubdomainsBareAndCase) {
  auto r = role({"service.consul"});
  r.allowSubdomains = true;
  EXPECT_FALSE(nameRefusal(r, "web.service.consul"));
  EXPECT_FALSE(nameRefusal(r, "a.b.service.consul"));  // any depth
  EXPECT_TRUE(nameRefusal(r, "service.consul"));       // bare needs allow_bare_domains
  EXPECT_TRUE(nameRefusal(r, "web.SERVICE.CONSUL"));   // suffix comparison is case-sensitive
  EXPECT_TRUE(nameRefusal(r, "webservice.consul"));    // not a label boundary
  r.allowBareDomains = true;
  EXPECT_FALSE(nameRefusal(r, "SERVICE.consul"));  // bare comparison ignores case
}

TEST(NameRules, GlobsLocalhostWildcardsAndHostnames) {
  auto r = role({"*.example.com"});
  EXPECT_TRUE(nameRefusal(r, "a.example.com"));
  r.allowGlobDomains = true;
  EXPECT_FALSE(nameRefusal(r, "a.b.example.com"));
  r.allowLocalhost = true;
  EXPECT_FALSE(nameRefusal(r, "localhost"));
  EXPECT_TRUE(nameRefusal(r, "x.localhost"));
  auto w = role({"svc"});
  w.allowSubdomains = true;
  EXPECT_FALSE(nameRefusal(w, "*.svc"));
  w.allowWildcardCertificates = false;
  EXPECT_TRUE(nameRefusal(w, "*.svc"));
  auto any = role({});
  any.allowAnyName = true;
  EXPECT_FALSE(nameRefusal(any, "whatever.example"));
  EXPECT_TRUE(nameRefusal(any, "bad_name.example"));  // enforce_hostnames still applies
  any.enforceHostnames = false;
  EXPECT_FALSE(nameRefusal(any, "bad_name.example"));
}

std::vector<PolicyRule> policy(const char* text) {
  std::string err;
  auto p = parsePolicy(text, &err);
  EXPECT_TRUE(p) << err;
  return p.value_or(std::vector<PolicyRule>{});
}

TEST(PolicyRules, MostSpecificPathWinsAndDenyWins) {
  auto broad = policy(R"(path "pki-int/*" { capabilities = ["deny"] })");
  auto exact = policy(R"(path "pki-int/issue/nomad-job" { capabilities = ["update"] })");
  EXPECT_TRUE(grants(capabilitiesOn({broad, exact}, "pki-int/issue/nomad-job"), "update"));
  EXPECT_FALSE(grants(capabilitiesOn({broad, exact}, "pki-int/issue/other"), "update"));
  auto plus = policy(R"(path "pki-int/issue/+" { capabilities = ["update"] })");
  EXPECT_TRUE(grants(capabilitiesOn({plus}, "pki-int/issue/r"), "update"));
  EXPECT_FALSE(grants(capabilitiesOn({plus}, "pki-int/issue/r/x"), "update"));
  auto deny = policy(R"(path "pki-int/issue/nomad-job" { capabilities = ["deny"] })");
  EXPECT_FALSE(grants(capabilitiesOn({exact, deny}, "pki-int/issue/nomad-job"), "update"));
  auto glob = policy(R"(path "pki-int/iss*" { capabilities = ["update"] })");
  EXPECT_TRUE(grants(capabilitiesOn({glob}, "pki-int/issue/x"), "update"));
  EXPECT_TRUE(capabilitiesOn({}, "a/b").empty());
}

}  // namespace
}  // namespace nc::preflight
