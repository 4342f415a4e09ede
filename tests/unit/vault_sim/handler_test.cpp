// VaultSim request handling end to end without a network: HTTP semantics, sys/, policies,
// tokens, ACL enforcement and PKI issuance.
#include <gtest/gtest.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "common/json_util.hpp"
#include "sim_test_util.hpp"
#include "vault/pki_crypto.hpp"

namespace nc::vault_sim::test {

const std::string* Answer::header(const std::string& name) const {
  for (const auto& h : headers)
    if (strcasecmp(h.name.c_str(), name.c_str()) == 0) return &h.value;
  return nullptr;
}

SimFixture::SimFixture(UrlFetcher fetcher) : clock(std::make_shared<ManualClock>()) {
  SimOptions o;
  o.rootToken = "root";
  o.clock = clock;
  o.fetcher = std::move(fetcher);
  o.maxRequestSize = 4096;
  sim = std::make_unique<VaultSim>(o);
}

Answer SimFixture::call(const std::string& method, const std::string& target,
                        const std::string& body, const std::string& token) {
  http::ServerRequest r;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    std::size_t start = 0;
    while (start <= qs.size()) {
      auto amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto eq = kv.find('=');
      r.query.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  r.body = body;
  if (!token.empty()) r.headers.push_back({"X-Vault-Token", token});
  auto resp = sim->handle(r);
  Answer a;
  a.status = resp.status;
  a.body = resp.body;
  a.headers = resp.headers;
  if (!a.body.empty()) a.json.Parse(a.body.c_str());
  return a;
}

namespace {

class HandlerTest : public ::testing::Test {
 protected:
  SimFixture f;
  void setupPki() {
    ASSERT_EQ(f.call("POST", "/v1/sys/mounts/pki", R"({"type":"pki"})").status, 204);
    ASSERT_EQ(f.call("POST", "/v1/sys/mounts/pki/tune", R"({"max_lease_ttl":"87600h"})").status,
              204);
    auto root = f.call("POST", "/v1/pki/root/generate/internal",
                       R"({"common_name":"Test Root","ttl":"8760h","key_type":"ec"})");
    ASSERT_EQ(root.status, 200) << root.body;
  }
};

TEST_F(HandlerTest, HealthCodesAndParameters) {
  auto h = f.call("GET", "/v1/sys/health", "", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_FALSE(h.json["sealed"].GetBool());
  EXPECT_TRUE(h.json.HasMember("cluster_id"));
  EXPECT_FALSE(h.json.HasMember("data"));
  EXPECT_EQ(f.call("GET", "/v1/sys/health?activecode=299", "", "").status, 299);
  EXPECT_EQ(f.call("GET", "/v1/sys/health?standbyok=maybe", "", "").body, R"({"errors":[]})");
  EXPECT_EQ(f.call("GET", "/v1/sys/health?sealedcode=abc", "", "").status, 400);
  f.sim->core().standby = true;
  EXPECT_EQ(f.call("GET", "/v1/sys/health", "", "").status, 429);
  EXPECT_EQ(f.call("GET", "/v1/sys/health?standbyok=true", "", "").status, 200);
  EXPECT_EQ(f.call("GET", "/v1/sys/health?standbyok", "", "").status, 429);
  f.sim->core().standby = false;
  f.sim->core().sealed = true;
  auto sealed = f.call("GET", "/v1/sys/health", "", "");
  EXPECT_EQ(sealed.status, 503);
  EXPECT_FALSE(sealed.json.HasMember("cluster_id"));
  EXPECT_EQ(f.call("GET", "/v1/sys/health?sealedcode=200", "", "").status, 200);
  EXPECT_EQ(f.call("GET", "/v1/sys/seal-status", "", "").status, 200);
  auto other = f.call("GET", "/v1/sys/mounts");
  EXPECT_EQ(other.status, 503);
  EXPECT_EQ(other.body, R"({"errors":["Vault is sealed"]})");
  EXPECT_TRUE(f.call("HEAD", "/v1/sys/health", "", "").body.empty());
}

TEST_F(HandlerTest, StandbyRedirectsWhenAskedNotToForward) {
  f.sim->core().standby = true;
  f.sim->core().activeAddress = "https://active:8200";
  http::ServerRequest r;
  r.method = "GET";
  r.target = "/v1/sys/mounts?x=1";
  r.path = "/v1/sys/mounts";
  r.headers = {{"X-Vault-Token", "root"}, {"X-Vault-No-Request-Forwarding", "true"}};
  auto resp = f.sim->handle(r);
  EXPECT_EQ(resp.status, 307);
  bool found = false;
  for (const auto& h : resp.headers)
    found = found || (h.name == "Location" && h.value == "https://active:8200/v1/sys/mounts?x=1");
  EXPECT_TRUE(found);
  EXPECT_EQ(f.call("GET", "/v1/sys/mounts").status, 200);  // forwarded (answered locally)
}

TEST_F(HandlerTest, TokensAndRouting) {
  auto none = f.call("GET", "/v1/sys/mounts", "", "");
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.body, R"({"errors":["permission denied"]})");
  EXPECT_EQ(f.call("GET", "/v1/sys/mounts", "", "nope").status, 403);
  auto missing = f.call("GET", "/v1/nope/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json["errors"][0].GetString(),
            std::string("no handler for route \"nope/x\". route entry not found."));
  auto cache = f.call("GET", "/v1/sys/mounts");
  ASSERT_NE(cache.header("Cache-Control"), nullptr);
  EXPECT_EQ(*cache.header("Cache-Control"), "no-store");
  // Bearer fallback.
  http::ServerRequest r;
  r.method = "GET";
  r.target = r.path = "/v1/auth/token/lookup-self";
  r.headers = {{"Authorization", "Bearer root"}};
  EXPECT_EQ(f.sim->handle(r).status, 200);
  EXPECT_EQ(f.call("POST", "/v1/sys/policies/acl/x", std::string(5000, ' ')).status, 413);
}

TEST_F(HandlerTest, MountsEnableListTune) {
  EXPECT_EQ(
      f.call("POST", "/v1/sys/mounts/pki", R"({"type":"pki","description":"root CA"})").status,
      204);
  auto dup = f.call("POST", "/v1/sys/mounts/pki", R"({"type":"pki"})");
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.json["errors"][0].GetString(), std::string("path is already in use at pki/"));
  auto list = f.call("GET", "/v1/sys/mounts");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["pki/"]["type"].GetString(), std::string("pki"));
  EXPECT_EQ(list.json["data"]["pki/"]["description"].GetString(), std::string("root CA"));
  EXPECT_EQ(list.json["mount_type"].GetString(), std::string("system"));
  EXPECT_EQ(f.call("POST", "/v1/sys/mounts/pki/tune", R"({"max_lease_ttl":"87600h"})").status, 204);
  auto tune = f.call("GET", "/v1/sys/mounts/pki/tune");
  EXPECT_EQ(tune.json["data"]["max_lease_ttl"].GetInt64(), 315360000);
  EXPECT_EQ(tune.json["data"]["default_lease_ttl"].GetInt64(), 2764800);
  auto bad = f.call("POST", "/v1/sys/mounts/pki/tune",
                    R"({"max_lease_ttl":"1h","default_lease_ttl":"2h"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(f.call("POST", "/v1/sys/auth/jwt-nomad", R"({"type":"jwt"})").status, 204);
  auto auth = f.call("GET", "/v1/sys/auth");
  EXPECT_EQ(auth.json["data"]["jwt-nomad/"]["config"]["token_type"].GetString(),
            std::string("default-service"));
  EXPECT_EQ(f.call("POST", "/v1/sys/mounts/x", R"({"type":"nosuch"})").status, 400);
}

TEST_F(HandlerTest, PolicyCrudIsByteExact) {
  const std::string text =
      "# keep me\npath \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n\n";
  rapidjson::Document body(rapidjson::kObjectType);
  body.AddMember("policy", sim::stringValue(text, body.GetAllocator()), body.GetAllocator());
  EXPECT_EQ(f.call("PUT", "/v1/sys/policies/acl/Issuer", sim::toJson(body)).status, 204);
  auto read = f.call("GET", "/v1/sys/policies/acl/issuer");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json["data"]["policy"].GetString(), text);
  EXPECT_EQ(read.json["policy"].GetString(), text);
  EXPECT_EQ(read.json["name"].GetString(), std::string("issuer"));
  auto list = f.call("LIST", "/v1/sys/policies/acl");
  EXPECT_EQ(sim::toJson(list.json["data"]["keys"]), R"(["default","issuer","root"])");
  EXPECT_EQ(f.call("GET", "/v1/sys/policies/acl?list=true").status, 200);
  auto legacy = f.call("GET", "/v1/sys/policy/issuer");
  EXPECT_EQ(legacy.json["rules"].GetString(), text);
  EXPECT_EQ(f.call("DELETE", "/v1/sys/policies/acl/default").status, 400);
  EXPECT_EQ(f.call("PUT", "/v1/sys/policies/acl/root",
                   R"({"policy":"path \"x\" {capabilities=[\"read\"]}"})")
                .status,
            400);
  auto bad = f.call("PUT", "/v1/sys/policies/acl/bad",
                    R"({"policy":"path \"x\" { capabilities = [\"fly\"] }"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(
      f.call("PUT", "/v1/sys/policies/acl/empty", R"({"policy":""})").json["errors"][0].GetString(),
      std::string("'policy' parameter not supplied or empty"));
  EXPECT_EQ(f.call("DELETE", "/v1/sys/policies/acl/issuer").status, 204);
  EXPECT_EQ(f.call("GET", "/v1/sys/policies/acl/issuer").body, R"({"errors":[]})");
}

TEST_F(HandlerTest, AclEnforcementOnIssue) {
  setupPki();
  ASSERT_EQ(f.call("POST", "/v1/pki/roles/web",
                   R"({"allowed_domains":"example.com","allow_subdomains":true,"key_type":"ec"})")
                .status,
            200);
  ASSERT_EQ(f.call("PUT", "/v1/sys/policies/acl/reader",
                   R"({"policy":"path \"pki/roles/*\" { capabilities = [\"read\"] }"})")
                .status,
            204);
  ASSERT_EQ(f.call("PUT", "/v1/sys/policies/acl/issuer",
                   R"({"policy":"path \"pki/issue/web\" { capabilities = [\"update\"] }"})")
                .status,
            204);
  auto reader = f.call("POST", "/v1/auth/token/create", R"({"policies":["reader"],"ttl":"1h"})");
  ASSERT_EQ(reader.status, 200);
  std::string readerToken = reader.json["auth"]["client_token"].GetString();
  EXPECT_EQ(sim::toJson(reader.json["auth"]["policies"]), R"(["default","reader"])");
  auto denied =
      f.call("POST", "/v1/pki/issue/web", R"({"common_name":"a.example.com"})", readerToken);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}");
  EXPECT_EQ(f.call("GET", "/v1/pki/roles/web", "", readerToken).status, 200);
  EXPECT_EQ(f.call("GET", "/v1/nope/x", "", readerToken).status, 403);
  auto issuer = f.call("POST", "/v1/auth/token/create", R"({"policies":["issuer"]})");
  std::string issuerToken = issuer.json["auth"]["client_token"].GetString();
  EXPECT_EQ(f.call("POST", "/v1/pki/issue/web", R"({"common_name":"a.example.com","ttl":"1h"})",
                   issuerToken)
                .status,
            200);
  EXPECT_EQ(f.call("GET", "/v1/auth/token/lookup-self", "", issuerToken).status,
            200);  // default policy
}

TEST_F(HandlerTest, TokenLifecycle) {
  auto created = f.call("POST", "/v1/auth/token/create",
                        R"({"ttl":"1h","explicit_max_ttl":"2h","display_name":"ci"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(created.json["data"].IsNull());
  EXPECT_EQ(created.json["auth"]["lease_duration"].GetInt64(), 3600);
  std::string t = created.json["auth"]["client_token"].GetString();
  EXPECT_EQ(t.rfind("hvs.", 0), 0u);
  auto look = f.call("GET", "/v1/auth/token/lookup-self", "", t);
  EXPECT_EQ(look.json["data"]["ttl"].GetInt64(), 3600);
  EXPECT_EQ(look.json["data"]["display_name"].GetString(), std::string("token-ci"));
  EXPECT_EQ(look.json["data"]["explicit_max_ttl"].GetInt64(), 7200);
  f.clock->advance(std::chrono::minutes(30));
  auto renewed = f.call("POST", "/v1/auth/token/renew-self", R"({"increment":"1h"})", t);
  EXPECT_EQ(renewed.json["auth"]["lease_duration"].GetInt64(), 3600);
  f.clock->advance(std::chrono::minutes(50));
  auto capped = f.call("POST", "/v1/auth/token/renew-self", R"({"increment":"2h"})", t);
  EXPECT_EQ(capped.json["auth"]["lease_duration"].GetInt64(), 2400);
  EXPECT_NE(
      std::string(capped.json["warnings"][0].GetString()).find("exceeded the effective max_ttl"),
      std::string::npos);
  f.clock->advance(std::chrono::minutes(41));
  EXPECT_EQ(f.call("GET", "/v1/auth/token/lookup-self", "", t).status, 403);
  auto root = f.call("GET", "/v1/auth/token/lookup-self");
  EXPECT_TRUE(root.json["data"]["expire_time"].IsNull());
  EXPECT_EQ(f.call("POST", "/v1/auth/token/renew-self").json["errors"][0].GetString(),
            std::string("lease is not renewable"));
  auto periodic = f.call("POST", "/v1/auth/token/create", R"({"period":"30m"})");
  std::string p = periodic.json["auth"]["client_token"].GetString();
  EXPECT_EQ(f.call("POST", "/v1/auth/token/renew-self", R"({"increment":"5h"})", p)
                .json["auth"]["lease_duration"]
                .GetInt64(),
            1800);
  EXPECT_EQ(f.call("POST", "/v1/auth/token/revoke-self", "", p).status, 204);
  EXPECT_EQ(f.call("GET", "/v1/auth/token/lookup-self", "", p).status, 403);
}

TEST_F(HandlerTest, PkiRolesPostReplacesPatchMerges) {
  setupPki();
  auto post = f.call("POST", "/v1/pki/roles/web",
                     R"({"allowed_domains":["example.com"],"allow_subdomains":true,"ttl":"1h"})");
  ASSERT_EQ(post.status, 200);
  EXPECT_EQ(post.json["data"]["ttl"].GetInt64(), 3600);
  EXPECT_TRUE(post.json["warnings"].IsNull());
  auto patch = f.call("PATCH", "/v1/pki/roles/web", R"({"max_ttl":"2h"})");
  EXPECT_EQ(patch.json["data"]["ttl"].GetInt64(), 3600);
  EXPECT_TRUE(patch.json["data"]["allow_subdomains"].GetBool());
  auto replace = f.call("POST", "/v1/pki/roles/web", R"({"max_ttl":"2h"})");
  EXPECT_EQ(replace.json["data"]["ttl"].GetInt64(), 0);
  EXPECT_FALSE(replace.json["data"]["allow_subdomains"].GetBool());
  EXPECT_EQ(f.call("PATCH", "/v1/pki/roles/none", "{}").json["errors"][0].GetString(),
            std::string("Unable to fetch role entry to patch"));
  EXPECT_EQ(f.call("LIST", "/v1/pki/roles").json["data"]["keys"][0].GetString(),
            std::string("web"));
  EXPECT_EQ(f.call("DELETE", "/v1/pki/roles/web").status, 204);
  auto empty = f.call("LIST", "/v1/pki/roles");
  EXPECT_EQ(empty.status, 404);
  EXPECT_EQ(empty.body, R"({"errors":[]})");
  EXPECT_EQ(f.call("GET", "/v1/pki/roles/web").status, 404);
}

TEST_F(HandlerTest, IssueClampsTtlAndBuildsCertificate) {
  setupPki();
  ASSERT_EQ(
      f.call(
           "POST", "/v1/pki/roles/web",
           R"({"allowed_domains":"example.com","allow_subdomains":true,"max_ttl":"168h","key_type":"ec","client_flag":false})")
          .status,
      200);
  auto a = f.call(
      "POST", "/v1/pki/issue/web",
      R"({"common_name":"api.example.com","alt_names":"b.example.com","ip_sans":"10.0.0.1","ttl":"720h"})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json["warnings"][0].GetString(),
            std::string("TTL \"720h0m0s\" is longer than permitted maxTTL \"168h0m0s\", so maxTTL "
                        "is being used"));
  const auto& d = a.json["data"];
  EXPECT_TRUE(d["expiration"].IsInt64());
  EXPECT_EQ(d["private_key_type"].GetString(), std::string("ec"));
  EXPECT_EQ(std::string(d["private_key"].GetString()).rfind("-----BEGIN EC PRIVATE KEY-----", 0),
            0u);
  EXPECT_EQ(d["ca_chain"].Size(), 1u);
  auto cert = parseCertPem(d["certificate"].GetString());
  ASSERT_TRUE(cert);
  EXPECT_EQ(subjectCommonName(cert->get()), "api.example.com");
  EXPECT_EQ(serialColonHex(cert->get()), d["serial_number"].GetString());
  EXPECT_EQ(notAfterUnix(cert->get()) - notBeforeUnix(cert->get()), 168 * 3600 + 30);
  EXPECT_EQ(notAfterUnix(cert->get()), d["expiration"].GetInt64());
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert->get(), NID_ext_key_usage, nullptr, nullptr));
  ASSERT_NE(eku, nullptr);
  EXPECT_EQ(sk_ASN1_OBJECT_num(eku), 1);
  EXPECT_EQ(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_server_auth);
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert->get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(sans, nullptr);
  EXPECT_EQ(sk_GENERAL_NAME_num(sans), 3);  // 2 DNS + 1 IP
  GENERAL_NAMES_free(sans);
  auto bad = f.call("POST", "/v1/pki/issue/web", R"({"common_name":"api.other.com"})");
  EXPECT_EQ(bad.json["errors"][0].GetString(),
            std::string("common name api.other.com not allowed by this role"));
  EXPECT_EQ(
      f.call("POST", "/v1/pki/issue/nope", R"({"common_name":"x"})").json["errors"][0].GetString(),
      std::string("unknown role: nope"));
  EXPECT_EQ(f.call("GET", "/v1/pki/issue/web").status, 405);
  auto listed = f.call("LIST", "/v1/pki/certs");
  EXPECT_EQ(listed.status, 200);
  auto one = f.call("GET", "/v1/pki/cert/" + std::string(d["serial_number"].GetString()), "", "");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.json["data"]["revocation_time"].GetInt64(), 0);
  auto revoked =
      f.call("POST", "/v1/pki/revoke",
             std::string(R"({"serial_number":")") + d["serial_number"].GetString() + "\"}");
  EXPECT_EQ(revoked.json["data"]["state"].GetString(), std::string("revoked"));
  auto pem = f.call("GET", "/v1/pki/ca/pem", "", "");
  EXPECT_EQ(pem.body.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_NE(pem.body.back(), '\n');
}

TEST_F(HandlerTest, IntermediateChain) {
  setupPki();
  ASSERT_EQ(f.call("POST", "/v1/sys/mounts/pki-int", R"({"type":"pki"})").status, 204);
  ASSERT_EQ(f.call("POST", "/v1/sys/mounts/pki-int/tune", R"({"max_lease_ttl":"43800h"})").status,
            204);
  auto csr = f.call("POST", "/v1/pki-int/intermediate/generate/internal",
                    R"({"common_name":"Int","key_type":"ec"})");
  ASSERT_EQ(csr.status, 200) << csr.body;
  rapidjson::Document sign(rapidjson::kObjectType);
  sign.AddMember("csr", sim::stringValue(csr.json["data"]["csr"].GetString(), sign.GetAllocator()),
                 sign.GetAllocator());
  sign.AddMember("ttl", "4380h", sign.GetAllocator());
  auto signed_ = f.call("POST", "/v1/pki/root/sign-intermediate", sim::toJson(sign));
  ASSERT_EQ(signed_.status, 200) << signed_.body;
  rapidjson::Document set(rapidjson::kObjectType);
  set.AddMember(
      "certificate",
      sim::stringValue(signed_.json["data"]["certificate"].GetString(), set.GetAllocator()),
      set.GetAllocator());
  auto imported = f.call("POST", "/v1/pki-int/intermediate/set-signed", sim::toJson(set));
  ASSERT_EQ(imported.status, 200) << imported.body;
  ASSERT_EQ(
      f.call("POST", "/v1/pki-int/roles/job", R"({"allow_any_name":true,"key_type":"ec"})").status,
      200);
  auto leaf = f.call("POST", "/v1/pki-int/issue/job",
                     R"({"common_name":"job.service.consul","ttl":"24h"})");
  ASSERT_EQ(leaf.status, 200) << leaf.body;
  EXPECT_EQ(leaf.json["data"]["ca_chain"].Size(), 1u);
  auto intCert = parseCertPem(leaf.json["data"]["issuing_ca"].GetString());
  auto leafCert = parseCertPem(leaf.json["data"]["certificate"].GetString());
  EXPECT_EQ(X509_check_issued(intCert->get(), leafCert->get()), X509_V_OK);
  auto tooLong = f.call("POST", "/v1/pki-int/issue/job",
                        R"({"common_name":"job.service.consul","ttl":"40000h"})");
  EXPECT_EQ(tooLong.status, 400);
  EXPECT_NE(std::string(tooLong.json["errors"][0].GetString())
                .find("beyond the expiration of the CA certificate"),
            std::string::npos);
}

TEST_F(HandlerTest, AdminApi) {
  EXPECT_EQ(f.call("POST", "/_sim/seal", "", "").status, 204);
  EXPECT_EQ(f.call("GET", "/v1/sys/health", "", "").status, 503);
  EXPECT_EQ(f.call("POST", "/_sim/unseal", "", "").status, 204);
  EXPECT_EQ(
      f.call("POST", "/_sim/standby", R"({"active_address":"http://127.0.0.1:1"})", "").status,
      204);
  EXPECT_EQ(f.call("GET", "/v1/sys/health", "", "").status, 429);
  EXPECT_EQ(f.call("POST", "/_sim/active", "", "").status, 204);
  EXPECT_EQ(
      f.call("POST", "/_sim/faults", R"({"prefix":"/v1/pki","status":503,"rate":1})", "").status,
      200);
  EXPECT_EQ(f.sim->faults().decide("POST", "/v1/pki/issue/x").status, 503);
  EXPECT_EQ(f.sim->faults().decide("GET", "/v1/sys/health").status, 0);
  f.sim->counters().count("GET", "/v1/sys/health");
  auto counters = f.call("GET", "/_sim/counters", "", "");
  EXPECT_EQ(counters.json["paths"]["/v1/sys/health"]["GET"].GetUint64(), 1u);
  EXPECT_EQ(f.call("DELETE", "/_sim/counters", "", "").status, 204);
  EXPECT_EQ(f.sim->counters().total(), 0u);
  EXPECT_EQ(f.call("POST", "/v1/sys/mounts/pki", R"({"type":"pki"})").status, 204);
  EXPECT_EQ(f.call("POST", "/_sim/reset", "", "").status, 204);
  EXPECT_TRUE(f.sim->faults().rules().empty());
  EXPECT_EQ(f.call("GET", "/v1/sys/mounts/pki/tune").status, 400);
}

}  // namespace
}  // namespace nc::vault_sim::test
