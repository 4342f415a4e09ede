// VaultClient: request plumbing (headers, token, error mapping) and every typed operation.
#include "vault/vault_client.hpp"

#include "vault/codec.hpp"
#include "vault/json/fields.hpp"

namespace nc::vault {
namespace {

std::string trimSlashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

/// A mount path may contain '/', which stays a separator; a name is one path segment.
std::string mountPath(std::string_view mount) {
  return http::percentEncode(trimSlashes(mount), true);
}
std::string segment(std::string_view name) {
  return http::percentEncode(name);
}

template <class T>
Result<T> withContext(Result<T> r, std::string_view what) {
  if (r) return r;
  return Error(r.error().code, "vault: " + std::string(what) + ": " + r.error().message);
}

}  // namespace

VaultClient::VaultClient(http::TransportPtr transport, TokenSourcePtr tokens, Options options)
    : transport_(std::move(transport)), tokens_(std::move(tokens)), options_(std::move(options)) {}

Task<http::Response> VaultClient::call(std::string method, std::string path, std::string body,
                                       bool anonymous) {
  http::Request req;
  req.method = method;
  req.target = "/v1/" + path;
  req.headers.push_back({"X-Vault-Request", "true"});
  if (!options_.vaultNamespace.empty())
    req.headers.push_back({"X-Vault-Namespace", options_.vaultNamespace});
  if (!anonymous && tokens_) {
    auto token = tokens_->token();
    if (!token) co_return Error(token.error().code, "vault token: " + token.error().message);
    if (!token->empty()) req.headers.push_back({"X-Vault-Token", *token});
  }
  // Vault only accepts PATCH bodies declared as JSON merge patches (415 otherwise).
  if (!body.empty())
    req.headers.push_back(
        {"Content-Type", method == "PATCH" ? "application/merge-patch+json" : "application/json"});
  req.body = std::move(body);
  req.timeout = options_.requestTimeout;
  if (method == "GET" || method == "HEAD" || method == "DELETE") req.idempotent = true;
  auto r = co_await transport_->send(std::move(req));
  if (!r) {
    co_return Error(r.error().code, "vault: " + method + " " + path + ": " + r.error().message);
  }
  co_return std::move(*r);
}

Task<http::Response> VaultClient::checked(std::string method, std::string path, std::string body,
                                          bool anonymous) {
  auto r = co_await call(method, path, std::move(body), anonymous);
  if (!r) co_return r.error();
  if (r->status < 200 || r->status > 299)
    co_return codec::responseError(method + " " + path, r->status, r->body);
  co_return std::move(*r);
}

Task<std::vector<std::string>> VaultClient::listKeys(std::string path) {
  auto r = co_await call("GET", path + "?list=true", "");
  if (!r) co_return r.error();
  // An empty list is 404 {"errors":[]} in Vault; a 404 with a text (unknown mount) is real.
  if (r->status == 404) {
    auto texts = codec::errorTexts(r->body);
    if (texts && texts->empty()) co_return std::vector<std::string>{};
  }
  if (r->status != 200) co_return codec::responseError("LIST " + path, r->status, r->body);
  co_return withContext(codec::decodeKeys(r->body), "LIST " + path);
}

Task<HealthStatus> VaultClient::health(HealthQuery query) {
  auto r = co_await call("GET", "sys/health?" + codec::healthQueryString(query), "", true);
  if (!r) co_return r.error();
  auto h = codec::decodeHealth(r->status, r->body, query);
  // An error answer (unknown status, Vault's error body such as a 429 rate limit) comes back
  // as responseError, which names the call already.
  if (!h && h.error().message.starts_with("vault: ")) co_return h.error();
  co_return withContext(std::move(h), "GET sys/health");
}

Task<SealStatus> VaultClient::sealStatus() {
  auto r = co_await checked("GET", "sys/seal-status", "", true);
  if (!r) co_return r.error();
  co_return withContext(codec::decodeSealStatus(r->body), "GET sys/seal-status");
}

Task<std::vector<Mount>> VaultClient::listMounts() {
  auto r = co_await checked("GET", "sys/mounts", "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeMounts(r->body), "GET sys/mounts");
}

Task<void> VaultClient::enableMount(std::string path, MountSpec spec) {
  auto r = co_await checked("POST", "sys/mounts/" + mountPath(path), codec::encodeMountSpec(spec));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<MountTune> VaultClient::readMountTune(std::string path) {
  std::string p = "sys/mounts/" + mountPath(path) + "/tune";
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeMountTune(r->body), "GET " + p);
}

Task<void> VaultClient::tuneMount(std::string path, MountTuneUpdate update) {
  auto r = co_await checked("POST", "sys/mounts/" + mountPath(path) + "/tune",
                            codec::encodeTuneUpdate(update));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<PkiRole> VaultClient::readPkiRole(std::string mount, std::string name) {
  std::string p = mountPath(mount) + "/roles/" + segment(name);
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodePkiRole(r->body), "GET " + p);
}

Task<void> VaultClient::writePkiRole(std::string mount, std::string name, PkiRole role) {
  // Current Vault answers 200 with the role, older ones 204: both are success.
  auto r = co_await checked("POST", mountPath(mount) + "/roles/" + segment(name),
                            codec::encodePkiRole(role));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<PkiRole> VaultClient::patchPkiRole(std::string mount, std::string name,
                                        std::string patchJson) {
  std::string p = mountPath(mount) + "/roles/" + segment(name);
  if (auto doc = json::parse(patchJson, "patch"); !doc || !doc->IsObject())
    co_return Error(errc::invalid_argument, "vault: PATCH " + p + ": patch must be a JSON object");
  auto r = co_await call("PATCH", p, patchJson);
  if (!r) co_return r.error();
  if (r->status == 204) co_return co_await readPkiRole(mount, name);  // older servers
  if (r->status != 200) co_return codec::responseError("PATCH " + p, r->status, r->body);
  co_return withContext(codec::decodePkiRole(r->body), "PATCH " + p);
}

Task<std::vector<std::string>> VaultClient::listPkiRoles(std::string mount) {
  co_return co_await listKeys(mountPath(mount) + "/roles");
}

Task<void> VaultClient::deletePkiRole(std::string mount, std::string name) {
  auto r = co_await checked("DELETE", mountPath(mount) + "/roles/" + segment(name), "");
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<IssuedCertificate> VaultClient::issue(std::string mount, std::string role,
                                           IssueRequest request) {
  std::string p = mountPath(mount) + "/issue/" + segment(role);
  auto r = co_await checked("POST", p, codec::encodeIssueRequest(request));
  if (!r) co_return r.error();
  co_return withContext(codec::decodeIssued(r->body), "POST " + p);
}

Task<std::string> VaultClient::caChain(std::string mount) {
  std::string p = mountPath(mount) + "/cert/ca_chain";
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeCaChain(r->body), "GET " + p);
}

Task<std::vector<std::string>> VaultClient::listCertificates(std::string mount) {
  co_return co_await listKeys(mountPath(mount) + "/certs");
}

Task<CertificateRecord> VaultClient::readCertificate(std::string mount, std::string serial) {
  std::string p = mountPath(mount) + "/cert/" + segment(serial);
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeCertificate(r->body), "GET " + p);
}

Task<AclPolicy> VaultClient::readPolicy(std::string name) {
  std::string p = "sys/policies/acl/" + segment(name);
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodePolicy(r->body), "GET " + p);
}

Task<void> VaultClient::putPolicy(std::string name, std::string policyText) {
  auto r =
      co_await checked("PUT", "sys/policies/acl/" + segment(name), codec::encodePolicy(policyText));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<std::vector<std::string>> VaultClient::listPolicies() {
  co_return co_await listKeys("sys/policies/acl");
}

Task<void> VaultClient::deletePolicy(std::string name) {
  auto r = co_await checked("DELETE", "sys/policies/acl/" + segment(name), "");
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<std::vector<Mount>> VaultClient::listAuthMounts() {
  auto r = co_await checked("GET", "sys/auth", "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeMounts(r->body), "GET sys/auth");
}

Task<void> VaultClient::enableAuth(std::string path, MountSpec spec) {
  auto r = co_await checked("POST", "sys/auth/" + mountPath(path), codec::encodeMountSpec(spec));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<JwtConfig> VaultClient::readJwtConfig(std::string mount) {
  std::string p = "auth/" + mountPath(mount) + "/config";
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeJwtConfig(r->body), "GET " + p);
}

Task<void> VaultClient::writeJwtConfig(std::string mount, JwtConfig config) {
  auto r = co_await checked("POST", "auth/" + mountPath(mount) + "/config",
                            codec::encodeJwtConfig(config));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<JwtRole> VaultClient::readJwtRole(std::string mount, std::string name) {
  std::string p = "auth/" + mountPath(mount) + "/role/" + segment(name);
  auto r = co_await checked("GET", p, "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeJwtRole(r->body), "GET " + p);
}

Task<void> VaultClient::writeJwtRole(std::string mount, std::string name, JwtRole role) {
  auto r = co_await checked("POST", "auth/" + mountPath(mount) + "/role/" + segment(name),
                            codec::encodeJwtRole(role));
  if (!r) co_return r.error();
  co_return Result<void>();
}

Task<std::vector<std::string>> VaultClient::listJwtRoles(std::string mount) {
  co_return co_await listKeys("auth/" + mountPath(mount) + "/role");
}

Task<TokenInfo> VaultClient::lookupSelf() {
  auto r = co_await checked("GET", "auth/token/lookup-self", "");
  if (!r) co_return r.error();
  co_return withContext(codec::decodeTokenInfo(r->body), "GET auth/token/lookup-self");
}

Task<AuthInfo> VaultClient::renewSelf(std::int64_t incrementSeconds) {
  json::ObjectWriter w;
  if (incrementSeconds > 0) w.str("increment", std::to_string(incrementSeconds) + "s");
  auto r = co_await checked("POST", "auth/token/renew-self", w.finish());
  if (!r) co_return r.error();
  co_return withContext(codec::decodeAuth(r->body), "POST auth/token/renew-self");
}

Task<AuthInfo> VaultClient::loginAppRole(std::string mount, std::string roleId,
                                         std::string secretId) {
  json::ObjectWriter w;
  w.str("role_id", roleId);
  if (!secretId.empty()) w.str("secret_id", secretId);
  std::string p = "auth/" + mountPath(mount) + "/login";
  auto r = co_await checked("POST", p, w.finish(), true);
  if (!r) co_return r.error();
  co_return withContext(codec::decodeAuth(r->body), "POST " + p);
}

}  // namespace nc::vault
