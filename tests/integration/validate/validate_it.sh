#!/usr/bin/env bash
# Integration test of `nomad-certd validate` against vault-sim and nomad-sim: bootstraps the
# simulators (PKI root + intermediate, role, policy, JWT auth at nomad-sim's JWKS), expects a
# pass, then a fail once the policy no longer grants the issue path; the test job must be
# purged in both cases. Usage: validate_it.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d /tmp/nc-validate-it.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_sim NAME CMD...: starts it in this shell (so cleanup knows its pid); URL in $sim_url.
start_sim() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 400); do
    if grep -q 'listening on' "$work/$name.out" 2>/dev/null; then
      sim_url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/$name.out" | head -1)
      return 0
    fi
    sleep 0.05
  done
  fail "$name did not start: $(cat "$work/$name.err")"
}
start_sim vault "$build/sim/vault/vault-sim" --listen 127.0.0.1:0 --root-token root
VAULT_ADDR=$sim_url
mkdir -p "$work/data"
start_sim nomad "$build/sim/nomad/nomad-sim" --listen 127.0.0.1:0 --vault-addr "$VAULT_ADDR" --data-dir "$work/data"
NOMAD_ADDR=$sim_url
vault() { curl -sS --fail-with-body -X "$1" -H "X-Vault-Token: root" ${3:+--data "$3"} "$VAULT_ADDR/v1/$2"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
js() { python3 -c 'import json,sys; print(json.dumps({sys.argv[1]: sys.argv[2]}))' "$1" "$2"; }

vault POST sys/mounts/pki '{"type":"pki","config":{"max_lease_ttl":"87600h"}}' >/dev/null
vault POST pki/root/generate/internal '{"common_name":"IT Root","ttl":"87600h","key_type":"ec"}' >/dev/null
vault POST sys/mounts/pki-int '{"type":"pki","config":{"max_lease_ttl":"8760h"}}' >/dev/null
csr=$(vault POST pki-int/intermediate/generate/internal '{"common_name":"IT Intermediate","key_type":"ec"}' | jq_ "['data']['csr']")
signed=$(vault POST pki/root/sign-intermediate "$(python3 -c 'import json,sys; print(json.dumps({"csr":sys.argv[1],"format":"pem_bundle","ttl":"43800h"}))' "$csr")" | jq_ "['data']['certificate']")
vault POST pki-int/intermediate/set-signed "$(js certificate "$signed")" >/dev/null
vault POST pki-int/roles/nomad-job '{"allowed_domains":["service.consul"],"allow_subdomains":true,"allow_localhost":false,"key_type":"ec","key_bits":256,"ttl":"24h","max_ttl":"168h"}' >/dev/null
vault POST sys/policies/acl/nomad-job-pki "$(js policy "$(cat "$src/config/policies/nomad-job-pki.hcl")")" >/dev/null
vault POST sys/auth/jwt-nomad '{"type":"jwt"}' >/dev/null
vault POST auth/jwt-nomad/config "{\"jwks_url\":\"$NOMAD_ADDR/.well-known/jwks.json\",\"jwt_supported_algs\":[\"RS256\",\"EdDSA\"],\"default_role\":\"nomad-workloads\"}" >/dev/null
vault POST auth/jwt-nomad/role/nomad-workloads '{"role_type":"jwt","bound_audiences":["vault.io"],"user_claim":"/nomad_job_id","user_claim_json_pointer":true,"token_type":"service","token_period":"30m","token_policies":["nomad-job-pki"]}' >/dev/null

cp -r "$src/config" "$work/config"
sed -i "s#jwks_url: .*#jwks_url: $NOMAD_ADDR/.well-known/jwks.json#" "$work/config/desired-state.yaml"
printf 'desired_state: desired-state.yaml\nvault:\n  address: %s\nnomad:\n  address: %s\nalerts:\n  spool_dir: %s/spool\n' \
  "$VAULT_ADDR" "$NOMAD_ADDR" "$work" >"$work/config/config.yaml"
export VAULT_TOKEN=root

set +e
"$build/daemon/nomad-certd" validate --config "$work/config/config.yaml" --timeout 60s >"$work/pass.out" 2>&1
rc=$?
set -e
cat "$work/pass.out"
[ $rc = 0 ] || fail "validate exit $rc, expected 0"
grep -q 'validate: PASS' "$work/pass.out" || fail "no PASS line"
code=$(curl -s -o /dev/null -w '%{http_code}' "$NOMAD_ADDR/v1/job/cert-test-job")
[ "$code" = 404 ] || fail "test job still registered after a pass (HTTP $code)"

# The policy now grants another path only: the template can never render -> fail + cleanup.
vault POST sys/policies/acl/nomad-job-pki "$(js policy 'path "pki-int/issue/other" { capabilities = ["update"] }')" >/dev/null
set +e
"$build/daemon/nomad-certd" validate --config "$work/config/config.yaml" --timeout 8s --job-name denied-test >"$work/fail.out" 2>&1
rc=$?
set -e
cat "$work/fail.out"
[ $rc = 1 ] || fail "validate exit $rc with a denying policy, expected 1"
grep -q 'validate: FAIL' "$work/fail.out" || fail "no FAIL line"
grep -q 'cleanup (stop + purge) *pass' "$work/fail.out" || fail "cleanup not reported as done"
grep -Eq 'task events show the template rendered +FAIL +.*Template failed' "$work/fail.out" \
  || fail "the template failure is not reported from the task events"
grep -q 'task events show the template rendered *pass' "$work/pass.out" || fail "template not reported rendered on a pass"
code=$(curl -s -o /dev/null -w '%{http_code}' "$NOMAD_ADDR/v1/job/denied-test")
[ "$code" = 404 ] || fail "test job still registered after a failure (HTTP $code)"
# --job FILE: one of the real jobs (the batch job's prestart task fetches its certificate into
# alloc/data/tls/), with the policy granting the issue path again. It keeps the job's own name
# here: nomad-sim sets NOMAD_JOB_NAME to the job ID (real Nomad: the job's Name), which the
# template's common name is built from.
vault POST sys/policies/acl/nomad-job-pki "$(js policy "$(cat "$src/config/policies/nomad-job-pki.hcl")")" >/dev/null
set +e
"$build/daemon/nomad-certd" validate --config "$work/config/config.yaml" --timeout 60s \
  --job "$work/config/jobs/batch-with-certs.nomad.hcl" --job-name batch-with-certs >"$work/job.out" 2>&1
rc=$?
set -e
cat "$work/job.out"
[ $rc = 0 ] || fail "validate --job exit $rc, expected 0"
grep -q 'CN batch-with-certs.service.consul' "$work/job.out" || fail "--job did not check the job's own certificate"
code=$(curl -s -o /dev/null -w '%{http_code}' "$NOMAD_ADDR/v1/job/batch-with-certs")
[ "$code" = 404 ] || fail "validate --job left its job registered (HTTP $code)"
echo "validate integration: OK"
