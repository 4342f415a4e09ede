// JWT auth: config (JWKS fetched on write, PEM keys), role merge quirks and GET nulls, and
// login with JWTs signed here with OpenSSL (RS256 via JWKS, EdDSA via PEM).
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "common/json_util.hpp"
#include "sim_test_util.hpp"
#include "vault/jwt_verify.hpp"
#include "vault/pki_backend.hpp"
#include "vault/pki_crypto.hpp"

namespace nc::vault_sim::test {
namespace {

std::string b64url(std::string_view raw) {
  std::string s = base64Encode(raw);
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string sign(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                 const std::string& claims) {
  std::string header = R"({"alg":")" + alg + R"(","typ":"JWT")" +
                       (kid.empty() ? "" : R"(,"kid":")" + kid + "\"") + "}";
  std::string input = b64url(header) + "." + b64url(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, alg == "EdDSA" ? nullptr : EVP_sha256(), nullptr, key);
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return input + "." + b64url(sig);
}

std::string rsaJwks(EVP_PKEY* key, const std::string& kid) {
  BIGNUM *n = nullptr, *e = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
  std::string nb(static_cast<std::size_t>(BN_num_bytes(n)), '\0'),
      eb(static_cast<std::size_t>(BN_num_bytes(e)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(nb.data()));
  BN_bn2bin(e, reinterpret_cast<unsigned char*>(eb.data()));
  BN_free(n);
  BN_free(e);
  return R"({"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":")" + kid + R"(","n":")" +
         b64url(nb) + R"(","e":")" + b64url(eb) + R"("}]})";
}

std::string pubPem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(b, key);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return s;
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : rsa(*generateKey("rsa", 2048)),
        f([this](const std::string& url, const std::string&) -> Result<std::string> {
          ++fetches;
          if (url != "http://nomad.test/.well-known/jwks.json")
            return makeError(errc::connection_failed, "dial tcp: connection refused");
          return rsaJwks(rsa.get(), "k1");
        }) {}
  PKeyPtr rsa;
  int fetches = 0;
  SimFixture f;

  std::string claims(std::int64_t expOffset, const std::string& aud = "vault.io",
                     const std::string& extra = "") {
    auto now = unixSeconds(f.clock->now());
    return R"({"sub":"global:prod:web:web:task","aud":")" + aud + R"(","iat":)" +
           std::to_string(now) + R"(,"nbf":)" + std::to_string(now) + R"(,"exp":)" +
           std::to_string(now + expOffset) +
           R"(,"nomad_namespace":"prod","nomad_job_id":"web","nomad_task":"task")" + extra + "}";
  }
};

TEST_F(JwtTest, ConfigFetchesJwksOnWrite) {
  ASSERT_EQ(f.call("POST", "/v1/sys/auth/jwt-nomad", R"({"type":"jwt"})").status, 204);
  EXPECT_EQ(f.call("GET", "/v1/auth/jwt-nomad/config").status, 404);
  auto bad =
      f.call("POST", "/v1/auth/jwt-nomad/config", R"({"jwks_url":"http://unreachable.test/jwks"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(std::string(bad.json["errors"][0].GetString()).rfind("error checking jwks URL: ", 0),
            0u);
  auto none = f.call("POST", "/v1/auth/jwt-nomad/config", R"({"bound_issuer":"x"})");
  EXPECT_EQ(none.json["errors"][0].GetString(),
            std::string("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or "
                        "'oidc_discovery_url' must be set"));
  auto ok = f.call(
      "POST", "/v1/auth/jwt-nomad/config",
      R"({"jwks_url":"http://nomad.test/.well-known/jwks.json","jwt_supported_algs":["RS256","EdDSA"],"default_role":"Nomad-Workloads"})");
  EXPECT_EQ(ok.status, 204) << ok.body;
  auto read = f.call("GET", "/v1/auth/jwt-nomad/config");
  EXPECT_EQ(read.json["data"]["default_role"].GetString(), std::string("nomad-workloads"));
  EXPECT_TRUE(read.json["data"]["jwt_validation_pubkeys"].IsArray());
  EXPECT_FALSE(read.json["data"].HasMember("oidc_client_secret"));
}

TEST_F(JwtTest, RoleMergeQuirksAndNulls) {
  ASSERT_EQ(f.call("POST", "/v1/sys/auth/jwt", R"({"type":"jwt"})").status, 204);
  auto noBound = f.call("POST", "/v1/auth/jwt/role/r", R"({"role_type":"jwt","user_claim":"sub"})");
  EXPECT_EQ(noBound.json["errors"][0].GetString(),
            std::string("must have at least one bound constraint when creating/updating a role"));
  EXPECT_EQ(
      f.call("POST", "/v1/auth/jwt/role/r", R"({"role_type":"jwt","bound_audiences":"vault.io"})")
          .json["errors"][0]
          .GetString(),
      std::string("a user claim must be defined on the role"));
  ASSERT_EQ(
      f.call(
           "POST", "/v1/auth/jwt/role/r",
           R"({"role_type":"jwt","bound_audiences":"vault.io","user_claim":"/nomad_job_id","user_claim_json_pointer":true,
                       "token_period":"30m","token_type":"service","token_policies":["nomad-workloads"]})")
          .status,
      204);
  auto read = f.call("GET", "/v1/auth/jwt/role/r");
  const auto& d = read.json["data"];
  EXPECT_EQ(sim::toJson(d["bound_audiences"]), R"(["vault.io"])");
  EXPECT_TRUE(d["bound_claims"].IsNull());
  EXPECT_TRUE(d["claim_mappings"].IsNull());
  EXPECT_TRUE(d["allowed_redirect_uris"].IsNull());
  EXPECT_EQ(d["token_period"].GetInt64(), 1800);
  EXPECT_EQ(d["expiration_leeway"].GetInt64(), 0);
  EXPECT_EQ(d["token_type"].GetString(), std::string("service"));
  // Merge keeps token_period, but an omitted role_type resets to "oidc" (and fails validation).
  auto merged = f.call("POST", "/v1/auth/jwt/role/r", R"({"role_type":"jwt","bound_subject":"s"})");
  EXPECT_EQ(merged.status, 204);
  EXPECT_EQ(f.call("GET", "/v1/auth/jwt/role/r").json["data"]["token_period"].GetInt64(), 1800);
  auto reset = f.call("POST", "/v1/auth/jwt/role/r", R"({"bound_subject":"s"})");
  EXPECT_EQ(reset.status, 400);
  EXPECT_EQ(
      reset.json["errors"][0].GetString(),
      std::string("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."));
  EXPECT_EQ(
      f.call(
           "POST", "/v1/auth/jwt/role/x",
           R"({"role_type":"jwt","user_claim":"sub","bound_subject":"s","claim_mappings":{"a":"role"}})")
          .status,
      400);
}

TEST_F(JwtTest, LoginWithJwksAndPolicies) {
  ASSERT_EQ(f.call("POST", "/v1/sys/auth/jwt-nomad", R"({"type":"jwt"})").status, 204);
  ASSERT_EQ(
      f.call(
           "POST", "/v1/auth/jwt-nomad/config",
           R"({"jwks_url":"http://nomad.test/.well-known/jwks.json","default_role":"nomad-workloads"})")
          .status,
      204);
  ASSERT_EQ(
      f.call(
           "POST", "/v1/auth/jwt-nomad/role/nomad-workloads",
           R"({"role_type":"jwt","bound_audiences":["vault.io"],"user_claim":"/nomad_job_id","user_claim_json_pointer":true,
                       "claim_mappings":{"nomad_namespace":"nomad_namespace","nomad_job_id":"nomad_job_id","nomad_task":"nomad_task"},
                       "token_type":"service","token_period":"30m","token_policies":["nomad-workloads"],
                       "bound_claims":{"nomad_namespace":["prod","staging"]}})")
          .status,
      204);
  auto login = [&](const std::string& jwt, const std::string& role = "") {
    std::string body =
        R"({"jwt":")" + jwt + "\"" + (role.empty() ? "" : R"(,"role":")" + role + "\"") + "}";
    return f.call("POST", "/v1/auth/jwt-nomad/login", body, "");
  };
  auto ok = login(sign(rsa.get(), "RS256", "k1", claims(3600)));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const auto& auth = ok.json["auth"];
  EXPECT_EQ(sim::toJson(auth["policies"]), R"(["default","nomad-workloads"])");
  EXPECT_EQ(auth["lease_duration"].GetInt64(), 1800);
  EXPECT_EQ(auth["metadata"]["role"].GetString(), std::string("nomad-workloads"));
  EXPECT_EQ(auth["metadata"]["nomad_job_id"].GetString(), std::string("web"));
  EXPECT_TRUE(auth["orphan"].GetBool());
  std::string token = auth["client_token"].GetString();
  auto look = f.call("GET", "/v1/auth/token/lookup-self", "", token);
  EXPECT_EQ(look.json["data"]["period"].GetInt64(), 1800);
  EXPECT_EQ(look.json["data"]["path"].GetString(), std::string("auth/jwt-nomad/login"));

  auto expired = login(sign(rsa.get(), "RS256", "k1", claims(-3600)));
  EXPECT_EQ(expired.status, 400);
  EXPECT_EQ(std::string(expired.json["errors"][0].GetString()).rfind("error validating token: ", 0),
            0u);
  auto wrongAud = login(sign(rsa.get(), "RS256", "k1", claims(3600, "other")));
  EXPECT_EQ(wrongAud.status, 400);
  auto other = generateKey("rsa", 2048);
  EXPECT_EQ(login(sign(other->get(), "RS256", "k1", claims(3600))).status, 400);
  auto badClaim = login(
      sign(rsa.get(), "RS256", "k1", claims(3600, "vault.io", R"(,"x":1)").replace(0, 0, "")));
  EXPECT_EQ(badClaim.status, 200);
  std::string devClaims = claims(3600);
  devClaims.replace(devClaims.find("\"prod\""), 6, "\"dev\"");
  auto dev = login(sign(rsa.get(), "RS256", "k1", devClaims));
  EXPECT_EQ(dev.json["errors"][0].GetString(),
            std::string("error validating claims: claim \"nomad_namespace\" does not match any "
                        "associated bound claim values"));
  EXPECT_EQ(login("a.b.c", "missing").json["errors"][0].GetString(),
            std::string("role \"missing\" could not be found"));
}

TEST_F(JwtTest, LoginWithPemKeyAndEdDsa) {
  auto ed = generateKey("ed25519", 0);
  ASSERT_EQ(f.call("POST", "/v1/sys/auth/jwt", R"({"type":"jwt"})").status, 204);
  rapidjson::Document cfg(rapidjson::kObjectType);
  auto& a = cfg.GetAllocator();
  cfg.AddMember("jwt_validation_pubkeys", sim::stringArray({pubPem(ed->get())}, a), a);
  cfg.AddMember("jwt_supported_algs", sim::stringArray({"EdDSA"}, a), a);
  ASSERT_EQ(f.call("POST", "/v1/auth/jwt/config", sim::toJson(cfg)).status, 204);
  ASSERT_EQ(
      f.call(
           "POST", "/v1/auth/jwt/role/r",
           R"({"role_type":"jwt","user_claim":"sub","bound_subject":"global:prod:web:web:task","token_ttl":"1h","token_policies":"a,b"})")
          .status,
      204);
  auto noAud =
      f.call("POST", "/v1/auth/jwt/login",
             R"({"role":"r","jwt":")" + sign(ed->get(), "EdDSA", "", claims(600)) + "\"}", "");
  EXPECT_EQ(noAud.json["errors"][0].GetString(),
            std::string("audience claim found in JWT but no audiences bound to the role"));
  auto now = unixSeconds(f.clock->now());
  std::string c = R"({"sub":"global:prod:web:web:task","exp":)" + std::to_string(now + 600) + "}";
  auto ok = f.call("POST", "/v1/auth/jwt/login",
                   R"({"role":"r","jwt":")" + sign(ed->get(), "EdDSA", "", c) + "\"}", "");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["auth"]["lease_duration"].GetInt64(), 3600);
  EXPECT_EQ(sim::toJson(ok.json["auth"]["policies"]), R"(["a","b","default"])");
  auto rs = f.call("POST", "/v1/auth/jwt/login",
                   R"({"role":"r","jwt":")" + sign(rsa.get(), "RS256", "", c) + "\"}", "");
  EXPECT_EQ(rs.status, 400);
}

TEST_F(JwtTest, RoleTokenFieldErrorsUseVaultTexts) {
  ASSERT_EQ(f.call("POST", "/v1/sys/auth/jwt", R"({"type":"jwt"})").status, 204);
  auto error = [&](const std::string& extra) {
    auto r = f.call("POST", "/v1/auth/jwt/role/r",
                    R"({"role_type":"jwt","user_claim":"sub","bound_subject":"s",)" + extra + "}");
    EXPECT_EQ(r.status, 400) << extra;
    return r.json.HasMember("errors") ? std::string(r.json["errors"][0].GetString())
                                      : std::string();
  };
  // tokenutil/path_role.go format the durations with %q inside single quotes.
  EXPECT_EQ(error(R"("token_period":"800h")"),
            "'period' of '\"800h0m0s\"' is greater than the backend's maximum lease TTL of "
            "'\"768h0m0s\"'");
  EXPECT_EQ(
      error(R"("token_type":"batch","token_period":"1h")"),
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  EXPECT_EQ(error(R"("token_type":"batch","token_num_uses":3)"),
            "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with "
            "limited use count");
  EXPECT_EQ(error(R"("token_ttl":"2h","token_max_ttl":"1h")"),
            "'token_ttl' cannot be greater than 'token_max_ttl'");
  auto badType = f.call("POST", "/v1/auth/jwt/role/r",
                        R"({"role_type":"web","user_claim":"sub","bound_subject":"s"})");
  EXPECT_EQ(badType.json["errors"][0].GetString(), std::string("invalid 'role_type': web"));
  // A failed write stores nothing.
  EXPECT_EQ(f.call("GET", "/v1/auth/jwt/role/r").status, 404);
}

TEST(JwtClaims, JsonPointerUnescapesTildeSequencesOnce) {
  rapidjson::Document d;
  d.Parse(R"({"a/b":{"c~d":1,"~0":2},"plain":3})");
  ASSERT_NE(getClaim(d, "/a~1b/c~0d"), nullptr);
  EXPECT_EQ(getClaim(d, "/a~1b/c~0d")->GetInt(), 1);
  // "~00" is "~0" (not "~"): each escape is decoded once, left to right.
  ASSERT_NE(getClaim(d, "/a~1b/~00"), nullptr);
  EXPECT_EQ(getClaim(d, "/a~1b/~00")->GetInt(), 2);
  EXPECT_EQ(getClaim(d, "/a/b"), nullptr);
  EXPECT_EQ(getClaim(d, "plain")->GetInt(), 3);
}

}  // namespace
}  // namespace nc::vault_sim::test
