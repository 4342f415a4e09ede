// ACL policies: parsing Vault's HCL (or JSON) policy text and checking a path's capabilities
// with Vault's rules (exact > most specific glob/segment-wildcard; deny wins).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace nc::vault_sim {

enum Capability : std::uint32_t {
  kDeny = 1u << 0,
  kCreate = 1u << 1,
  kRead = 1u << 2,
  kUpdate = 1u << 3,
  kDelete = 1u << 4,
  kList = 1u << 5,
  kSudo = 1u << 6,
  kPatch = 1u << 7,
};

struct PolicyRule {
  std::string path;  ///< as written (leading '/' removed); may end in '*' and contain '+'
  std::uint32_t caps = 0;
};

struct ParsedPolicy {
  std::vector<PolicyRule> rules;
};

/// Parses HCL (`path "x" { capabilities = [...] }`, legacy `policy = "write"`) or JSON.
/// Errors: "failed to parse policy: ..." texts.
Result<ParsedPolicy> parsePolicy(std::string_view text);

/// Values for `{{identity.entity...}}` templating of policy paths.
struct TemplateContext {
  std::string entityId;
  std::string entityName;
  /// mount accessor -> alias metadata
  std::map<std::string, std::map<std::string, std::string>> aliasMetadata;
  std::map<std::string, std::string> aliasNames;  ///< mount accessor -> alias name
};

/// Substitutes templates; returns false when a template cannot be resolved (rule dropped).
bool resolvePathTemplate(const std::string& path, const TemplateContext& ctx, std::string& out);

class Acl {
 public:
  /// Merges the rules of all policies (capabilities on the same path are unioned; deny wins).
  explicit Acl(const std::vector<const ParsedPolicy*>& policies,
               const TemplateContext* ctx = nullptr);
  /// The capability bitmap that applies to `path` (0 when no rule matches). For list
  /// operations pass isList so "foo/" also finds an exact rule for "foo".
  std::uint32_t capabilities(std::string_view path, bool isList = false) const;
  /// True when `cap` is granted and not denied.
  bool allows(std::string_view path, Capability cap, bool isList = false) const;

 private:
  std::map<std::string, std::uint32_t, std::less<>> exact_;
  std::map<std::string, std::uint32_t, std::less<>> prefix_;   ///< without the '*'
  std::map<std::string, std::uint32_t, std::less<>> segment_;  ///< contain '+', as written
};

/// Capability names as Vault spells them, for sys/capabilities-style output.
std::vector<std::string> capabilityNames(std::uint32_t caps);

}  // namespace nc::vault_sim
