// Pure diff tables per kind: normalisation, Vault defaults, ordering, ignore_differences.
#include <gtest/gtest.h>

#include "field_helpers.hpp"
#include "reconcile/diff.hpp"

namespace nc::reconcile {
namespace {

using namespace testing;
using config::FieldSchema;

struct VaultCase {
  const char* name;
  FieldSchema schema;
  config::FieldMap desired;
  const char* live;
  std::vector<std::string> ignore;
  std::vector<std::string> expectedPaths;
};

class VaultFieldDiff : public ::testing::TestWithParam<VaultCase> {};

TEST_P(VaultFieldDiff, ComparesOnlyDeclaredNormalisedFields) {
  const auto& c = GetParam();
  auto d = diffVaultFields(c.schema, c.desired, c.live, c.ignore);
  ASSERT_TRUE(d) << d.error().message;
  std::vector<std::string> paths;
  for (const auto& x : *d) paths.push_back(x.path);
  EXPECT_EQ(paths, c.expectedPaths) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, VaultFieldDiff,
    ::testing::Values(VaultCase{"duration declared as 24h equals 86400 seconds",
                                FieldSchema::pkiRole,
                                {{"ttl", fDur(86400)}, {"max_ttl", fDur(604800)}},
                                R"({"ttl":86400,"max_ttl":604800})",
                                {},
                                {}},
                      VaultCase{"duration differs",
                                FieldSchema::pkiRole,
                                {{"ttl", fDur(3600)}},
                                R"({"ttl":86400})",
                                {},
                                {"ttl"}},
                      VaultCase{"duration given as Go text on read",
                                FieldSchema::pkiRole,
                                {{"ttl", fDur(3600)}},
                                R"({"ttl":"1h"})",
                                {},
                                {}},
                      VaultCase{
                          "list order and duplicates do not matter",
                          FieldSchema::pkiRole,
                          {{"allowed_domains", fList({"b.example", "a.example", "a.example"})}},
                          R"({"allowed_domains":["a.example","b.example"]})",
                          {},
                          {}},
                      VaultCase{"list content differs",
                                FieldSchema::pkiRole,
                                {{"allowed_domains", fList({"a.example"})}},
                                R"({"allowed_domains":["a.example","c.example"]})",
                                {},
                                {"allowed_domains"}},
                      VaultCase{"undeclared live fields are not compared",
                                FieldSchema::pkiRole,
                                {{"allow_subdomains", fBool(true)}},
                                R"({"allow_subdomains":true,"ou":["x"],"ttl":5})",
                                {},
                                {}},
                      VaultCase{"absent field reads as Vault's default (allow_localhost true)",
                                FieldSchema::pkiRole,
                                {{"allow_localhost", fBool(true)}},
                                R"({})",
                                {},
                                {}},
                      VaultCase{"absent field with a non-default declaration drifts",
                                FieldSchema::pkiRole,
                                {{"allow_localhost", fBool(false)}},
                                R"({})",
                                {},
                                {"allow_localhost"}},
                      VaultCase{"key_bits 0 means the key type's default",
                                FieldSchema::pkiRole,
                                {{"key_type", fStr("ec")}, {"key_bits", fInt(0)}},
                                R"({"key_type":"ec","key_bits":256})",
                                {},
                                {}},
                      VaultCase{"rsa signature_bits 0 reads back as 256",
                                FieldSchema::pkiRole,
                                {{"signature_bits", fInt(0)}},
                                R"({"key_type":"rsa","signature_bits":256})",
                                {},
                                {}},
                      VaultCase{"ignore_differences skips a field",
                                FieldSchema::pkiRole,
                                {{"ttl", fDur(1)}, {"max_ttl", fDur(2)}},
                                R"({"ttl":5,"max_ttl":9})",
                                {"ttl"},
                                {"max_ttl"}},
                      VaultCase{"JWT role: null list equals an empty declaration",
                                FieldSchema::jwtRole,
                                {{"bound_audiences", fList({})}, {"token_policies", fList({})}},
                                R"({"bound_audiences":null,"token_policies":[]})",
                                {},
                                {}},
                      VaultCase{"JWT role: comma string on read equals the list",
                                FieldSchema::jwtRole,
                                {{"bound_audiences", fList({"vault.io", "b"})}},
                                R"({"bound_audiences":"b, vault.io"})",
                                {},
                                {}},
                      VaultCase{"JWT role: maps compare by content",
                                FieldSchema::jwtRole,
                                {{"claim_mappings", fMap({{"a", "x"}, {"b", "y"}})}},
                                R"({"claim_mappings":{"b":"y","a":"x"}})",
                                {},
                                {}},
                      VaultCase{"JWT role: map value differs",
                                FieldSchema::jwtRole,
                                {{"claim_mappings", fMap({{"a", "x"}})}},
                                R"({"claim_mappings":{"a":"z"}})",
                                {},
                                {"claim_mappings"}},
                      VaultCase{"JWT role: bound_claims string equals a one-item list",
                                FieldSchema::jwtRole,
                                {{"bound_claims", fClaims({{"nomad_job_id", {"web"}}})}},
                                R"({"bound_claims":{"nomad_job_id":"web"}})",
                                {},
                                {}},
                      VaultCase{"JWT role: null map equals an empty declaration",
                                FieldSchema::jwtRole,
                                {{"bound_claims", fClaims({})}},
                                R"({"bound_claims":null})",
                                {},
                                {}},
                      VaultCase{"JWT role: token_period seconds",
                                FieldSchema::jwtRole,
                                {{"token_period", fDur(1800)}, {"role_type", fStr("jwt")}},
                                R"({"token_period":1800,"role_type":"jwt"})",
                                {},
                                {}},
                      VaultCase{"JWT config: algs order-free",
                                FieldSchema::jwtAuthConfig,
                                {{"jwt_supported_algs", fList({"RS256", "EdDSA"})}},
                                R"({"jwt_supported_algs":["EdDSA","RS256"]})",
                                {},
                                {}}));

TEST(VaultFieldDiff, ShowsDesiredAndLiveValues) {
  auto d = diffVaultFields(FieldSchema::pkiRole, {{"ttl", fDur(3600)}}, R"({"ttl":86400})", {});
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].desired, "3600");
  EXPECT_EQ((*d)[0].live, "86400");
}

TEST(VaultFieldDiff, RedactsSecretFields) {
  config::FieldMap m{{"oidc_client_secret", fStr("s3cr3t")}};
  auto d = diffVaultFields(FieldSchema::jwtAuthConfig, m, R"({"oidc_client_secret":"other"})", {});
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].desired, "(redacted)");
  EXPECT_EQ((*d)[0].live, "(redacted)");
}

TEST(VaultFieldDiff, RejectsLiveTextThatIsNotAnObject) {
  EXPECT_FALSE(diffVaultFields(FieldSchema::pkiRole, {}, "[1]", {}));
}

TEST(MergeVaultFields, OverlaysDeclaredFieldsAndKeepsTheRest) {
  auto m = mergeVaultFields(R"({"ou":["ops"],"ttl":5,"allow_localhost":true})",
                            {{"ttl", fDur(86400)}, {"allowed_domains", fList({"a"})}});
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("\"ou\":[\"ops\"]"), std::string::npos);
  EXPECT_NE(m->find("\"ttl\":86400"), std::string::npos);
  EXPECT_NE(m->find("\"allowed_domains\":[\"a\"]"), std::string::npos);
  EXPECT_EQ(m->find("\"ttl\":5"), std::string::npos);
}

TEST(Policy, CanonicalFormIgnoresCommentsAndWhitespace) {
  const char* a = "# managed\npath \"pki/issue/*\" {\n  capabilities = [\"update\"]  // why\n}\n\n";
  const char* b = "path \"pki/issue/*\" {\n\tcapabilities   = [\"update\"]\n}";
  EXPECT_EQ(canonicalPolicy(a), canonicalPolicy(b));
  EXPECT_TRUE(diffPolicy(a, b, false, {}).empty());
  EXPECT_EQ(diffPolicy(a, b, true, {}).size(), 1u);  // exact text
}

TEST(Policy, KeepsCommentMarkersInsideStrings) {
  EXPECT_EQ(canonicalPolicy("path \"a#b//c\" { } # x"), "path \"a#b//c\" { }");
  EXPECT_EQ(canonicalPolicy("/* block\n comment */path \"x\" {}"), "path \"x\" {}");
}

TEST(Policy, ReportsTheFirstDifferentLine) {
  auto d = diffPolicy("path \"a\" {\n capabilities = [\"read\"]\n}",
                      "path \"a\" {\n capabilities = [\"update\"]\n}", false, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "policy");
  EXPECT_EQ(d[0].desired, "capabilities = [\"read\"]");
  EXPECT_EQ(d[0].live, "capabilities = [\"update\"]");
  EXPECT_TRUE(diffPolicy("a", "b", false, {"policy"}).empty());
}

TEST(Mount, ComparesTypeDescriptionAndEffectiveTtls) {
  config::VaultMountSpec spec;
  spec.path = "pki";
  spec.type = "pki";
  spec.config = {{"max_lease_ttl", fDur(31536000)}};
  vault::Mount live;
  live.type = "pki";
  vault::MountTune tune{2764800, 31536000, false, ""};
  EXPECT_TRUE(diffMount(spec, live, tune).empty());
  tune.maxLeaseTtl = 2764800;
  auto d = diffMount(spec, live, tune);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "config.max_lease_ttl");
  spec.ignoreDifferences = {"config"};
  EXPECT_TRUE(diffMount(spec, live, tune).empty());
  live.type = "kv";
  EXPECT_EQ(diffMount(spec, live, tune).at(0).path, "type");
}

nomad::JobDiff sampleJobDiff() {
  nomad::JobDiff d;
  d.type = "Edited";
  d.fields = {{"None", "Priority", "50", "50", {}}, {"Edited", "Meta[owner]", "a", "b", {}}};
  nomad::TaskGroupDiff tg;
  tg.type = "Edited";
  tg.name = "web";
  tg.fields = {{"Edited", "Count", "1", "3", {"forces create"}}};
  nomad::ObjectDiff task;
  task.type = "Edited";
  task.name = "app";
  task.fields = {{"Added", "Env[PORT]", "", "8080", {}}};
  nomad::ObjectDiff tmpl;
  tmpl.type = "Deleted";
  tmpl.name = "Template";
  task.objects = {tmpl};
  tg.tasks = {task};
  d.taskGroups = {tg};
  return d;
}

TEST(JobDiff, ListsEveryChangedLeafWithItsPath) {
  auto d = diffJob(sampleJobDiff(), {});
  std::vector<std::string> paths;
  for (const auto& x : d) paths.push_back(x.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"Meta[owner]", "TaskGroups[web].Count",
                                             "TaskGroups[web].Tasks[app].Env[PORT]",
                                             "TaskGroups[web].Tasks[app].Template"}));
  EXPECT_EQ(d[1].desired, "3");
  EXPECT_EQ(d[1].live, "1");
  EXPECT_EQ(d[2].live, "<absent>");
  EXPECT_EQ(d[3].desired, "<absent>");
}

TEST(JobDiff, NoneIsInSyncAndIgnoredPathsVanish) {
  nomad::JobDiff none;
  none.type = "None";
  EXPECT_TRUE(diffJob(none, {}).empty());
  auto d = diffJob(sampleJobDiff(), {"Meta", "TaskGroups[*].Count", "TaskGroups[web].Tasks[app]"});
  EXPECT_TRUE(d.empty());
}

TEST(Ignore, MatchesSegmentsAndGlobs) {
  EXPECT_TRUE(isIgnored("Meta[owner]", {"Meta"}));
  EXPECT_TRUE(isIgnored("config.max_lease_ttl", {"config"}));
  EXPECT_FALSE(isIgnored("Metadata", {"Meta"}));
  EXPECT_TRUE(isIgnored("TaskGroups[api].Count", {"TaskGroups[*].Count"}));
  EXPECT_FALSE(isIgnored("TaskGroups[api].Tasks[x].Count", {"TaskGroups[*].Count"}));
  EXPECT_FALSE(isIgnored("ttl", {}));
}

}  // namespace
}  // namespace nc::reconcile
