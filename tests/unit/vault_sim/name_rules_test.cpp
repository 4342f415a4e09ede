// Table tests of Vault's PKI name rules (bare, subdomain, glob, wildcard, localhost,
// enforce_hostnames, case, cn_validations) and the issue-time name processing.
#include <gtest/gtest.h>

#include "vault/name_rules.hpp"

namespace nc::vault_sim {
namespace {

struct Case {
  const char* what;
  PkiRole role;
  std::string name;
  bool allowed;
};

PkiRole role(std::vector<std::string> domains, bool bare, bool sub, bool glob = false) {
  PkiRole r;
  r.allowedDomains = std::move(domains);
  r.allowBareDomains = bare;
  r.allowSubdomains = sub;
  r.allowGlobDomains = glob;
  r.allowLocalhost = false;
  return r;
}

PkiRole with(PkiRole r, void (*f)(PkiRole&)) {
  f(r);
  return r;
}

std::vector<Case> cases() {
  const auto ex = std::vector<std::string>{"example.com"};
  return {
      {"bare allowed", role(ex, true, false), "example.com", true},
      {"bare refused without flag", role(ex, false, true), "example.com", false},
      {"bare is case-insensitive", role(ex, true, false), "EXAMPLE.com", true},
      {"subdomain allowed", role(ex, false, true), "web.example.com", true},
      {"deep subdomain allowed", role(ex, false, true), "a.b.c.example.com", true},
      {"subdomain refused without flag", role(ex, true, false), "web.example.com", false},
      {"subdomain suffix is case-sensitive", role(ex, false, true), "web.EXAMPLE.COM", false},
      {"lookalike suffix refused", role(ex, false, true), "badexample.com", false},
      {"other domain refused", role(ex, true, true), "example.org", false},
      {"wildcard of subdomain", role(ex, false, true), "*.example.com", true},
      {"wildcard needs subdomains", role(ex, true, false), "*.example.com", false},
      {"wildcard refused by allow_wildcard_certificates",
       with(role(ex, false, true), [](PkiRole& r) { r.allowWildcardCertificates = false; }),
       "*.example.com", false},
      {"wildcard refused even with allow_any_name",
       with(role({}, false, false),
            [](PkiRole& r) {
              r.allowAnyName = true;
              r.allowWildcardCertificates = false;
            }),
       "*.example.com", false},
      {"partial wildcard label", role(ex, false, true), "web*.example.com", true},
      {"two wildcards refused", role(ex, false, true), "*.*.example.com", false},
      {"wildcard not left-most refused", role(ex, false, true), "web.*.example.com", false},
      {"glob match", role({"*.svc.example.com"}, false, false, true), "api.svc.example.com", true},
      {"glob spans dots", role({"*.svc.example.com"}, false, false, true), "a.b.svc.example.com",
       true},
      {"glob is case-insensitive", role({"*.svc.example.com"}, false, false, true),
       "API.SVC.example.com", true},
      {"glob needs allow_glob_domains", role({"*.svc.example.com"}, false, false, false),
       "api.svc.example.com", false},
      {"glob in the middle", role({"web-*.example.com"}, false, false, true), "web-01.example.com",
       true},
      {"glob mismatch", role({"web-*.example.com"}, false, false, true), "db-01.example.com",
       false},
      {"localhost allowed",
       with(role({}, false, false), [](PkiRole& r) { r.allowLocalhost = true; }), "localhost",
       true},
      {"localdomain allowed",
       with(role({}, false, false), [](PkiRole& r) { r.allowLocalhost = true; }), "localdomain",
       true},
      {"localhost refused without flag", role({}, false, false), "localhost", false},
      {"sub.localhost needs subdomains",
       with(role({}, false, false), [](PkiRole& r) { r.allowLocalhost = true; }), "a.localhost",
       false},
      {"sub.localhost with subdomains",
       with(role({}, false, true), [](PkiRole& r) { r.allowLocalhost = true; }), "a.localhost",
       true},
      {"any name", with(role({}, false, false), [](PkiRole& r) { r.allowAnyName = true; }),
       "anything.test", true},
      {"any name still enforces hostnames",
       with(role({}, false, false), [](PkiRole& r) { r.allowAnyName = true; }), "bad_name.test",
       false},
      {"any name without enforce_hostnames",
       with(role({}, false, false),
            [](PkiRole& r) {
              r.allowAnyName = true;
              r.enforceHostnames = false;
            }),
       "bad_name.test", true},
      {"hostname with leading hyphen refused", role(ex, false, true), "-web.example.com", false},
      {"email with bare domain", role(ex, true, false), "ops@example.com", true},
      {"email with subdomain", role(ex, false, true), "ops@mail.example.com", true},
      {"email with wildcard refused", role(ex, false, true), "ops@*.example.com", false},
      {"two @ refused", role(ex, true, true), "a@b@example.com", false},
      {"empty allowed_domains entry ignored", role({"", "example.com"}, true, false), "example.com",
       true},
      {"trailing dot subdomain", role(ex, false, true), "web.example.com.", false},
      {"label over 63 chars refused", role(ex, false, true), std::string(64, 'a') + ".example.com",
       false},
  };
}

TEST(NameRules, TableOfVaultCases) {
  auto table = cases();
  ASSERT_GE(table.size(), 30u);
  for (const auto& c : table)
    EXPECT_EQ(nameAllowed(c.role, c.name), c.allowed) << c.what << ": " << c.name;
}

TEST(NameRules, GoGlob) {
  EXPECT_TRUE(goGlob("*", "anything"));
  EXPECT_TRUE(goGlob("a*c", "abbbc"));
  EXPECT_FALSE(goGlob("a*c", "abbbd"));
  EXPECT_TRUE(goGlob("*.x", "a.b.x"));
  EXPECT_FALSE(goGlob("abc", "abcd"));
  EXPECT_TRUE(goGlob("a*b*c", "a1b2c"));
  EXPECT_FALSE(goGlob("", "a"));
}

TEST(NameRules, CnValidations) {
  PkiRole r = role({"example.com"}, true, true);
  EXPECT_TRUE(commonNameAllowed(r, "web.example.com"));
  EXPECT_TRUE(commonNameAllowed(r, "ops@example.com"));
  r.cnValidations = {"hostname"};
  EXPECT_FALSE(commonNameAllowed(r, "ops@example.com"));
  r.cnValidations = {"email"};
  EXPECT_FALSE(commonNameAllowed(r, "web.example.com"));
  r.cnValidations = {"disabled"};
  EXPECT_TRUE(commonNameAllowed(r, "not a hostname at all"));
}

TEST(NameRules, RequestNamesErrorsAndSans) {
  PkiRole r = role({"example.com"}, false, true);
  auto ok =
      checkRequestNames(r, "web.example.com", "b.example.com, a.example.com,b.example.com", false);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->dnsNames,
            (std::vector<std::string>{"a.example.com", "b.example.com", "web.example.com"}));

  auto cn = checkRequestNames(r, "web.other.com", "", false);
  ASSERT_FALSE(cn);
  EXPECT_EQ(cn.error().message, "common name web.other.com not allowed by this role");

  auto san = checkRequestNames(r, "web.example.com", "x.other.com", false);
  ASSERT_FALSE(san);
  EXPECT_EQ(san.error().message, "subject alternate name x.other.com not allowed by this role");

  auto notDns = checkRequestNames(r, "web.example.com", "bad_name.example.com", false);
  ASSERT_FALSE(notDns);
  EXPECT_EQ(notDns.error().message,
            "subject alternate name bad_name.example.com is not a valid DNS name and cannot be "
            "included as a SAN");

  auto email = checkRequestNames(r, "web.example.com", "ops@other.com", false);
  ASSERT_FALSE(email);
  EXPECT_EQ(email.error().message, "email address ops@other.com not allowed by this role");

  auto excluded = checkRequestNames(r, "web.example.com", "", true);
  ASSERT_TRUE(excluded);
  EXPECT_TRUE(excluded->dnsNames.empty());
}

TEST(NameRules, IdnaLengthChecks) {
  EXPECT_TRUE(idnaToAscii("a.example.com"));
  EXPECT_TRUE(idnaToAscii("a.example.com."));
  EXPECT_FALSE(idnaToAscii("a..example.com"));
  EXPECT_FALSE(idnaToAscii(std::string(64, 'a') + ".com"));
}

}  // namespace
}  // namespace nc::vault_sim
