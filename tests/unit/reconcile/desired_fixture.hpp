// A desired state with one resource of every kind, for reconciler and controller tests.
#pragma once

#include "config/desired_state.hpp"
#include "field_helpers.hpp"

namespace nc::reconcile::testing {

inline const char* kJobJson =
    R"({"ID":"web","Name":"web","Type":"service","Meta":{"team":"a"},"TaskGroups":[{"Name":"g","Count":1}]})";

inline config::DesiredState fullDesired(config::Mode mode = config::Mode::enforce) {
  config::DesiredState d;
  d.defaults.mode = mode;
  config::VaultMountSpec m;
  m.path = "pki-int";
  m.type = "pki";
  m.description = "workload CA";
  m.config = {{"max_lease_ttl", fDur(31536000)}};
  d.vault.mounts.push_back(m);
  config::PkiRoleSpec r;
  r.mount = "pki-int";
  r.name = "nomad-job";
  r.config = {{"allowed_domains", fList({"service.consul", "nomad.local"})},
              {"allow_subdomains", fBool(true)},
              {"key_type", fStr("ec")},
              {"key_bits", fInt(0)},
              {"ttl", fDur(86400)},
              {"max_ttl", fDur(604800)}};
  d.vault.pkiRoles.push_back(r);
  config::PolicySpec p;
  p.name = "nomad-job-pki";
  p.text = "# issue certs\npath \"pki-int/issue/nomad-job\" {\n  capabilities = [\"update\"]\n}\n";
  d.vault.policies.push_back(p);
  config::AuthMethodSpec a;
  a.path = "jwt-nomad";
  a.type = "jwt";
  a.description = "Nomad workload identity";
  a.config = {{"jwks_url", fStr("http://127.0.0.1:4646/.well-known/jwks.json")},
              {"jwt_supported_algs", fList({"RS256", "EdDSA"})},
              {"default_role", fStr("nomad-workloads")}};
  config::AuthRoleSpec ar;
  ar.name = "nomad-workloads";
  ar.config = {{"role_type", fStr("jwt")},
               {"bound_audiences", fList({"vault.io"})},
               {"user_claim", fStr("/nomad_job_id")},
               {"user_claim_json_pointer", fBool(true)},
               {"claim_mappings", fMap({{"nomad_job_id", "nomad_job_id"}})},
               {"token_type", fStr("service")},
               {"token_period", fDur(1800)},
               {"token_policies", fList({"nomad-job-pki"})},
               {"bound_claims", fClaims({})}};
  a.roles.push_back(ar);
  d.vault.auth.push_back(a);
  config::JobSpec j;
  j.id = "web";
  j.source = kJobJson;
  j.format = config::JobFormat::hcl;  // the fake parse returns the text as the api.Job JSON
  d.nomad.jobs.push_back(j);
  return d;
}

}  // namespace nc::reconcile::testing
