// VaultClient against a scripted transport: request shape and response decoding per operation.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "fake_transport.hpp"
#include "vault/vault_client.hpp"

namespace nc::vault {
namespace {

using nc::testing::FakeTransport;
using nc::testing::headerOr;
using nc::testing::run;

constexpr const char* kToken = "hvs.SECRET-TOKEN-VALUE";

struct VaultClientTest : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  VaultClient client{fake, std::make_shared<StaticTokenSource>(kToken), Options{}};

  rapidjson::Document body() const {
    rapidjson::Document d;
    d.Parse(fake->last().body.c_str());
    EXPECT_FALSE(d.HasParseError()) << fake->last().body;
    return d;
  }
};

std::string envelope(const std::string& data, const std::string& warnings = "null") {
  return R"({"request_id":"r1","lease_id":"","renewable":false,"lease_duration":0,"data":)" + data +
         R"(,"wrap_info":null,"warnings":)" + warnings + R"(,"auth":null,"mount_type":"pki"})";
}

TEST_F(VaultClientTest, SendsTokenRequestHeaderAndNamespaceOnlyWhenSet) {
  fake->push(200, envelope(R"({"keys":["a"]})"));
  ASSERT_TRUE(run(client.listPolicies()));
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), kToken);
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Request"), "true");
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Namespace"), "<absent>");

  Options o;
  o.vaultNamespace = "team-a/";
  VaultClient ns(fake, std::make_shared<StaticTokenSource>(kToken), o);
  fake->push(200, envelope(R"({"keys":["a"]})"));
  ASSERT_TRUE(run(ns.listPolicies()));
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Namespace"), "team-a/");
}

TEST_F(VaultClientTest, HealthIsUnauthenticatedAndInterpretsEveryCode) {
  const std::string base =
      R"({"initialized":true,"sealed":false,"standby":false,"performance_standby":false,)"
      R"("replication_performance_mode":"disabled","replication_dr_mode":"disabled",)"
      R"("server_time_utc":1767225600,"version":"1.19.3","enterprise":false,"cluster_name":"c1"})";
  fake->push(200, base);
  auto h = run(client.health({}));
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_EQ(fake->last().method, "GET");
  EXPECT_EQ(fake->last().target, "/v1/sys/health?standbyok=true");
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), "<absent>");
  EXPECT_EQ(h->state, HealthState::active);
  EXPECT_EQ(h->version, "1.19.3");
  EXPECT_EQ(h->serverTimeUtc, 1767225600);

  fake->push(429, R"({"initialized":true,"sealed":false,"standby":true})");
  EXPECT_EQ(run(client.health({}))->state, HealthState::standby);
  fake->push(473,
             R"({"initialized":true,"sealed":false,"standby":true,"performance_standby":true})");
  EXPECT_EQ(run(client.health({}))->state, HealthState::performanceStandby);
  fake->push(503, R"({"initialized":true,"sealed":true,"standby":true})");
  EXPECT_EQ(run(client.health({}))->state, HealthState::sealed);
  fake->push(501, R"({"initialized":false,"sealed":true,"standby":true})");
  EXPECT_EQ(run(client.health({}))->state, HealthState::uninitialized);
  fake->push(472, R"({"initialized":true,"sealed":false,"standby":false})");
  EXPECT_EQ(run(client.health({}))->state, HealthState::drSecondary);

  fake->push(400, R"({"errors":[]})");
  auto bad = run(client.health({}));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));

  // A rate-limit quota answers 429 (the standby code) with Vault's error body: the error (the
  // daemon's /readyz reason) names the 429 and Vault's text, once, not a missing field.
  fake->push(429, R"({"errors":["rate limit quota exceeded"]})");
  auto limited = run(client.health({}));
  ASSERT_FALSE(limited);
  EXPECT_TRUE(limited.error().is(errc::unavailable));
  EXPECT_EQ(limited.error().message,
            "vault: GET sys/health: HTTP 429 Too Many Requests (rate limited): rate limit quota "
            "exceeded");
  fake->push(200, R"({"initialized":true,"sealed":false})");
  auto missing = run(client.health({}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message.rfind("vault: GET sys/health: ", 0), 0u)
      << missing.error().message;
}

TEST_F(VaultClientTest, HealthSendsEveryConfiguredParameter) {
  HealthQuery q;
  q.standbyOk = false;
  q.perfStandbyOk = true;
  q.sealedCode = 299;
  q.uninitCode = 298;
  q.activeCode = 204;
  q.standbyCode = 297;
  q.drSecondaryCode = 296;
  q.performanceStandbyCode = 295;
  q.haUnhealthyCode = 294;
  q.removedCode = 293;
  fake->push(299, R"({"initialized":true,"sealed":true,"standby":true})");
  auto h = run(client.health(q));
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_EQ(h->state, HealthState::sealed);
  EXPECT_EQ(fake->last().target,
            "/v1/sys/health?standbyok=false&perfstandbyok=true&activecode=204&standbycode=297"
            "&drsecondarycode=296&performancestandbycode=295&sealedcode=299&uninitcode=298"
            "&haunhealthycode=294&removedcode=293");
}

TEST_F(VaultClientTest, SealStatus) {
  fake->push(
      200, R"({"type":"shamir","initialized":true,"sealed":false,"t":3,"n":5,"progress":0,)"
           R"("nonce":"","version":"1.19.3","build_date":"2025-01-01T00:00:00Z","migration":false,)"
           R"("recovery_seal":false,"storage_type":"raft"})");
  auto s = run(client.sealStatus());
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/sys/seal-status");
  EXPECT_EQ(s->threshold, 3);
  EXPECT_EQ(s->shares, 5);
  EXPECT_EQ(s->storageType, "raft");
  EXPECT_FALSE(s->sealed);
}

TEST_F(VaultClientTest, ListMountsReadsDataAndIgnoresTopLevelDuplicates) {
  const std::string mount =
      R"({"type":"pki","description":"","accessor":"pki_1","uuid":"u","local":false,"seal_wrap":false,)"
      R"("external_entropy_access":false,"options":null,"plugin_version":"",)"
      R"("running_plugin_version":"v1.19.3+builtin.vault","config":{"default_lease_ttl":0,)"
      R"("max_lease_ttl":315360000,"force_no_cache":false}})";
  fake->push(200, R"({"pki/":)" + mount + R"(,"request_id":"x","data":{"pki/":)" + mount +
                      R"(},"warnings":null,"lease_id":""})");
  auto m = run(client.listMounts());
  ASSERT_TRUE(m) << m.error().describe();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].path, "pki/");
  EXPECT_EQ((*m)[0].type, "pki");
  EXPECT_EQ((*m)[0].config.maxLeaseTtl, 315360000);
  EXPECT_EQ(fake->last().target, "/v1/sys/mounts");
}

TEST_F(VaultClientTest, EnableAndTuneMount) {
  fake->push(204, "");
  MountSpec spec;
  spec.type = "pki";
  spec.description = "issuing";
  spec.maxLeaseTtl = 315360000;
  ASSERT_TRUE(run(client.enableMount("/pki-int/", spec)));
  EXPECT_EQ(fake->last().method, "POST");
  EXPECT_EQ(fake->last().target, "/v1/sys/mounts/pki-int");
  EXPECT_EQ(headerOr(fake->last(), "Content-Type"), "application/json");
  auto b = body();
  EXPECT_STREQ(b["type"].GetString(), "pki");
  EXPECT_STREQ(b["config"]["max_lease_ttl"].GetString(), "315360000s");
  EXPECT_FALSE(b["config"].HasMember("default_lease_ttl"));

  fake->push(
      200,
      envelope(
          R"({"default_lease_ttl":2764800,"max_lease_ttl":315360000,"force_no_cache":false,"description":"x"})"));
  auto t = run(client.readMountTune("pki-int"));
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/sys/mounts/pki-int/tune");
  EXPECT_EQ(t->defaultLeaseTtl, 2764800);

  fake->push(204, "");
  MountTuneUpdate u;
  u.defaultLeaseTtl = 3600;
  ASSERT_TRUE(run(client.tuneMount("pki-int", u)));
  EXPECT_EQ(fake->last().target, "/v1/sys/mounts/pki-int/tune");
  EXPECT_EQ(fake->last().body, R"({"default_lease_ttl":"3600s"})");
}

TEST_F(VaultClientTest, EnableAuthAndListAuthMounts) {
  fake->push(204, "");
  MountSpec spec;
  spec.type = "jwt";
  ASSERT_TRUE(run(client.enableAuth("jwt-nomad", spec)));
  EXPECT_EQ(fake->last().target, "/v1/sys/auth/jwt-nomad");
  EXPECT_STREQ(body()["type"].GetString(), "jwt");

  fake->push(
      200,
      envelope(
          R"({"jwt-nomad/":{"type":"jwt","accessor":"auth_jwt_1","config":{"default_lease_ttl":0,"max_lease_ttl":0,"token_type":"default-service"}},"token/":{"type":"token","config":{}}})"));
  auto m = run(client.listAuthMounts());
  ASSERT_TRUE(m) << m.error().describe();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].path, "jwt-nomad/");
  EXPECT_EQ((*m)[0].config.tokenType, "default-service");
  EXPECT_EQ(fake->last().target, "/v1/sys/auth");
}

TEST_F(VaultClientTest, ErrorsKeepVaultTextsAndMapStatus) {
  fake->push(403, R"({"errors":["1 error occurred:\n\t* permission denied\n\n"]})");
  auto r = run(client.readPolicy("x"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::permission_denied));
  EXPECT_NE(r.error().message.find("permission denied"), std::string::npos);
  EXPECT_EQ(r.error().message.find(kToken), std::string::npos);

  fake->push(503, R"({"errors":["Vault is sealed"]})");
  r = run(client.readPolicy("x"));
  EXPECT_TRUE(r.error().is(errc::unavailable));
  EXPECT_NE(r.error().message.find("Vault is sealed"), std::string::npos);

  fake->push(502, "<html><body>Bad Gateway</body></html>");
  r = run(client.readPolicy("x"));
  EXPECT_TRUE(r.error().is(errc::server_error));
  EXPECT_NE(r.error().message.find("Bad Gateway"), std::string::npos);

  fake->push(404, R"({"errors":[]})");
  r = run(client.readPolicy("x"));
  EXPECT_TRUE(r.error().is(errc::not_found));

  fake->pushError(errc::connection_failed, "connect refused");
  r = run(client.readPolicy("x"));
  EXPECT_TRUE(r.error().is(errc::connection_failed));
  EXPECT_NE(r.error().message.find("sys/policies/acl/x"), std::string::npos);
}

TEST_F(VaultClientTest, MalformedBodiesAreProtocolErrorsNamingTheField) {
  fake->push(200, R"({"data":{"name":"x","policy":42}})");
  auto r = run(client.readPolicy("x"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::protocol_error));
  EXPECT_NE(r.error().message.find("data.policy"), std::string::npos) << r.error().message;

  fake->push(200, R"({"data":{"name":"x","pol)");
  r = run(client.readPolicy("x"));
  EXPECT_TRUE(r.error().is(errc::protocol_error));
  EXPECT_NE(r.error().message.find("invalid JSON"), std::string::npos);

  fake->push(200, R"({"request_id":"1","data":null})");
  auto role = run(client.readPkiRole("pki", "web"));
  EXPECT_TRUE(role.error().is(errc::protocol_error));
  EXPECT_NE(role.error().message.find("'data'"), std::string::npos);

  fake->push(200, "[1,2]");
  role = run(client.readPkiRole("pki", "web"));
  EXPECT_TRUE(role.error().is(errc::protocol_error));

  fake->push(200, "");
  role = run(client.readPkiRole("pki", "web"));
  EXPECT_TRUE(role.error().is(errc::protocol_error));
}

TEST_F(VaultClientTest, PoliciesCrud) {
  fake->push(
      200,
      envelope(
          R"({"name":"nomad-workloads","policy":"path \"pki/issue/*\" {\n  capabilities = [\"update\"]\n}\n"})"));
  auto p = run(client.readPolicy("nomad-workloads"));
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/sys/policies/acl/nomad-workloads");
  EXPECT_EQ(p->policy, "path \"pki/issue/*\" {\n  capabilities = [\"update\"]\n}\n");

  fake->push(200, R"({"name":"old","rules":"path \"x\" {}"})");  // legacy sys/policy shape
  p = run(client.readPolicy("old"));
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->policy, "path \"x\" {}");

  fake->push(204, "");
  ASSERT_TRUE(run(client.putPolicy("web", "path \"a\" {}")));
  EXPECT_EQ(fake->last().method, "PUT");
  EXPECT_STREQ(body()["policy"].GetString(), "path \"a\" {}");

  fake->push(200, R"({"keys":["default","web","root"],"data":{"keys":["default","web","root"]}})");
  auto l = run(client.listPolicies());
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/sys/policies/acl?list=true");
  EXPECT_EQ(l->size(), 3u);

  fake->push(204, "");
  ASSERT_TRUE(run(client.deletePolicy("web")));
  EXPECT_EQ(fake->last().method, "DELETE");
  EXPECT_EQ(fake->last().target, "/v1/sys/policies/acl/web");
}

TEST_F(VaultClientTest, JwtConfigAndRoles) {
  fake->push(200,
             envelope(R"({"jwks_url":"https://nomad:4646/.well-known/jwks.json","jwks_ca_pem":"",)"
                      R"("jwt_supported_algs":["RS256","EdDSA"],"default_role":"nomad-workloads",)"
                      R"("bound_issuer":"","jwt_validation_pubkeys":[],"oidc_discovery_url":"",)"
                      R"("provider_config":{},"namespace_in_state":true})"));
  auto c = run(client.readJwtConfig("jwt-nomad"));
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/auth/jwt-nomad/config");
  EXPECT_EQ(c->jwtSupportedAlgs, (std::vector<std::string>{"RS256", "EdDSA"}));
  EXPECT_NE(c->rawJson.find("namespace_in_state"), std::string::npos);

  fake->push(204, "");
  ASSERT_TRUE(run(client.writeJwtConfig("jwt-nomad", *c)));
  auto b = body();
  EXPECT_STREQ(b["jwks_url"].GetString(), "https://nomad:4646/.well-known/jwks.json");
  EXPECT_FALSE(b.HasMember("oidc_discovery_url"));  // empty sources are not sent
  EXPECT_FALSE(b.HasMember("jwt_validation_pubkeys"));

  fake->push(
      200,
      envelope(
          R"({"role_type":"jwt","bound_audiences":["vault.io"],"bound_subject":"",)"
          R"("bound_claims_type":"string","bound_claims":{"nomad_job_id":"web","nomad_namespace":["a","b"]},)"
          R"("claim_mappings":null,"user_claim":"/nomad_job_id","user_claim_json_pointer":true,)"
          R"("groups_claim":"","allowed_redirect_uris":null,"expiration_leeway":0,)"
          R"("token_policies":["nomad-workloads"],"token_period":1800,"token_type":"service",)"
          R"("token_bound_cidrs":[],"token_explicit_max_ttl":0})"));
  auto r = run(client.readJwtRole("jwt-nomad", "nomad-workloads"));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/auth/jwt-nomad/role/nomad-workloads");
  EXPECT_EQ(r->tokenPeriod, 1800);
  EXPECT_TRUE(r->claimMappings.empty());
  EXPECT_EQ(r->boundClaims.at("nomad_job_id"), std::vector<std::string>{"web"});
  EXPECT_EQ(r->boundClaims.at("nomad_namespace"), (std::vector<std::string>{"a", "b"}));

  fake->push(204, "");
  JwtRole role;
  role.userClaim = "/nomad_job_id";
  role.boundAudiences = {"vault.io"};
  role.tokenPolicies = {"nomad-workloads"};
  role.boundClaims["nomad_job_id"] = {"web"};
  ASSERT_TRUE(run(client.writeJwtRole("jwt-nomad", "web", role)));
  EXPECT_EQ(fake->last().target, "/v1/auth/jwt-nomad/role/web");
  b = body();
  EXPECT_STREQ(b["role_type"].GetString(), "jwt");  // always sent: absent resets to oidc
  EXPECT_STREQ(b["bound_claims_type"].GetString(), "string");
  EXPECT_STREQ(b["bound_claims"]["nomad_job_id"].GetString(), "web");
  EXPECT_FALSE(b.HasMember("token_type"));

  fake->push(404, R"({"errors":[]})");
  auto l = run(client.listJwtRoles("jwt-nomad"));
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_TRUE(l->empty());
  EXPECT_EQ(fake->last().target, "/v1/auth/jwt-nomad/role?list=true");

  fake->push(200, envelope(R"({"role_type":"jwt","bound_claims":{"n":5}})"));
  r = run(client.readJwtRole("jwt-nomad", "bad"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("data.bound_claims.n"), std::string::npos) << r.error().message;
}

TEST_F(VaultClientTest, TokenEndpoints) {
  fake->push(
      200,
      envelope(
          R"({"accessor":"acc","creation_ttl":3600,"display_name":"approle","entity_id":"e",)"
          R"("expire_time":"2026-01-01T01:00:00Z","explicit_max_ttl":0,"id":"hvs.x","meta":null,)"
          R"("num_uses":0,"orphan":true,"path":"auth/approle/login","policies":["default","certd"],)"
          R"("renewable":true,"ttl":3500,"type":"service"})"));
  auto t = run(client.lookupSelf());
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/auth/token/lookup-self");
  EXPECT_EQ(t->ttl, 3500);
  EXPECT_TRUE(t->renewable);

  fake->push(
      200,
      envelope(
          R"({"accessor":"a","ttl":0,"expire_time":null,"renewable":false,"policies":["root"]})"));
  t = run(client.lookupSelf());
  ASSERT_TRUE(t) << t.error().describe();
  EXPECT_EQ(t->expireTime, "");

  const std::string auth =
      R"({"request_id":"1","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,)"
      R"("warnings":null,"auth":{"client_token":"hvs.NEW","accessor":"a","policies":["certd"],)"
      R"("token_policies":["certd"],"metadata":{"role_name":"certd"},"lease_duration":3600,)"
      R"("renewable":true,"entity_id":"e","token_type":"service","orphan":true,"num_uses":0}})";
  fake->push(200, auth);
  auto a = run(client.renewSelf(7200));
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/auth/token/renew-self");
  EXPECT_EQ(fake->last().method, "POST");
  EXPECT_EQ(fake->last().body, R"({"increment":"7200s"})");
  EXPECT_EQ(a->leaseDuration, 3600);

  fake->push(200, auth);
  a = run(client.loginAppRole("approle", "role-1", "secret-1"));
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/auth/approle/login");
  EXPECT_EQ(headerOr(fake->last(), "X-Vault-Token"), "<absent>");
  EXPECT_EQ(fake->last().body, R"({"role_id":"role-1","secret_id":"secret-1"})");
  EXPECT_EQ(a->clientToken, "hvs.NEW");
  EXPECT_EQ(a->metadata.at("role_name"), "certd");

  fake->push(400, R"({"errors":["invalid role or secret ID"]})");
  a = run(client.loginAppRole("approle", "role-1", "bad"));
  ASSERT_FALSE(a);
  EXPECT_TRUE(a.error().is(errc::invalid_argument));
  EXPECT_NE(a.error().message.find("invalid role or secret ID"), std::string::npos);
  EXPECT_EQ(a.error().message.find("bad"), std::string::npos);  // the secret is not echoed
}

}  // namespace
}  // namespace nc::vault
