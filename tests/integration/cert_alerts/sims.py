"""vault-sim and nomad-sim for the certificate alert tests: started on free loopback ports,
Vault bootstrapped as an operator would (root and intermediate CA, PKI role, JWT auth for
workload identity), jobs registered through Nomad's parse + register API, the /_sim/ template
controls, and a webhook receiver that records every delivery (standard library only)."""
import hashlib
import hmac
import http.server
import json
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.request

ROOT_TOKEN_ENV = "VAULT_TOKEN"


def request(method, url, body=None, headers=None, timeout=10):
    """(status, parsed JSON or text) of one request; HTTP errors are answers too."""
    data = None
    if body is not None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text) if text else {}
    except ValueError:
        return status, text


class Sim:
    """A simulator process; its URL comes from its `listening on URL` line."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        if "listening on " not in line:
            self.proc.kill()
            raise RuntimeError(f"{argv[0]} did not start: {line!r}")
        self.url = line.split("listening on ", 1)[1].split()[0]
        # Keep draining stdout so the simulator never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


class Vault(Sim):
    def __init__(self, binary, root_token):
        super().__init__([binary, "--listen", "127.0.0.1:0", "--root-token", root_token])
        self.token = root_token

    def call(self, method, path, body=None):
        status, doc = request(method, f"{self.url}/v1/{path}", body,
                              {"X-Vault-Token": self.token, "Content-Type": "application/json"})
        if status >= 300:
            raise AssertionError(f"vault {method} {path}: {status} {doc}")
        return doc

    def bootstrap(self, jwks_url):
        """Root CA in pki/, intermediate in pki-int/, role nomad-job, JWT auth jwt-nomad."""
        self.call("POST", "sys/mounts/pki", {"type": "pki", "config": {"max_lease_ttl": "87600h"}})
        self.call("POST", "pki/root/generate/internal", {"common_name": "Test Root", "ttl": "87600h"})
        self.call("POST", "sys/mounts/pki-int", {"type": "pki", "config": {"max_lease_ttl": "43800h"}})
        csr = self.call("POST", "pki-int/intermediate/generate/internal",
                        {"common_name": "Test Intermediate", "key_type": "ec"})["data"]["csr"]
        cert = self.call("POST", "pki/root/sign-intermediate",
                         {"csr": csr, "format": "pem", "ttl": "43800h"})["data"]["certificate"]
        self.call("POST", "pki-int/intermediate/set-signed", {"certificate": cert})
        self.call("POST", "pki-int/roles/nomad-job",
                  {"allowed_domains": ["service.consul"], "allow_subdomains": True,
                   "key_type": "ec", "key_bits": 256, "max_ttl": "72h"})
        self.call("PUT", "sys/policies/acl/nomad-job-pki",
                  {"policy": 'path "pki-int/issue/nomad-job" {\n  capabilities = ["update"]\n}\n'})
        self.call("POST", "sys/auth/jwt-nomad", {"type": "jwt"})
        self.call("POST", "auth/jwt-nomad/config",
                  {"jwks_url": jwks_url, "jwt_supported_algs": ["RS256", "EdDSA"],
                   "default_role": "nomad-workloads"})
        self.call("POST", "auth/jwt-nomad/role/nomad-workloads",
                  {"role_type": "jwt", "bound_audiences": ["vault.io"],
                   "user_claim": "/nomad_job_id", "user_claim_json_pointer": True,
                   "token_type": "service", "token_period": "30m",
                   "token_policies": ["nomad-job-pki"]})

    def issue(self, common_name, ttl):
        return self.call("POST", "pki-int/issue/nomad-job",
                         {"common_name": common_name, "ttl": ttl})["data"]


class Nomad(Sim):
    def __init__(self, binary, vault_url, data_dir):
        super().__init__([binary, "--listen", "127.0.0.1:0", "--vault-addr", vault_url,
                          "--data-dir", data_dir, "--vault-retry-attempts", "2",
                          "--vault-retry-base-ms", "50"])

    def call(self, method, path, body=None):
        status, doc = request(method, self.url + path, body)
        if status >= 300:
            raise AssertionError(f"nomad {method} {path}: {status} {doc}")
        return doc

    def register(self, hcl):
        job = self.call("POST", "/v1/jobs/parse", {"JobHCL": hcl})
        return self.call("PUT", "/v1/jobs", {"Job": job})

    def allocations(self, job):
        return self.call("GET", f"/v1/job/{job}/allocations")

    def requests(self, method, path):
        """How many `method path` requests nomad-sim has answered (/_sim/counters)."""
        return self.call("GET", "/_sim/counters").get("paths", {}).get(path, {}).get(method, 0)

    def templates(self, job):
        return self.call("GET", f"/_sim/templates?job={job}")

    def pause_renewals(self, job, paused=True):
        self.call("POST", "/_sim/templates/renewals", {"job": job, "paused": paused})

    def fail_templates(self, job, error):
        self.call("POST", "/_sim/templates/fail", {"job": job, "error": error})

    def restart_client(self):
        self.call("POST", "/_sim/client/restart", {})


def job_hcl(name, ttl, meta="1"):
    """A service job whose task `app` gets <name>.service.consul in secrets/cert.pem from a
    Nomad template (workload identity login, pki-int/issue/nomad-job)."""
    return f'''job "{name}" {{
  datacenters = ["*"]
  type        = "service"
  group "app" {{
    count = 1
    meta {{
      attempt = "{meta}"
    }}
    task "app" {{
      driver = "docker"
      config {{
        image = "busybox:1.36"
      }}
      vault {{
        role = "nomad-workloads"
      }}
      identity {{
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }}
      template {{
        destination = "secrets/cert.pem"
        change_mode = "noop"
        data        = <<-EOT
          {{{{- with secret "pki-int/issue/nomad-job" "common_name={name}.service.consul" "ttl={ttl}" -}}}}
          {{{{ .Data.certificate }}}}
          {{{{- end }}}}
        EOT
      }}
      resources {{
        cpu    = 100
        memory = 64
      }}
    }}
  }}
}}
'''


class Webhook:
    """Records every POST: (headers, JSON body, signature ok). With a secret, checks the
    X-Nomad-Certd-Signature header against HMAC-SHA256 of the raw body."""

    def __init__(self, port, secret=None, fail=False):
        self.deliveries = []
        self.fail = fail
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = None
                if secret is not None:
                    want = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
                    ok = hmac.compare_digest(want, self.headers.get("X-Nomad-Certd-Signature", ""))
                if owner.fail:
                    self.send_response(503)
                else:
                    owner.deliveries.append((dict(self.headers), json.loads(raw), ok, raw))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{port}/alerts"

    def alerts(self, job=None, name=None, status=None, severity=None):
        """Every alert delivered so far, oldest first, filtered."""
        out = []
        for _, body, _, _ in list(self.deliveries):
            for a in body["alerts"]:
                labels = a["labels"]
                if job is not None and labels.get("job") != job:
                    continue
                if name is not None and labels.get("alertname") != name:
                    continue
                if status is not None and a["status"] != status:
                    continue
                if severity is not None and labels.get("severity") != severity:
                    continue
                out.append(a)
        return out

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
