// PKI role model: defaults, normalisation, POST replace vs PATCH merge, validation errors.
#include <gtest/gtest.h>

#include "common/json_util.hpp"
#include "vault/pki_role.hpp"

namespace nc::vault_sim {
namespace {

Fields body(const std::string& json) {
  auto f = Fields::fromBody(json);
  EXPECT_TRUE(f);
  return std::move(*f);
}

TEST(PkiRole, EmptyBodyGivesVaultDefaults) {
  auto r = writeRole(body("{}"), nullptr);
  ASSERT_TRUE(r);
  rapidjson::Document d;
  auto v = roleToJson(r->role, d.GetAllocator());
  EXPECT_EQ(v["ttl"].GetInt64(), 0);
  EXPECT_EQ(v["key_type"].GetString(), std::string("rsa"));
  EXPECT_EQ(v["key_bits"].GetInt64(), 2048);
  EXPECT_EQ(v["signature_bits"].GetInt64(), 256);
  EXPECT_TRUE(v["allow_localhost"].GetBool());
  EXPECT_TRUE(v["allow_wildcard_certificates"].GetBool());
  EXPECT_TRUE(v["enforce_hostnames"].GetBool());
  EXPECT_TRUE(v["server_flag"].GetBool());
  EXPECT_TRUE(v["client_flag"].GetBool());
  EXPECT_TRUE(v["require_cn"].GetBool());
  EXPECT_EQ(v["not_before_duration"].GetInt64(), 30);
  EXPECT_EQ(v["issuer_ref"].GetString(), std::string("default"));
  EXPECT_EQ(sim::toJson(v["cn_validations"]), R"(["email","hostname"])");
  EXPECT_EQ(sim::toJson(v["key_usage"]),
            R"(["DigitalSignature","KeyAgreement","KeyEncipherment"])");
  EXPECT_TRUE(v["allowed_domains"].IsArray() && v["allowed_domains"].Empty());
  EXPECT_EQ(v["serial_number_source"].GetString(), std::string("json-csr"));
}

TEST(PkiRole, DurationsAndListsInEveryForm) {
  auto r = writeRole(body(R"({"ttl":"72h","max_ttl":604800,"not_before_duration":"1m",
                              "allowed_domains":"a.com, b.com","key_type":"ec","organization":["Org"]})"),
                     nullptr);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->role.ttl, 259200);
  EXPECT_EQ(r->role.maxTtl, 604800);
  EXPECT_EQ(r->role.notBeforeDuration, 60);
  EXPECT_EQ(r->role.allowedDomains, (std::vector<std::string>{"a.com", "b.com"}));
  EXPECT_EQ(r->role.keyBits, 256);
  EXPECT_EQ(r->role.signatureBits, 0);
}

TEST(PkiRole, PostReplacesPatchMerges) {
  auto first = writeRole(
      body(
          R"({"allowed_domains":["a.com"],"allow_subdomains":true,"ttl":"1h","allow_localhost":false})"),
      nullptr);
  ASSERT_TRUE(first);
  auto replaced = writeRole(body(R"({"ttl":"2h"})"), nullptr);
  ASSERT_TRUE(replaced);
  EXPECT_TRUE(replaced->role.allowedDomains.empty());
  EXPECT_FALSE(replaced->role.allowSubdomains);
  EXPECT_TRUE(replaced->role.allowLocalhost);
  auto patched = writeRole(body(R"({"ttl":"2h"})"), &first->role);
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->role.allowedDomains, std::vector<std::string>{"a.com"});
  EXPECT_TRUE(patched->role.allowSubdomains);
  EXPECT_FALSE(patched->role.allowLocalhost);
  EXPECT_EQ(patched->role.ttl, 7200);
}

TEST(PkiRole, ValidationMessages) {
  auto e = [](const char* json) {
    auto r = writeRole(body(json), nullptr);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(e(R"({"ttl":"2h","max_ttl":"1h"})"),
            "\"ttl\" value must be less than \"max_ttl\" value");
  EXPECT_EQ(e(R"({"key_type":"rsa","key_bits":1024})"),
            "RSA keys < 2048 bits are unsafe and not supported: got 1024");
  EXPECT_EQ(e(R"({"key_type":"ec","key_bits":300})"), "unsupported bit length for EC key: 300");
  EXPECT_EQ(e(R"({"signature_bits":100})"), "unsupported hash signature algorithm: 100");
  EXPECT_EQ(e(R"({"key_type":"dsa"})"), "unknown key type dsa");
  EXPECT_EQ(e(R"({"serial_number_source":"x"})"), "unknown serial_number_source x");
  EXPECT_EQ(e(R"({"ext_key_usage_oids":["1.2.x"]})"),
            "\"1.2.x\" could not be parsed as a valid oid for an extended key usage");
  EXPECT_EQ(
      e(R"({"cn_validations":["disabled","email"]})"),
      "cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`");
  EXPECT_EQ(e(R"({"cn_validations":["bogus"]})"),
            "cn_validations value incorrect: unknown type: `bogus`");
  EXPECT_EQ(
      e(R"({"allow_localhost":"maybe"})")
          .rfind(
              "Field validation failed: error converting input maybe for field \"allow_localhost\"",
              0),
      0u);
}

TEST(PkiRole, LeaseAndNoStoreWarnings) {
  auto r = writeRole(body(R"({"no_store":true,"generate_lease":true})"), nullptr);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->role.generateLease);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("no_store=true takes priority"), std::string::npos);
}

TEST(PkiRole, RoleNames) {
  EXPECT_TRUE(validRoleName("nomad-job"));
  EXPECT_TRUE(validRoleName("a"));
  EXPECT_TRUE(validRoleName("a.b@c_d"));
  EXPECT_FALSE(validRoleName("-a"));
  EXPECT_FALSE(validRoleName("a/b"));
}

}  // namespace
}  // namespace nc::vault_sim
