// ACL policy parsing and Vault's path-matching priority (exact, '+', '*', deny).
#include <gtest/gtest.h>

#include "vault/acl_policy.hpp"

namespace nc::vault_sim {
namespace {

Acl aclOf(const std::string& text) {
  static std::vector<ParsedPolicy> keep;
  auto p = parsePolicy(text);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  keep.push_back(*p);
  return Acl({&keep.back()});
}

TEST(AclPolicy, ParsesHclWithCommentsAndLegacyPolicy) {
  auto p = parsePolicy(R"(# comment
// another
/* block
   comment */
path "pki-int/issue/nomad-job" {
  capabilities = ["update", "create",]
}
path "/secret/*" { policy = "read" }
path "sys/mounts" {
  capabilities = ["read"]
  allowed_parameters = { "type" = ["pki"] }
}
)");
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->rules.size(), 3u);
  EXPECT_EQ(p->rules[0].path, "pki-int/issue/nomad-job");
  EXPECT_EQ(p->rules[0].caps, kUpdate | kCreate);
  EXPECT_EQ(p->rules[1].path, "secret/*");
  EXPECT_EQ(p->rules[1].caps, kRead | kList);
}

TEST(AclPolicy, ParsesJson) {
  auto p = parsePolicy(R"({"path":{"a/b":{"capabilities":["read","list"]}}})");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->rules.size(), 1u);
  EXPECT_EQ(p->rules[0].caps, kRead | kList);
}

TEST(AclPolicy, RejectsBadInput) {
  EXPECT_FALSE(parsePolicy("path \"x\" { capabilities = [\"fly\"] }"));
  EXPECT_FALSE(parsePolicy("path \"x\" { capabilities = [\"read\"] "));
  EXPECT_FALSE(parsePolicy("foo \"x\" { }"));
  auto e = parsePolicy("path \"x\" { capabilities = [\"fly\"] }");
  EXPECT_EQ(e.error().message.rfind("failed to parse policy: ", 0), 0u);
}

// Lists and objects nest by recursion: 200k levels crashed vault-sim.
TEST(AclPolicy, DeepNestingIsRefused) {
  const int n = 200000;
  const std::string lists = "a = " + std::string(n, '[') + std::string(n, ']') + "\n";
  std::string objects = "a = ";
  for (int i = 0; i < n; ++i) objects += "{ b = ";
  objects += "1";
  for (int i = 0; i < n; ++i) objects += " }";
  for (const std::string& text : {lists, objects}) {
    auto e = parsePolicy(text);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("nested more than 100 levels deep"), std::string::npos)
        << e.error().message;
  }
}

TEST(AclPolicy, ExactBeatsGlob) {
  Acl acl = aclOf(R"(
path "pki/*" { capabilities = ["read"] }
path "pki/issue/web" { capabilities = ["update"] }
)");
  EXPECT_TRUE(acl.allows("pki/issue/web", kUpdate));
  EXPECT_FALSE(acl.allows("pki/issue/web", kRead));
  EXPECT_TRUE(acl.allows("pki/roles/web", kRead));
  EXPECT_FALSE(acl.allows("other/x", kRead));
}

TEST(AclPolicy, LongestPrefixWins) {
  Acl acl = aclOf(R"(
path "secret/*" { capabilities = ["read"] }
path "secret/team/*" { capabilities = ["deny"] }
)");
  EXPECT_TRUE(acl.allows("secret/app", kRead));
  EXPECT_FALSE(acl.allows("secret/team/app", kRead));
}

TEST(AclPolicy, PlusMatchesOneSegment) {
  Acl acl = aclOf(R"(path "pki-int/issue/+" { capabilities = ["update"] })");
  EXPECT_TRUE(acl.allows("pki-int/issue/nomad-job", kUpdate));
  EXPECT_FALSE(acl.allows("pki-int/issue/a/b", kUpdate));
  EXPECT_FALSE(acl.allows("pki-int/roles/x", kUpdate));
}

TEST(AclPolicy, PrioritiesBetweenWildcards) {
  Acl acl = aclOf(R"(
path "a/+/c/*" { capabilities = ["read"] }
path "a/b/+/d" { capabilities = ["update"] }
path "a/*" { capabilities = ["list"] }
)");
  Acl seg = aclOf(R"(
path "a/+/c/*" { capabilities = ["read"] }
path "a/+/*" { capabilities = ["list"] }
)");
  EXPECT_EQ(seg.capabilities("a/x/c/y"), kRead);  // longer wildcard path is more specific
  EXPECT_EQ(seg.capabilities("a/x/d"), kList);
  // The later first wildcard is more specific.
  EXPECT_EQ(acl.capabilities("a/b/c/d"), kUpdate);
  // Same first-wildcard position, both prefixes: fewer '+' segments wins (Vault's ordering).
  EXPECT_EQ(acl.capabilities("a/x/c/y"), kList);
  EXPECT_EQ(acl.capabilities("a/zzz"), kList);
}

TEST(AclPolicy, DenyWinsWhenMergingPolicies) {
  auto p1 = parsePolicy(R"(path "kv/x" { capabilities = ["read"] })");
  auto p2 = parsePolicy(R"(path "kv/x" { capabilities = ["deny"] })");
  auto p3 = parsePolicy(R"(path "kv/x" { capabilities = ["update"] })");
  Acl denied({&*p1, &*p2});
  EXPECT_FALSE(denied.allows("kv/x", kRead));
  Acl merged({&*p1, &*p3});
  EXPECT_TRUE(merged.allows("kv/x", kRead));
  EXPECT_TRUE(merged.allows("kv/x", kUpdate));
}

TEST(AclPolicy, ListFindsExactRuleWithoutSlash) {
  Acl acl = aclOf(R"(path "pki/roles" { capabilities = ["list"] })");
  EXPECT_TRUE(acl.allows("pki/roles/", kList, true));
}

TEST(AclPolicy, TemplatedPaths) {
  auto p = parsePolicy(
      R"(path "secret/data/{{identity.entity.aliases.auth_jwt_1.metadata.nomad_namespace}}/*" { capabilities = ["read"] })");
  ASSERT_TRUE(p);
  TemplateContext ctx;
  ctx.aliasMetadata["auth_jwt_1"]["nomad_namespace"] = "prod";
  Acl acl({&*p}, &ctx);
  EXPECT_TRUE(acl.allows("secret/data/prod/web", kRead));
  EXPECT_FALSE(acl.allows("secret/data/dev/web", kRead));
  Acl none({&*p}, nullptr);
  EXPECT_FALSE(none.allows("secret/data/prod/web", kRead));
}

}  // namespace
}  // namespace nc::vault_sim
