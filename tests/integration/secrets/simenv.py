"""vault-sim + nomad-sim for daemon-level tests: start/stop/restart on free loopback ports,
an operator's Vault bootstrap (PKI root and intermediate, JWT mount, a policy and token for
nomad-certd), fault rules through /_sim/faults, and a config folder for the daemon built from
config/ (standard library only). Used by tests/integration/secrets and tests/integration/faults."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def request(method, url, body=None, headers=None, timeout=10):
    """(status, text) of one HTTP request; HTTP errors are answers too."""
    data = None if body is None else (body if isinstance(body, (bytes, str)) else json.dumps(body))
    if isinstance(data, str):
        data = data.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


class SimProcess:
    """One simulator process; `address` is set from its `listening on URL` line."""

    def __init__(self, name, argv, workdir):
        self.name, self.argv, self.workdir = name, argv, workdir
        self.proc = None
        self.address = None
        self.listen = "127.0.0.1:0"

    def start(self):
        out = open(os.path.join(self.workdir, self.name + ".out"), "a")
        err = open(os.path.join(self.workdir, self.name + ".err"), "a")
        self.proc = subprocess.Popen(self.argv + ["--listen", self.listen], stdout=out, stderr=err)
        out.close()
        err.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(os.path.join(self.workdir, self.name + ".out")) as f:
                lines = [l for l in f if "listening on " in l]
            if lines:
                self.address = lines[-1].split("listening on ", 1)[1].split()[0]
                # A restart binds the same port again.
                self.listen = self.address.split("://", 1)[1]
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}: {self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start: {self.output()}")

    def output(self):
        text = ""
        for ext in (".out", ".err"):
            p = os.path.join(self.workdir, self.name + ext)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()
        return text

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        # The old socket may linger briefly; retry the bind.
        for _ in range(50):
            try:
                return self.start()
            except AssertionError:
                self.stop()
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not restart on {self.listen}")


class SimEnv:
    """Both simulators with Vault bootstrapped as an operator would; tokens are distinctive."""

    def __init__(self, build_dir, root_token, nomad_token=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="nc-simenv-")
        self.path = self.tmp.name
        self.root_token = root_token
        self.nomad_token = nomad_token
        self.data_dir = os.path.join(self.path, "nomad-data")
        os.makedirs(self.data_dir)
        self.vault = SimProcess("vault", [os.path.join(build_dir, "sim/vault/vault-sim"),
                                          "--root-token", root_token, "--state-file",
                                          os.path.join(self.path, "vault-state.json")], self.path)
        self.vault.start()
        argv = [os.path.join(build_dir, "sim/nomad/nomad-sim"), "--vault-addr",
                self.vault.address, "--data-dir", self.data_dir]
        if nomad_token:
            argv += ["--acl-token", nomad_token]
        self.nomad = SimProcess("nomad", argv, self.path)
        self.nomad.start()
        self.daemon_token = None

    # Vault as the operator (root token).
    def vault_call(self, method, path, body=None, token=None):
        status, text = request(method, f"{self.vault.address}/v1/{path}", body,
                               {"X-Vault-Token": token or self.root_token})
        if status >= 300:
            raise AssertionError(f"vault {method} {path}: {status} {text}")
        return json.loads(text) if text.strip() else {}

    def bootstrap(self, token_ttl="1h"):
        """The one-off steps nomad-certd does not manage (as scripts/demo.sh does)."""
        v = self.vault_call
        v("POST", "sys/mounts/pki", {"type": "pki", "config": {"max_lease_ttl": "87600h"}})
        v("POST", "pki/root/generate/internal",
          {"common_name": "Test Root", "ttl": "87600h", "key_type": "ec"})
        v("POST", "sys/mounts/pki-int", {"type": "pki", "config": {"default_lease_ttl": "24h",
                                                                     "max_lease_ttl": "8760h"}})
        csr = v("POST", "pki-int/intermediate/generate/internal",
                {"common_name": "Test Intermediate", "key_type": "ec"})["data"]["csr"]
        signed = v("POST", "pki/root/sign-intermediate",
                   {"csr": csr, "format": "pem_bundle", "ttl": "43800h"})["data"]["certificate"]
        v("POST", "pki-int/intermediate/set-signed", {"certificate": signed})
        v("POST", "sys/auth/jwt-nomad", {"type": "jwt", "description": "Nomad workload identity"})
        policy = ('path "sys/*" { capabilities = ["create","read","update","delete","list","sudo"] }\n'
                  'path "auth/*" { capabilities = ["create","read","update","delete","list"] }\n'
                  'path "pki-int/*" { capabilities = ["create","read","update","delete","list"] }')
        v("POST", "sys/policies/acl/nomad-certd", {"policy": policy})
        self.daemon_token = v("POST", "auth/token/create",
                              {"policies": ["nomad-certd"], "ttl": token_ttl,
                               "display_name": "nomad-certd"})["auth"]["client_token"]
        return self.daemon_token

    def config_dir(self, daemon_extra="", health=True, log_level="debug", sinks=None,
                   leader_election=False, interval="3s", scan_interval="2s", desired_edit=None):
        """A copy of config/ pointing at the simulators, and config.yaml for the daemon.
        Returns the config.yaml path."""
        cfg = os.path.join(self.path, "config")
        if os.path.exists(cfg):
            shutil.rmtree(cfg)
        shutil.copytree(os.path.join(SOURCE, "config"), cfg)
        ds = os.path.join(cfg, "desired-state.yaml")
        with open(ds) as f:
            text = f.read()
        import re
        text = re.sub(r"jwks_url: .*", f"jwks_url: {self.nomad.address}/.well-known/jwks.json", text)
        if desired_edit:
            text = desired_edit(text)
        with open(ds, "w") as f:
            f.write(text)
        sinks = sinks or ["    - {name: log, type: log}"]
        self.spool = os.path.join(self.path, "spool")
        config = os.path.join(cfg, "config.yaml")
        with open(config, "w") as f:
            f.write(f"""desired_state: desired-state.yaml
vault:
  address: {self.vault.address}
  auth: {{method: token}}
nomad:
  address: {self.nomad.address}
reconcile:
  mode: enforce
  interval: {interval}
  jitter: 0s
  max_writes_per_second: 50
  leader_election:
    enabled: {"true" if leader_election else "false"}
certificates:
  scan_interval: {scan_interval}
alerts:
  spool_dir: {self.spool}
  sinks:
""" + "\n".join(sinks) + f"""
health:
  enabled: {"true" if health else "false"}
  listen: 127.0.0.1:0
log: {{format: json, level: {log_level}}}
{daemon_extra}""")
        return config

    def fault(self, sim, rule):
        target = self.vault if sim == "vault" else self.nomad
        status, text = request("POST", f"{target.address}/_sim/faults", rule)
        assert status < 300, f"fault rule refused: {status} {text}"

    def clear_faults(self, sim):
        target = self.vault if sim == "vault" else self.nomad
        request("DELETE", f"{target.address}/_sim/faults")

    def sim_post(self, sim, path, body=None):
        target = self.vault if sim == "vault" else self.nomad
        return request("POST", f"{target.address}{path}", body if body is not None else {})

    def files_under(self, root):
        for d, _, files in os.walk(root):
            for name in files:
                yield os.path.join(d, name)

    def stop(self):
        self.nomad.stop()
        self.vault.stop()

    def cleanup(self):
        self.stop()
        self.tmp.cleanup()
