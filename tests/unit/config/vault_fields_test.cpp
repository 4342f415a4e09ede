// Vault field tables and suggestions: names and JSON types as the reference lists them.
#include <gtest/gtest.h>

#include "config/suggest.hpp"
#include "config/vault_fields.hpp"

namespace nc::config {
namespace {

TEST(VaultFields, PkiRoleTypesMatchTheReference) {
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "ttl")->type, FieldType::duration);
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "allowed_domains")->type, FieldType::stringList);
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "key_bits")->type, FieldType::integer);
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "not_after")->type, FieldType::string);
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "client_flag")->type, FieldType::boolean);
  EXPECT_TRUE(findFieldSpec(FieldSchema::pkiRole, "allow_token_displayname")->readOnly);
  EXPECT_EQ(findFieldSpec(FieldSchema::pkiRole, "lease"), nullptr);  // legacy name
  EXPECT_EQ(fieldSpecs(FieldSchema::pkiRole).size(), 49u);
}

TEST(VaultFields, JwtTypesMatchTheReference) {
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtRole, "bound_claims")->type, FieldType::claimMap);
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtRole, "claim_mappings")->type, FieldType::stringMap);
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtRole, "token_period")->type, FieldType::duration);
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtRole, "token_num_uses")->type, FieldType::integer);
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtAuthConfig, "jwt_supported_algs")->type,
            FieldType::stringList);
  EXPECT_EQ(findFieldSpec(FieldSchema::jwtAuthConfig, "namespace_in_state")->type,
            FieldType::boolean);
}

TEST(VaultFields, JsonKeepsVaultTypes) {
  FieldMap m;
  FieldValue b;
  b.type = FieldType::boolean;
  b.boolean = true;
  m["b"] = b;
  FieldValue claims;
  claims.type = FieldType::claimMap;
  claims.map = {{"one", {"x"}}, {"many", {"a", "b"}}};
  m["c"] = claims;
  FieldValue d;
  d.type = FieldType::duration;
  d.integer = 1800;
  m["d"] = d;
  EXPECT_EQ(toJson(m), R"({"b":true,"c":{"many":["a","b"],"one":"x"},"d":1800})");
}

TEST(Suggest, FindsTyposOnly) {
  EXPECT_EQ(closestMatch("allow_subdomain", {"allow_subdomains", "allow_any_name"}),
            "allow_subdomains");
  EXPECT_EQ(closestMatch("VAULT", {"vault", "nomad"}), "vault");
  EXPECT_EQ(closestMatch("zzzz", {"vault", "nomad"}), std::nullopt);
  EXPECT_EQ(didYouMean("nmae", {"name", "mount"}), " (did you mean \"name\"?)");
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace nc::config
