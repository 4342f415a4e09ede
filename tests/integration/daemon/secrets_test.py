"""Secrets of `nomad-certd run`'s own interfaces: the bearer token of /metrics and /status (from
a file, a systemd credential or NOMAD_CERTD_HEALTH_TOKEN) and the webhook's HMAC secret; none
ever appears in a log line, an endpoint or a delivered body.
Usage: secrets_test.py NOMAD_CERTD_BINARY [unittest args]"""
import hashlib
import hmac
import os
import sys
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "cert_alerts"))
from harness import SECRET_TOKEN, Daemon, Workdir, free_port, wait_until  # noqa: E402
import sims  # noqa: E402

BINARY = None
BEARER = "status-bearer-0123456789abcdef"
HMAC_KEY = "hmac-signing-key-fedcba9876543210"


def get_with(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class SecretsTest(unittest.TestCase):
    def setUp(self):
        self.cleanups = []

    def tearDown(self):
        for c in reversed(self.cleanups):
            c()

    def start(self, work, env=None):
        d = Daemon(BINARY, work, env)
        self.cleanups.append(d.stop)
        d.wait_for_url()
        return d

    def check_protected(self, d):
        for path in ("/metrics", "/status"):
            status, _, body = d.get(path)
            self.assertEqual(status, 401, path)
            self.assertNotIn(BEARER, body)
            self.assertEqual(get_with(d.url + path, "wrong-token")[0], 401, path)
            status, body = get_with(d.url + path, BEARER)
            self.assertEqual(status, 200, path)
            self.assertNotIn(BEARER, body)
        # Health probes stay open for the service manager and load balancers.
        self.assertEqual(d.get("/healthz")[0], 200)
        self.assertIn(d.get("/readyz")[0], (200, 503))

    def test_bearer_token_from_file_protects_metrics_and_status(self):
        work = Workdir()
        self.cleanups.append(work.cleanup)
        token_file = os.path.join(work.path, "bearer")
        with open(token_file, "w") as f:
            f.write(BEARER + "\n")  # the trailing newline is not part of the token
        text = open(work.config).read().replace(
            "health:\n  listen: 127.0.0.1:0\n",
            f"health:\n  listen: 127.0.0.1:0\n  bearer_token_file: {token_file}\n")
        open(work.config, "w").write(text)
        d = self.start(work)
        self.check_protected(d)
        d.stop()
        self.assertNotIn(BEARER, d.log())

    def test_bearer_token_from_credential_and_environment(self):
        work = Workdir()
        self.cleanups.append(work.cleanup)
        creds = os.path.join(work.path, "creds")
        os.mkdir(creds)
        with open(os.path.join(creds, "status-token"), "w") as f:
            f.write(BEARER)
        text = open(work.config).read().replace(
            "health:\n  listen: 127.0.0.1:0\n",
            "health:\n  listen: 127.0.0.1:0\n  bearer_token_credential: status-token\n")
        open(work.config, "w").write(text)
        d = self.start(work, {"CREDENTIALS_DIRECTORY": creds})
        self.check_protected(d)
        d.stop()
        self.assertNotIn(BEARER, d.log())
        # A named credential that systemd did not provide is a start-up error.
        os.remove(os.path.join(creds, "status-token"))
        bad = Daemon(BINARY, work, {"CREDENTIALS_DIRECTORY": creds})
        self.cleanups.append(bad.stop)
        self.assertEqual(bad.wait(), 1)
        self.assertIn("health.bearer_token_credential", bad.log())
        # Without a credential key: the environment variable.
        env_work = Workdir()
        self.cleanups.append(env_work.cleanup)
        d = self.start(env_work, {"NOMAD_CERTD_HEALTH_TOKEN": BEARER})
        self.check_protected(d)

    def test_webhook_bodies_are_signed_with_the_credential(self):
        port = free_port()
        hook = sims.Webhook(port, secret=HMAC_KEY)
        self.cleanups.append(hook.stop)
        sink = (f'    - {{name: hook, type: webhook, url: "{hook.url}", '
                'hmac_secret_credential: hook-key, initial_backoff: 200ms, max_backoff: 1s}')
        work = Workdir(sinks=[sink])
        self.cleanups.append(work.cleanup)
        creds = os.path.join(work.path, "creds")
        os.mkdir(creds)
        with open(os.path.join(creds, "hook-key"), "w") as f:
            f.write(HMAC_KEY + "\n")
        d = self.start(work, {"CREDENTIALS_DIRECTORY": creds})
        # Vault and Nomad do not answer: two BackendUnavailable alerts reach the webhook.
        wait_until(lambda: len(hook.alerts(name="BackendUnavailable")) >= 2, 30, 0.2,
                   "BackendUnavailable alerts delivered")
        for headers, body, ok, raw in hook.deliveries:
            self.assertTrue(ok, headers)
            want = hmac.new(HMAC_KEY.encode(), raw, hashlib.sha256).hexdigest()
            self.assertEqual(headers["X-Nomad-Certd-Signature"], "sha256=" + want)
            self.assertNotIn(HMAC_KEY.encode(), raw)
        status, body = get_with(d.url + "/status", "")
        self.assertNotIn(HMAC_KEY, body)
        d.stop()
        self.assertNotIn(HMAC_KEY, d.log())
        self.assertNotIn(SECRET_TOKEN, d.log())

    def test_hmac_secret_on_a_non_webhook_sink_is_rejected(self):
        work = Workdir(sinks=["    - {name: log, type: log, hmac_secret_file: /etc/hostname}"])
        self.cleanups.append(work.cleanup)
        d = Daemon(BINARY, work)
        self.cleanups.append(d.stop)
        self.assertEqual(d.wait(), 1)
        self.assertIn("only webhook sinks sign", d.log())


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
