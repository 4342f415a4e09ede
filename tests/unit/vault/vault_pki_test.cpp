// VaultClient PKI operations: role read/write/patch/list/delete, issue, CA chain, certificates.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "fake_transport.hpp"
#include "vault/codec.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {
namespace {

using nc::testing::FakeTransport;
using nc::testing::headerOr;
using nc::testing::run;

// A role as current Vault CE returns it for {"allowed_domains":["svc.example.internal"],...}.
const char* kRoleBody =
    R"({"request_id":"1","lease_id":"","renewable":false,"lease_duration":0,"data":{
 "allow_any_name":false,"allow_bare_domains":false,"allow_glob_domains":false,"allow_ip_sans":true,
 "allow_localhost":false,"allow_subdomains":true,"allow_token_displayname":false,
 "allow_wildcard_certificates":true,"allowed_domains":["svc.example.internal"],
 "allowed_domains_template":false,"allowed_other_sans":[],"allowed_serial_numbers":[],
 "allowed_uri_sans":[],"allowed_uri_sans_template":false,"allowed_user_ids":[],
 "basic_constraints_valid_for_non_ca":false,"client_flag":true,"cn_validations":["email","hostname"],
 "code_signing_flag":false,"country":[],"email_protection_flag":false,"enforce_hostnames":true,
 "ext_key_usage":[],"ext_key_usage_oids":[],"generate_lease":false,"issuer_ref":"default",
 "key_bits":256,"key_type":"ec","key_usage":["DigitalSignature","KeyAgreement","KeyEncipherment"],
 "locality":[],"max_ttl":604800,"no_store":false,"not_after":"","not_before_duration":30,"organization":[],
 "ou":[],"policy_identifiers":[],"postal_code":[],"province":[],"require_cn":true,
 "serial_number_source":"json-csr","server_flag":true,"signature_bits":0,"street_address":[],
 "ttl":259200,"use_csr_common_name":true,"use_csr_sans":true,"use_pss":false,"future_field":1},
 "wrap_info":null,"warnings":null,"auth":null,"mount_type":"pki"})";

struct VaultPkiTest : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  VaultClient client{fake, std::make_shared<StaticTokenSource>("t"), Options{}};
};

TEST_F(VaultPkiTest, ReadRoleDecodesEveryFieldAndKeepsRawJson) {
  fake->push(200, kRoleBody);
  auto r = run(client.readPkiRole("pki", "web"));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().method, "GET");
  EXPECT_EQ(fake->last().target, "/v1/pki/roles/web");
  EXPECT_EQ(r->ttl, 259200);
  EXPECT_EQ(r->maxTtl, 604800);
  EXPECT_EQ(r->keyType, "ec");
  EXPECT_EQ(r->keyBits, 256);
  EXPECT_FALSE(r->allowLocalhost);
  EXPECT_TRUE(r->allowSubdomains);
  EXPECT_EQ(r->allowedDomains, std::vector<std::string>{"svc.example.internal"});
  EXPECT_EQ(r->serialNumberSource, "json-csr");
  EXPECT_NE(r->rawJson.find("\"future_field\":1"), std::string::npos);
}

TEST_F(VaultPkiTest, ReadRoleWithWrongTypeNamesTheField) {
  fake->push(200, R"({"data":{"ttl":"72h"}})");
  auto r = run(client.readPkiRole("pki", "web"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::protocol_error));
  EXPECT_NE(r.error().message.find("'data.ttl': expected integer, got string"), std::string::npos)
      << r.error().message;
  fake->push(200, R"({"data":{"allowed_domains":["a",null]}})");
  r = run(client.readPkiRole("pki", "web"));
  EXPECT_NE(r.error().message.find("data.allowed_domains"), std::string::npos);
  fake->push(404, R"({"errors":[]})");
  r = run(client.readPkiRole("pki", "missing"));
  EXPECT_TRUE(r.error().is(errc::not_found));
}

TEST_F(VaultPkiTest, WriteRoleSendsTheCompleteRole) {
  fake->push(200, kRoleBody);  // current Vault answers 200 with the role
  PkiRole role;
  role.allowedDomains = {"svc.example.internal"};
  role.allowSubdomains = true;
  role.keyType = "ec";
  role.keyBits = 256;
  role.ttl = 259200;
  ASSERT_TRUE(run(client.writePkiRole("pki/", "web", role)));
  EXPECT_EQ(fake->last().method, "POST");
  EXPECT_EQ(fake->last().target, "/v1/pki/roles/web");
  rapidjson::Document d;
  d.Parse(fake->last().body.c_str());
  ASSERT_TRUE(d.IsObject());
  // Full replace: defaults are sent explicitly, not left for Vault to reset.
  for (const char* key :
       {"allow_localhost", "enforce_hostnames", "server_flag", "client_flag", "key_usage",
        "cn_validations", "not_before_duration", "max_ttl", "issuer_ref", "no_store", "require_cn",
        "allow_wildcard_certificates", "ext_key_usage"})
    EXPECT_TRUE(d.HasMember(key)) << key;
  EXPECT_EQ(d["ttl"].GetInt64(), 259200);
  EXPECT_TRUE(d["allow_localhost"].GetBool());
  EXPECT_EQ(d["key_usage"].Size(), 3u);
  EXPECT_FALSE(d.HasMember("serial_number_source"));  // empty = not sent (older servers)

  fake->push(204, "");  // older Vault
  ASSERT_TRUE(run(client.writePkiRole("pki", "web", role)));
}

TEST_F(VaultPkiTest, EncodeDecodeRoundTrip) {
  PkiRole role;
  role.allowedDomains = {"a.example", "b.example"};
  role.ou = {"ops"};
  role.requireCn = false;
  role.notAfter = "2030-01-01T00:00:00Z";
  std::string body = R"({"data":)" + codec::encodePkiRole(role) + "}";
  auto back = codec::decodePkiRole(body);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->allowedDomains, role.allowedDomains);
  EXPECT_EQ(back->ou, role.ou);
  EXPECT_FALSE(back->requireCn);
  EXPECT_EQ(back->notAfter, role.notAfter);
  EXPECT_EQ(back->keyUsage, role.keyUsage);
}

TEST_F(VaultPkiTest, PatchUsesMergePatchContentType) {
  fake->push(200, kRoleBody);
  auto r = run(client.patchPkiRole("pki", "web", R"({"ttl":"72h"})"));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().method, "PATCH");
  EXPECT_EQ(headerOr(fake->last(), "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(fake->last().body, R"({"ttl":"72h"})");
  EXPECT_EQ(r->ttl, 259200);

  auto bad = run(client.patchPkiRole("pki", "web", "[1]"));
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));

  fake->push(400, R"({"errors":["Unable to fetch role entry to patch"]})");
  bad = run(client.patchPkiRole("pki", "missing", "{}"));
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
  EXPECT_NE(bad.error().message.find("Unable to fetch role entry to patch"), std::string::npos);
}

TEST_F(VaultPkiTest, ListAndDeleteRoles) {
  fake->push(200, R"({"data":{"keys":["a","b"]},"warnings":null})");
  auto l = run(client.listPkiRoles("pki"));
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/pki/roles?list=true");
  EXPECT_EQ(*l, (std::vector<std::string>{"a", "b"}));

  fake->push(404, R"({"errors":[]})");  // empty list
  l = run(client.listPkiRoles("pki"));
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->empty());

  fake->push(404, R"({"errors":["no handler for route \"nope/roles\". route entry not found."]})");
  l = run(client.listPkiRoles("nope"));
  ASSERT_FALSE(l);  // an unknown mount is not "no roles"
  EXPECT_TRUE(l.error().is(errc::not_found));
  EXPECT_NE(l.error().message.find("route entry not found"), std::string::npos);

  fake->push(204, "");
  ASSERT_TRUE(run(client.deletePkiRole("pki", "a")));
  EXPECT_EQ(fake->last().method, "DELETE");
  EXPECT_EQ(fake->last().target, "/v1/pki/roles/a");
}

TEST_F(VaultPkiTest, IssueRequestAndResponse) {
  fake->push(200, R"({"request_id":"1","lease_id":"","renewable":false,"lease_duration":0,"data":{
    "certificate":"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----","issuing_ca":"CA",
    "ca_chain":["CA","ROOT"],"private_key":"-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----",
    "private_key_type":"ec","serial_number":"3a:5f:c2","expiration":1767312000},
    "wrap_info":null,"warnings":["TTL \"720h0m0s\" is longer than permitted maxTTL \"168h0m0s\", so maxTTL is being used"],
    "auth":null,"mount_type":"pki"})");
  IssueRequest req;
  req.commonName = "web.svc.example.internal";
  req.altNames = {"a.svc.example.internal", "b.svc.example.internal"};
  req.ipSans = {"127.0.0.1"};
  req.ttlSeconds = 2592000;
  auto c = run(client.issue("pki", "web", req));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(fake->last().method, "POST");
  EXPECT_EQ(fake->last().target, "/v1/pki/issue/web");
  EXPECT_EQ(
      fake->last().body,
      R"({"common_name":"web.svc.example.internal","alt_names":"a.svc.example.internal,b.svc.example.internal",)"
      R"("ip_sans":["127.0.0.1"],"ttl":"2592000s"})");
  EXPECT_EQ(c->expiration, 1767312000);
  EXPECT_EQ(c->caChain.size(), 2u);
  EXPECT_EQ(c->serialNumber, "3a:5f:c2");
  ASSERT_EQ(c->warnings.size(), 1u);

  fake->push(
      200,
      R"({"data":{"certificate":"C","private_key":"K","serial_number":"1","expiration":"1767312000"}})");
  c = run(client.issue("pki", "web", req));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("data.expiration"), std::string::npos);

  fake->push(400, R"({"errors":["common name evil.example not allowed by this role"]})");
  c = run(client.issue("pki", "web", req));
  EXPECT_TRUE(c.error().is(errc::invalid_argument));
  EXPECT_NE(c.error().message.find("not allowed by this role"), std::string::npos);
}

TEST_F(VaultPkiTest, CaChainCertificatesList) {
  fake->push(
      200,
      R"({"data":{"certificate":"A\nB","ca_chain":"A\nB","revocation_time":0,"revocation_time_rfc3339":""}})");
  auto chain = run(client.caChain("pki"));
  ASSERT_TRUE(chain) << chain.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/pki/cert/ca_chain");
  EXPECT_EQ(*chain, "A\nB");

  fake->push(200, R"({"data":{"certificate":"A","ca_chain":["A","B"]}})");
  chain = run(client.caChain("pki"));
  ASSERT_TRUE(chain) << chain.error().describe();
  EXPECT_EQ(*chain, "A\nB");

  fake->push(200, R"({"data":{"keys":["3a:5f","01:02"]}})");
  auto certs = run(client.listCertificates("pki"));
  ASSERT_TRUE(certs);
  EXPECT_EQ(fake->last().target, "/v1/pki/certs?list=true");
  EXPECT_EQ(certs->size(), 2u);

  fake->push(200,
             R"({"data":{"certificate":"PEM","revocation_time":0,"revocation_time_rfc3339":""}})");
  auto cert = run(client.readCertificate("pki", "3a:5f"));
  ASSERT_TRUE(cert) << cert.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/pki/cert/3a%3A5f");
  EXPECT_EQ(cert->certificate, "PEM");
  EXPECT_EQ(cert->revocationTime, 0);
}

}  // namespace
}  // namespace nc::vault
