"""Fixtures of the scale harness: simulators bootstrapped as an operator would, desired-state
files (PKI roles, policies, jobs) and population of the simulators through their APIs."""
import json
import os
import shutil

from sims import Client, Counters, parallel, start_sim

ROOT_TOKEN = "bench-root-token"
MOUNT = "pki-int"
LEAF_ROLE = "bench-leaf"      # unmanaged role used once to issue the certificate jobs hold
CERT_CN = "bench.service.consul"


def role_name(i):
    return f"role-{i:04d}"


def role_config(i):
    return {"allowed_domains": [f"svc{i}.service.consul"], "allow_subdomains": True,
            "allow_bare_domains": False, "enforce_hostnames": True, "key_type": "ec",
            "key_bits": 256, "ttl": "24h", "max_ttl": "72h"}


def policy_name(i):
    return f"pol-{i:04d}"


def policy_text(i):
    return (f'path "{MOUNT}/issue/{role_name(i)}" {{\n  capabilities = ["update"]\n}}\n')


def job_id(i):
    return f"bench-{i:05d}"


def job_hcl(i, count, cert_pem):
    tmpl = ""
    if cert_pem:
        tmpl = ('      template {\n        destination = "local/cert.pem"\n'
                '        change_mode = "noop"\n        data = <<EOT\n' + cert_pem.strip() +
                "\nEOT\n      }\n")
    return (f'job "{job_id(i)}" {{\n  datacenters = ["dc1"]\n  type = "service"\n'
            f'  group "g" {{\n    count = {count}\n    task "t" {{\n      driver = "docker"\n'
            f'      config {{\n        image = "nginx:1"\n      }}\n{tmpl}    }}\n  }}\n}}\n')


class Env:
    """vault-sim + nomad-sim on free loopback ports, bootstrapped (PKI mount with a root CA)."""

    def __init__(self, build, workdir, name):
        self.dir = os.path.join(workdir, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "nomad-data"))
        self.vault_proc, self.vault_url = start_sim(
            "vault-sim", [os.path.join(build, "sim/vault/vault-sim"), "--listen", "127.0.0.1:0",
                          "--root-token", ROOT_TOKEN], self.dir)
        self.nomad_proc, self.nomad_url = start_sim(
            "nomad-sim", [os.path.join(build, "sim/nomad/nomad-sim"), "--listen", "127.0.0.1:0",
                          "--data-dir", os.path.join(self.dir, "nomad-data")], self.dir)
        self.vault = Client(self.vault_url, {"X-Vault-Token": ROOT_TOKEN})
        self.nomad = Client(self.nomad_url)
        self.vault_counters = Counters(self.vault)
        self.nomad_counters = Counters(self.nomad)
        self.cert_pem = ""

    def bootstrap_vault(self):
        v = self.vault
        v.ok("POST", f"/v1/sys/mounts/{MOUNT}",
             {"type": "pki", "config": {"default_lease_ttl": "24h", "max_lease_ttl": "87600h"}})
        v.ok("POST", f"/v1/{MOUNT}/root/generate/internal",
             {"common_name": "Bench Root CA", "ttl": "87600h", "key_type": "ec"})
        v.ok("POST", f"/v1/{MOUNT}/roles/{LEAF_ROLE}",
             {"allowed_domains": ["service.consul"], "allow_subdomains": True, "key_type": "ec",
              "max_ttl": "8760h"})
        issued = v.ok("POST", f"/v1/{MOUNT}/issue/{LEAF_ROLE}",
                      {"common_name": CERT_CN, "ttl": "8000h"})
        self.cert_pem = issued["data"]["certificate"]

    def populate_vault(self, roles, policies, workers=8):
        parallel(lambda i: self.vault.ok("POST", f"/v1/{MOUNT}/roles/{role_name(i)}",
                                         role_config(i)), range(roles), workers)
        parallel(lambda i: self.vault.ok("PUT", f"/v1/sys/policies/acl/{policy_name(i)}",
                                         {"policy": policy_text(i)}), range(policies), workers)

    def populate_jobs(self, jobs, count, with_cert, workers=8):
        """Registers the jobs as nomad-certd would: parsed HCL plus Meta managed-by."""
        def one(i):
            parsed = self.nomad.ok("POST", "/v1/jobs/parse",
                                   {"JobHCL": job_hcl(i, count, self.cert_pem if with_cert else ""),
                                    "Canonicalize": True})
            parsed.setdefault("Meta", None)
            parsed["Meta"] = dict(parsed["Meta"] or {}, **{"managed-by": "nomad-certd"})
            parsed["Namespace"] = "default"
            self.nomad.ok("POST", "/v1/jobs", {"Job": parsed})
        parallel(one, range(jobs), workers)

    def running_allocs(self):
        """Running allocations over all jobs, from the job list's summaries."""
        stubs = self.nomad.ok("GET", "/v1/jobs")
        n = 0
        for s in stubs:
            for g in ((s.get("JobSummary") or {}).get("Summary") or {}).values():
                n += g.get("Running", 0)
        return n

    def stop(self):
        for p in (self.nomad_proc, self.vault_proc):
            p.stop()


def write_desired(path, roles, policies, jobs, count, cert_pem, certificates):
    """desired-state.yaml with its policy and job files next to it."""
    base = os.path.dirname(path)
    os.makedirs(os.path.join(base, "policies"), exist_ok=True)
    os.makedirs(os.path.join(base, "jobs"), exist_ok=True)
    out = ["version: 1", "defaults:", "  mode: enforce", "  prune: false", "vault:"]
    out.append("  pki_roles:" if roles else "  pki_roles: []")
    for i in range(roles):
        out += [f"    - mount: {MOUNT}", f"      name: {role_name(i)}",
                f"      config: {json.dumps(role_config(i))}"]
    out.append("  policies:" if policies else "  policies: []")
    for i in range(policies):
        with open(os.path.join(base, "policies", policy_name(i) + ".hcl"), "w") as f:
            f.write(policy_text(i))
        out += [f"    - name: {policy_name(i)}", f"      file: policies/{policy_name(i)}.hcl"]
    out.append("nomad:")
    out.append("  jobs:" if jobs else "  jobs: []")
    for i in range(jobs):
        fname = f"jobs/{job_id(i)}.nomad.hcl"
        with open(os.path.join(base, fname), "w") as f:
            f.write(job_hcl(i, count, cert_pem))
        out.append(f"    - file: {fname}")
        if certificates:
            out += ["      certificates:", "        - task: t", "          path: local/cert.pem",
                    f"          common_name: {CERT_CN}"]
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_config(path, env, desired, interval, scan_interval, concurrency, health_port,
                 writes_per_second=50, level="warn", recheck_interval=None):
    spool = os.path.join(os.path.dirname(path), "spool")
    os.makedirs(spool, exist_ok=True)
    text = f"""desired_state: {desired}
vault:
  address: {env.vault_url}
nomad:
  address: {env.nomad_url}
reconcile:
  interval: {interval}
  jitter: 0s
  mode: enforce
  max_writes_per_second: {writes_per_second}
  leader_election:
    enabled: false
certificates:
  scan_interval: {scan_interval}
  concurrency: {concurrency}
{f"  recheck_interval: {recheck_interval}" if recheck_interval else ""}
alerts:
  spool_dir: {spool}
  sinks:
    - name: log
      type: log
health:
  enabled: {"true" if health_port else "false"}
  listen: 127.0.0.1:{health_port or 9102}
log:
  format: text
  level: {level}
"""
    with open(path, "w") as f:
        f.write(text)


def daemon_env():
    env = dict(os.environ)
    env.update({"VAULT_TOKEN": ROOT_TOKEN, "NOMAD_TOKEN": ""})
    for k in ("VAULT_ADDR", "NOMAD_ADDR", "CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET"):
        env.pop(k, None)
    return env

