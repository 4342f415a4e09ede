// Reading preflight Facts from a live Vault through VaultApi.
#include "preflight/live_facts.hpp"

#include <algorithm>

#include "vault/vault_api.hpp"

namespace nc::preflight {
namespace {

RoleRules fromLive(const vault::PkiRole& r) {
  RoleRules out;
  out.allowedDomains = r.allowedDomains;
  out.allowLocalhost = r.allowLocalhost;
  out.allowBareDomains = r.allowBareDomains;
  out.allowSubdomains = r.allowSubdomains;
  out.allowGlobDomains = r.allowGlobDomains;
  out.allowWildcardCertificates = r.allowWildcardCertificates;
  out.allowAnyName = r.allowAnyName;
  out.enforceHostnames = r.enforceHostnames;
  out.allowIpSans = r.allowIpSans;
  out.requireCn = r.requireCn;
  out.ttl = r.ttl;
  out.maxTtl = r.maxTtl;
  return out;
}

Error context(const Error& e, const std::string& what) {
  return Error(e.code, "preflight: reading " + what + ": " + e.message);
}

}  // namespace

boost::asio::awaitable<Result<Facts>> readLiveFacts(vault::VaultApi& vault,
                                                    const config::DesiredState& desired) {
  Facts f;
  f.complete = true;
  for (const auto& m : desired.vault.mounts) {
    if (m.type != "pki") continue;
    auto names = co_await vault.listPkiRoles(m.path);
    if (!names) {
      if (names.error().is(errc::not_found)) continue;
      co_return context(names.error(), m.path + "/roles");
    }
    for (const auto& n : *names) {
      auto role = co_await vault.readPkiRole(m.path, n);
      if (role)
        f.pkiRoles[{m.path, n}] = fromLive(*role);
      else if (!role.error().is(errc::not_found))
        co_return context(role.error(), m.path + "/roles/" + n);
    }
    auto tune = co_await vault.readMountTune(m.path);
    if (tune) f.mountMaxTtl = std::max(f.mountMaxTtl, tune->maxLeaseTtl);
  }
  auto policies = co_await vault.listPolicies();
  if (!policies) co_return context(policies.error(), "sys/policies/acl");
  for (const auto& p : *policies) {
    if (p == "root") continue;
    auto pol = co_await vault.readPolicy(p);
    if (!pol) {
      if (pol.error().is(errc::not_found)) continue;
      co_return context(pol.error(), "sys/policies/acl/" + p);
    }
    if (auto rules = parsePolicy(pol->policy, nullptr)) f.policies[p] = std::move(*rules);
  }
  for (const auto& a : desired.vault.auth) {
    if (a.type != "jwt" && a.type != "oidc") continue;
    auto cfg = co_await vault.readJwtConfig(a.path);
    if (cfg && !cfg->defaultRole.empty()) f.jwtDefaultRole[a.path] = cfg->defaultRole;
    auto names = co_await vault.listJwtRoles(a.path);
    if (!names) {
      if (names.error().is(errc::not_found)) continue;
      co_return context(names.error(), "auth/" + a.path + "/role");
    }
    for (const auto& n : *names) {
      auto role = co_await vault.readJwtRole(a.path, n);
      if (role)
        f.jwtRoles[{a.path, n}] = role->tokenPolicies;
      else if (!role.error().is(errc::not_found))
        co_return context(role.error(), "auth/" + a.path + "/role/" + n);
    }
  }
  co_return f;
}

Facts mergeFacts(Facts live, const Facts& declared) {
  for (const auto& [k, v] : declared.pkiRoles) live.pkiRoles[k] = v;
  for (const auto& [k, v] : declared.policies) live.policies[k] = v;
  for (const auto& [k, v] : declared.jwtRoles) live.jwtRoles[k] = v;
  for (const auto& [k, v] : declared.jwtDefaultRole) live.jwtDefaultRole[k] = v;
  live.mountMaxTtl = std::max(live.mountMaxTtl, declared.mountMaxTtl);
  return live;
}

boost::asio::awaitable<Result<std::vector<Finding>>> checkJobsLive(
    vault::VaultApi& vault, const config::DesiredState& desired) {
  auto facts = co_await readLiveFacts(vault, desired);
  if (!facts) co_return facts.error();
  co_return checkJobs(desired, mergeFacts(std::move(*facts), factsFromDesired(desired)));
}

}  // namespace nc::preflight
