// Preflight: cross-resource checks that each declared job can really obtain its certificate
// (templates -> PKI role -> names and TTL -> JWT role -> policies), offline or with live data.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/desired_state.hpp"
#include "config/diagnostics.hpp"
#include "preflight/vault_rules.hpp"

namespace nc::preflight {

struct Finding {
  std::string id;  ///< stable, e.g. "role-unknown", "name-not-allowed"
  config::Severity severity = config::Severity::error;
  config::SourceRef where;
  std::string message;
  std::string hint;  ///< how to fix it
  std::string toString() const;
};

/// What the checks know about Vault: from the desired state, optionally completed from a live
/// Vault. `complete` means a missing object is known to be missing (else only undeclared).
struct Facts {
  std::map<std::pair<std::string, std::string>, RoleRules> pkiRoles;  ///< (mount, name)
  std::map<std::string, std::vector<PolicyRule>> policies;            ///< by name
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> jwtRoles;  ///< policies
  std::map<std::string, std::string> jwtDefaultRole;  ///< auth path -> default_role
  std::int64_t mountMaxTtl = 0;                       ///< fallback max (0 = unknown)
  bool complete = false;
};

/// Facts from the declared Vault objects only.
Facts factsFromDesired(const config::DesiredState& desired);

/// Every finding for every declared job (offline: job files and `facts`).
std::vector<Finding> checkJobs(const config::DesiredState& desired, const Facts& facts);

/// Checks one job file's text (`validate --job`, tests). `file` names it in findings.
std::vector<Finding> checkJobText(const std::string& text, const std::string& file,
                                  const Facts& facts, const std::string& jwtAuthPath = "jwt-nomad");

/// Findings as check-config diagnostics ("preflight.<id>" field, hint appended).
void appendDiagnostics(const std::vector<Finding>& findings, config::Diagnostics& into);

}  // namespace nc::preflight
