// Vault's rules, re-implemented from the API reference for offline checks: which names a PKI
// role issues (vault-api.md §3.4) and which capabilities ACL policies grant on a path (§4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/vault_fields.hpp"

namespace nc::preflight {

/// The PKI role fields name matching and TTL clamping depend on, with Vault's defaults.
struct RoleRules {
  std::vector<std::string> allowedDomains;
  bool allowLocalhost = true;
  bool allowBareDomains = false;
  bool allowSubdomains = false;
  bool allowGlobDomains = false;
  bool allowWildcardCertificates = true;
  bool allowAnyName = false;
  bool enforceHostnames = true;
  bool allowIpSans = true;
  bool requireCn = true;
  std::int64_t ttl = 0;     ///< seconds; 0 = mount default
  std::int64_t maxTtl = 0;  ///< seconds; 0 = mount max
};

/// Reads the rules from declared (or live, converted) role fields.
RoleRules roleRulesFrom(const config::FieldMap& fields);

/// Why Vault refuses to issue `name` (CN or DNS SAN) under `role`; nothing when it is allowed.
std::optional<std::string> nameRefusal(const RoleRules& role, std::string_view name);

/// A hostname per Vault's enforce_hostnames check (labels of letters, digits and hyphens).
bool validHostname(std::string_view name);

/// One ACL policy's path rules.
struct PolicyRule {
  std::string path;  ///< as written, may end in * and contain + segments
  std::vector<std::string> capabilities;
};

/// Parses a policy's HCL text; errors name the line.
std::optional<std::vector<PolicyRule>> parsePolicy(std::string_view text, std::string* error);

/// The capabilities the union of `policies` grants on `path`, as Vault computes them: rules with
/// the same pattern merge (deny wins), then the most specific matching pattern decides.
std::vector<std::string> capabilitiesOn(const std::vector<std::vector<PolicyRule>>& policies,
                                        std::string_view path);

bool grants(const std::vector<std::string>& caps, std::string_view capability);

}  // namespace nc::preflight
