"""TLS for the fault suite: test CAs and server certificates made with the `openssl` CLI
(a good CA, a foreign CA, an expired certificate from the good CA), and a SimEnv whose vault-sim
serves HTTPS and can be restarted on the same port with another certificate."""
import json
import os
import ssl
import subprocess
import tempfile
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "secrets"))
from simenv import SimEnv, SimProcess  # noqa: E402

CA_CONFIG = """[ca]
default_ca = ca_default
[ca_default]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[policy_any]
commonName = supplied
[server]
subjectAltName = IP:127.0.0.1,DNS:localhost
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
"""


def openssl(cwd, *args):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"openssl {args[0]} failed: {r.stderr}")


class TestCa:
    """A CA in its own folder; `server(name, start, end)` returns (cert, key) paths of a
    certificate for 127.0.0.1 valid from start to end (openssl ca dates, YYYYMMDDHHMMSSZ)."""

    def __init__(self, folder, cn):
        self.dir = folder
        os.makedirs(folder)
        with open(os.path.join(folder, "ca.cnf"), "w") as f:
            f.write(CA_CONFIG)
        open(os.path.join(folder, "index.txt"), "w").close()
        with open(os.path.join(folder, "serial"), "w") as f:
            f.write("1000\n")
        openssl(folder, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", f"/CN={cn}")
        self.cert = os.path.join(folder, "ca.pem")

    def server(self, name, start=None, end=None):
        openssl(self.dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=127.0.0.1")
        dates = (["-startdate", start, "-enddate", end] if start else ["-days", "7"])
        openssl(self.dir, "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile",
                "ca.key", "-in", f"{name}.csr", "-out", f"{name}.pem", "-extensions", "server",
                "-notext", *dates)
        return os.path.join(self.dir, f"{name}.pem"), os.path.join(self.dir, f"{name}.key")


class TlsSimEnv(SimEnv):
    """SimEnv with vault-sim on HTTPS (certificates from `good`, a TestCa); nomad-sim is given
    the https address too. `serve(cert, key)` restarts vault-sim on the same port with another
    certificate (its state survives through the state file)."""

    def __init__(self, build_dir, root_token):
        self.tmp = tempfile.TemporaryDirectory(prefix="nc-faults-tls-")
        self.path = self.tmp.name
        self.root_token = root_token
        self.nomad_token = None
        self.daemon_token = None
        self.data_dir = os.path.join(self.path, "nomad-data")
        os.makedirs(self.data_dir)
        self.good = TestCa(os.path.join(self.path, "ca-good"), "Good Test CA")
        self.foreign = TestCa(os.path.join(self.path, "ca-foreign"), "Foreign Test CA")
        self.good_cert = self.good.server("vault")
        self.base_argv = [os.path.join(build_dir, "sim/vault/vault-sim"), "--root-token",
                          root_token, "--state-file", os.path.join(self.path, "vault-state.json")]
        self.vault = SimProcess("vault", self.tls_argv(*self.good_cert), self.path)
        self.vault.start()
        self.context = ssl.create_default_context(cafile=self.good.cert)
        self.nomad = SimProcess("nomad", [os.path.join(build_dir, "sim/nomad/nomad-sim"),
                                          "--vault-addr", self.vault.address,
                                          "--data-dir", self.data_dir], self.path)
        self.nomad.start()

    def tls_argv(self, cert, key, client_ca=None):
        extra = ["--tls-client-ca", client_ca] if client_ca else []
        return self.base_argv + ["--tls-cert", cert, "--tls-key", key] + extra

    def serve(self, cert, key, client_ca=None):
        """Restarts vault-sim with this certificate (and, with client_ca, requiring client
        certificates signed by it)."""
        self.vault.argv = self.tls_argv(cert, key, client_ca)
        self.vault.restart()

    def vault_call(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.vault.address}/v1/{path}", data=data, method=method,
                                     headers={"X-Vault-Token": token or self.root_token})
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.context) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            raise AssertionError(f"vault {method} {path}: {e.code} {e.read().decode()}")
        return json.loads(text) if text.strip() else {}
