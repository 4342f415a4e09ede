// Preflight entry points: facts from the desired state, checks over every declared job, and
// findings as check-config diagnostics.
#include "preflight/preflight.hpp"

namespace nc::preflight {

std::string Finding::toString() const {
  std::string out = where.toString() + ": ";
  if (severity == config::Severity::warning) out += "warning: ";
  return out + "[" + id + "] " + message + " (fix: " + hint + ")";
}

Facts factsFromDesired(const config::DesiredState& desired) {
  Facts f;
  for (const auto& r : desired.vault.pkiRoles)
    f.pkiRoles[{r.mount, r.name}] = roleRulesFrom(r.config);
  for (const auto& p : desired.vault.policies) {
    if (auto rules = parsePolicy(p.text, nullptr)) f.policies[p.name] = std::move(*rules);
  }
  for (const auto& a : desired.vault.auth) {
    if (auto d = config::getString(a.config, "default_role")) f.jwtDefaultRole[a.path] = *d;
    for (const auto& r : a.roles)
      f.jwtRoles[{a.path, r.name}] =
          config::getList(r.config, "token_policies").value_or(std::vector<std::string>{});
  }
  for (const auto& m : desired.vault.mounts)
    if (auto v = config::getInt(m.config, "max_lease_ttl"))
      f.mountMaxTtl = std::max(f.mountMaxTtl, *v);
  return f;
}

std::vector<Finding> checkJobs(const config::DesiredState& desired, const Facts& facts) {
  std::string authPath = "jwt-nomad";
  for (const auto& a : desired.vault.auth)
    if (a.type == "jwt") {
      authPath = a.path;
      break;
    }
  std::vector<Finding> out;
  for (const auto& job : desired.nomad.jobs) {
    if (job.format != config::JobFormat::hcl) continue;
    const std::string& file = job.resolvedPath.empty() ? job.file : job.resolvedPath;
    auto found = checkJobText(job.source, file, facts, authPath);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

void appendDiagnostics(const std::vector<Finding>& findings, config::Diagnostics& into) {
  for (const auto& f : findings)
    into.add({f.severity, f.where, "preflight." + f.id, f.message + " (fix: " + f.hint + ")"});
}

}  // namespace nc::preflight
