# nomad-job-pki: what a Nomad workload needs to obtain its certificate, and nothing more.
#
# Attached to the tokens of the JWT role jwt-nomad/role/nomad-workloads (token_policies), so
# every task with `vault { role = "nomad-workloads" }` may issue a certificate from the
# nomad-job role of the pki-int mount. Issuing is a write (POST pki-int/issue/nomad-job), which
# Vault checks as the "update" capability. The response already carries the issuing CA and
# the chain, so no read access to pki-int/ca or pki-int/cert/* is granted. Renewing and looking
# up the task's own token is covered by Vault's built-in "default" policy.
#
# Which names a workload may request is limited by the role itself (allowed_domains
# service.consul and nomad.local, subdomains only), not by this policy.

path "pki-int/issue/nomad-job" {
  capabilities = ["update"]
}
