"""Secret hygiene: nomad-certd runs against vault-sim and nomad-sim with distinctive tokens (Vault
root and daemon tokens, the Nomad ACL token from a token file, a webhook Authorization header)
and allocations holding private keys and workload Vault tokens, through the daemon at debug
level, its error paths (revoked token, Nomad 403, certificates declared on key files), /status,
/metrics, /readyz, the spool files and the plan/apply/certs/check-config/validate commands;
no secret may appear anywhere, spool files are 0600, and insecure TLS logs a warning at every
start. Usage: secret_hygiene_test.py BUILD_DIR [unittest args]"""
import glob
import json
import os
import signal
import stat
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Daemon, wait_until  # noqa: E402
from simenv import SimEnv, request  # noqa: E402

BUILD = None
ROOT_TOKEN = "hvs.ROOTsecret-4b9e1f7a-do-not-print"
NOMAD_TOKEN = "0c3f9a2e-NOMADsecret-77d1-do-not-print"
WEBHOOK_SECRET = "Bearer WEBHOOKsecret-91aa3c-do-not-print"

EXTRA_CERTS = """          critical_before: 2h
        - task: proxy
          path: secrets/key.pem
          common_name: service-template.service.consul
        - task: proxy
          path: secrets/vault_token
          common_name: service-template.service.consul
"""


def add_key_declarations(text):
    assert "          critical_before: 2h\n" in text
    return text.replace("          critical_before: 2h\n", EXTRA_CERTS, 1)


class Workdir:
    def __init__(self, config):
        self.config = config


def pem_body_lines(text):
    """The base64 lines of every PEM block (long enough to be unique)."""
    return [l.strip() for l in text.splitlines()
            if l.strip() and not l.startswith("-----") and len(l.strip()) >= 24]


class SecretHygieneTest(unittest.TestCase):
    def setUp(self):
        self.env = SimEnv(BUILD, ROOT_TOKEN, NOMAD_TOKEN)
        self.addCleanup(self.env.cleanup)
        self.daemon_token = self.env.bootstrap()
        self.outputs = []  # (where, text) of everything the product printed or served
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()

    def config(self, **kw):
        cfg = self.env.config_dir(desired_edit=add_key_declarations, sinks=[
            "    - {name: log, type: log}",
            "    - name: hook",
            "      type: webhook",
            "      url: http://127.0.0.1:9/never-answers",  # discard port: delivery fails, alerts stay spooled
            "      initial_backoff: 60s",
            "      headers:",
            f"        Authorization: \"{WEBHOOK_SECRET}\"",
        ], **kw)
        token_file = os.path.join(self.env.path, "nomad-token")
        with open(token_file, "w") as f:
            f.write(NOMAD_TOKEN + "\n")
        os.chmod(token_file, 0o600)
        with open(cfg) as f:
            text = f.read()
        text = text.replace("nomad:\n  address:", f"nomad:\n  token_file: {token_file}\n  address:")
        with open(cfg, "w") as f:
            f.write(text)
        return cfg

    def start(self, cfg, env=None):
        e = {"VAULT_TOKEN": self.daemon_token, "NOMAD_TOKEN": ""}
        e.update(env or {})
        d = Daemon(os.path.join(BUILD, "daemon/nomad-certd"), Workdir(cfg), e)
        self.daemons.append(d)
        d.wait_for_url(timeout=60)
        return d

    def cli(self, *args, token=None):
        env = dict(os.environ, VAULT_TOKEN=token or self.daemon_token, NOMAD_TOKEN=NOMAD_TOKEN)
        p = subprocess.run([os.path.join(BUILD, "daemon/nomad-certd"), *args], capture_output=True,
                           text=True, env=env, timeout=180)
        self.outputs.append((f"nomad-certd {' '.join(args)}", p.stdout + p.stderr))
        return p.returncode, p.stdout + p.stderr

    def serve(self, d, where):
        for path in ("/healthz", "/readyz", "/metrics", "/status"):
            status, _, body = d.get(path)
            self.outputs.append((f"{where} GET {path}", body))

    def secrets(self):
        """Every secret value: tokens, the webhook header, and what the allocations hold."""
        values = {"vault root token": ROOT_TOKEN, "vault daemon token": self.daemon_token,
                  "nomad token": NOMAD_TOKEN, "webhook header": WEBHOOK_SECRET.split()[1]}
        keys = 0
        for path in self.env.files_under(self.env.data_dir):
            with open(path, errors="replace") as f:
                text = f.read()
            if "PRIVATE KEY" in text:
                keys += 1
                for i, line in enumerate(pem_body_lines(text.split("PRIVATE KEY-----", 1)[1])):
                    values[f"private key {path} line {i}"] = line
            elif path.endswith("vault_token") and text.strip():
                values[f"workload token {path}"] = text.strip()
        return values, keys

    def assert_no_secret(self):
        values, keys = self.secrets()
        self.assertGreater(keys, 0, "no private key was rendered into an allocation")
        for where, text in self.outputs:
            for name, value in values.items():
                self.assertNotIn(value, text, f"{name} appears in {where}")

    def test_daemon_run_at_debug_level_leaks_nothing(self):
        cfg = self.config()
        d = self.start(cfg)
        # Enforce mode registers the jobs; the templates render keys into the allocations.
        wait_until(lambda: glob.glob(os.path.join(self.env.data_dir, "**", "key.pem"),
                                     recursive=True), timeout=60, what="a rendered key.pem")
        d.wait_for_log("certificate cycle 3", timeout=60)
        # The key file and the workload token declared as certificates: invalid, not echoed.
        wait_until(lambda: "CertificateInvalid" in d.get("/status")[2], timeout=30,
                   what="CertificateInvalid for the key file")
        self.serve(d, "healthy")
        # Error paths: the daemon's Vault token revoked; Nomad answering 403.
        self.env.vault_call("POST", "auth/token/revoke", {"token": self.daemon_token})
        self.env.fault("nomad", {"prefix": "/v1/", "status": 403,
                                 "body": "Permission denied"})
        cycles = sum("certificate cycle" in l for l in d.lines)
        wait_until(lambda: sum("certificate cycle" in l for l in d.lines) >= cycles + 2,
                   timeout=30, what="two more certificate cycles")
        wait_until(lambda: d.get("/readyz")[0] == 503, timeout=30, what="not ready")
        self.serve(d, "failing")
        d.signal(signal.SIGHUP)
        d.wait_for_log("reload", timeout=20)
        self.env.clear_faults("nomad")
        d.stop()
        self.outputs.append(("daemon log", d.log()))
        # The spool: alerts the webhook could not take; every file 0600.
        spooled = list(self.env.files_under(self.env.spool))
        self.assertTrue(spooled, "nothing spooled")
        for path in spooled:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode, 0o600, f"{path} has mode {oct(mode)}")
            with open(path, errors="replace") as f:
                self.outputs.append((f"spool file {path}", f.read()))
        mode = stat.S_IMODE(os.stat(self.env.spool).st_mode)
        self.assertEqual(mode & 0o077, 0, f"spool dir has mode {oct(mode)}")
        self.assertIn("level\":\"debug", d.log())
        self.assert_no_secret()

    def test_commands_leak_nothing(self):
        cfg = self.config()
        for out in ("text", "json"):
            code, _ = self.cli("check-config", "--config", cfg, "--output", out)
            self.assertIn(code, (0, 2))
        code, text = self.cli("plan", "--config", cfg, "--output", "json")
        self.assertEqual(code, 2, text)
        code, text = self.cli("apply", "--config", cfg, "--yes")
        self.assertEqual(code, 0, text)
        code, text = self.cli("plan", "--config", cfg)
        self.assertIn(code, (0, 2), text)  # batch-with-certs is report-only, so stays missing
        self.assertIn(" 0 errors", text)
        wait_until(lambda: glob.glob(os.path.join(self.env.data_dir, "**", "key.pem"),
                                     recursive=True), timeout=60, what="a rendered key.pem")
        for out in ("text", "json"):
            code, text = self.cli("certs", "--config", cfg, "--output", out)
            self.assertIn(code, (1, 2), text)  # the key file is no certificate
        code, text = self.cli("validate", "--config", cfg, "--timeout", "60s")
        self.assertEqual(code, 0, text)
        # Error paths of the commands: a token Vault refuses.
        code, text = self.cli("plan", "--config", cfg, token="hvs.NOTAVALIDsecret-do-not-print")
        self.assertEqual(code, 1, text)
        self.assertNotIn("hvs.NOTAVALIDsecret-do-not-print", text)
        self.assert_no_secret()

    def test_insecure_tls_warns_at_every_start(self):
        cfg = self.config(log_level="info")
        with open(cfg) as f:
            text = f.read()
        text = text.replace("vault:\n", "vault:\n  tls: {insecure_skip_verify: true}\n", 1)
        with open(cfg, "w") as f:
            f.write(text)
        def tls_warnings(d, peer):
            return [l for l in d.log().splitlines() if '"level":"warn' in l
                    and f"TLS verification of {peer} server certificates is DISABLED" in l]
        for _ in range(2):
            d = self.start(cfg)
            d.stop()
            self.assertEqual(len(tls_warnings(d, "vault")), 1, d.log())
            self.assertEqual(tls_warnings(d, "nomad"), [])
        # Through the environment (NOMAD_SKIP_VERIFY) the warning is logged too.
        cfg2 = self.config(log_level="info")
        d = self.start(cfg2, env={"NOMAD_SKIP_VERIFY": "1"})
        d.stop()
        self.assertEqual(len(tls_warnings(d, "nomad")), 1, d.log())
        self.assertEqual(tls_warnings(d, "vault"), [])

if __name__ == "__main__":
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main()
