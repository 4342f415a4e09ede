"""Fault suite: nomad-certd runs in enforce mode against vault-sim and nomad-sim; each case
injects one fault (the simulators' /_sim/ endpoints, or stopping a simulator), checks that the
daemon keeps running and that /readyz and /metrics say what is wrong, clears the fault, and
checks that readiness returns and writes resume (an out-of-band change to a managed PKI role is
repaired). Each case prints one row; `faults_test.py BUILD_DIR --table` runs them all and prints
the table. Usage: faults_test.py BUILD_DIR [unittest args | --table]"""
import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "secrets"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Daemon, http_get, wait_until  # noqa: E402
from simenv import SimEnv  # noqa: E402

BUILD = None
ROWS = []


class Workdir:
    def __init__(self, config):
        self.config = config


def metric(text, name, labels):
    """The value of one sample, or None."""
    pattern = re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)"
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


class FaultCase(unittest.TestCase):
    """One daemon per case (cases run as separate processes under ctest)."""

    def setUp(self):
        self.env = SimEnv(BUILD, "root-token-faults")
        self.addCleanup(self.env.cleanup)
        self.token = self.env.bootstrap(token_ttl="2h")
        self.token_file = os.path.join(self.env.path, "vault-token")
        with open(self.token_file, "w") as f:
            f.write(self.token)
        cfg = self.env.config_dir(log_level="info", interval="2s", scan_interval="1s",
                                  daemon_extra="")
        with open(cfg) as f:
            text = f.read()
        text = text.replace("  auth: {method: token}\n",
                            f"  auth: {{method: token, token_file: {self.token_file}}}\n"
                            "  request_timeout: 2s\n")
        text = text.replace("nomad:\n", "nomad:\n  request_timeout: 2s\n", 1)
        with open(cfg, "w") as f:
            f.write(text)
        self.daemon = Daemon(os.path.join(BUILD, "daemon/nomad-certd"), Workdir(cfg),
                             {"VAULT_TOKEN": "", "NOMAD_TOKEN": ""})
        self.addCleanup(self.daemon.stop)
        self.url = self.daemon.wait_for_url(timeout=60)
        self.wait_ready(60, "initial readiness")

    # --- observations ------------------------------------------------------------------
    def readyz(self):
        status, _, body = http_get(self.url + "/readyz")
        try:
            return status, json.loads(body).get("reasons", {})
        except ValueError:
            return status, {"unparseable": body}

    def metrics(self):
        return http_get(self.url + "/metrics")[2]

    def wait_ready(self, timeout, what):
        def ready():
            self.assert_alive()
            return self.readyz()[0] == 200
        wait_until(ready, timeout=timeout, step=0.3,
                   what=f"{what}; /readyz: {self.readyz()}; log tail:\n"
                        + "\n".join(self.daemon.lines[-15:]))

    def assert_alive(self):
        code = self.daemon.proc.poll()
        if code is not None:
            raise AssertionError(f"daemon exited {code}:\n" + "\n".join(self.daemon.lines[-30:]))

    def drift_and_repair(self, timeout=40):
        """Changes the managed PKI role behind the daemon's back; the daemon must repair it."""
        self.env.vault_call("POST", "pki-int/roles/nomad-job", {"max_ttl": "8760h"})

        def repaired():
            self.assert_alive()
            role = self.env.vault_call("GET", "pki-int/roles/nomad-job")["data"]
            return role["max_ttl"] == 168 * 3600
        start = time.monotonic()
        wait_until(repaired, timeout=timeout, step=0.3, what="the drifted role to be repaired")
        return time.monotonic() - start

    def run_fault(self, name, inject, clear, reason, metric_check=None, settle=60):
        """inject(); wait until /readyz names `reason` (a key) and metric_check(metrics) holds;
        clear(); wait for readiness; drift and repair. Records a table row."""
        t0 = time.monotonic()
        inject()
        seen = {}

        def noticed():
            self.assert_alive()
            status, reasons = self.readyz()
            if status == 503 and any(reason in k for k in reasons):
                seen.update(reasons)
                return metric_check is None or metric_check(self.metrics())
            return False
        wait_until(noticed, timeout=settle, step=0.3,
                   what=f"/readyz naming {reason!r} for {name}; /readyz now {self.readyz()}")
        detected = time.monotonic() - t0
        self.assert_alive()
        clear()
        t1 = time.monotonic()
        self.wait_ready(settle, f"readiness after clearing {name}")
        recovered = time.monotonic() - t1
        repair = self.drift_and_repair()
        text = "; ".join(f"{k}: {v}" for k, v in seen.items() if reason in k)
        row = (name, f"{detected:.1f}s", f"{recovered:.1f}s", f"{repair:.1f}s", text[:90])
        ROWS.append(row)
        print("\n" + format_row(row))

    # --- cases (cheap first) ----------------------------------------------------------
    def test_vault_sealed(self):
        self.run_fault("vault sealed (503)",
                       lambda: self.env.sim_post("vault", "/_sim/seal"),
                       lambda: self.env.sim_post("vault", "/_sim/unseal"), "vault",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="vault"') == 0)

    def test_nomad_without_leader(self):
        self.run_fault("nomad without a leader",
                       lambda: self.env.sim_post("nomad", "/_sim/leader", {"leader": False}),
                       lambda: self.env.sim_post("nomad", "/_sim/leader", {"leader": True}),
                       "nomad",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="nomad"') == 0)

    def test_vault_429_storm(self):
        self.run_fault("vault 429 storm",
                       lambda: self.env.fault("vault", {"prefix": "/v1/", "status": 429,
                                                        "body": '{"errors":["rate limit quota exceeded"]}'}),
                       lambda: self.env.clear_faults("vault"), "vault")

    def test_random_5xx(self):
        def inject():
            self.env.fault("vault", {"prefix": "/v1/", "status": 500, "rate": 0.2,
                                     "body": '{"errors":["internal error"]}'})
            self.env.fault("nomad", {"prefix": "/v1/", "status": 500, "rate": 0.2,
                                     "body": "internal error"})
        def clear():
            self.env.clear_faults("vault")
            self.env.clear_faults("nomad")
        # 20 % errors: some cycle fails somewhere; any reason (backend or reconcile) counts.
        self.run_fault("20% random 5xx (vault+nomad)", inject, clear, "", settle=90)

    def test_latency_beyond_timeouts(self):
        def inject():
            self.env.fault("vault", {"prefix": "/v1/", "latency_ms": 4000})
        self.run_fault("vault latency 4s > 2s timeout", inject,
                       lambda: self.env.clear_faults("vault"), "vault",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="vault"') == 0)

    def test_connection_reset(self):
        self.run_fault("vault connection reset",
                       lambda: self.env.fault("vault", {"prefix": "/v1/", "reset": True}),
                       lambda: self.env.clear_faults("vault"), "vault")

    def test_truncated_json(self):
        def inject():
            self.env.fault("vault", {"prefix": "/v1/sys/health", "status": 200,
                                     "body": '{"initialized":true,"sealed":fal'})
            self.env.fault("nomad", {"prefix": "/v1/jobs", "status": 200,
                                     "body": '[{"ID":"service-with-tls","Na'})
        def clear():
            self.env.clear_faults("vault")
            self.env.clear_faults("nomad")
        self.run_fault("truncated JSON (vault health, nomad jobs)", inject, clear, "")

    def test_token_revoked_then_file_rotated(self):
        def inject():
            self.env.vault_call("POST", "auth/token/revoke", {"token": self.token})
        def clear():
            fresh = self.env.vault_call("POST", "auth/token/create",
                                        {"policies": ["nomad-certd"], "ttl": "2h"})["auth"]["client_token"]
            tmp = self.token_file + ".new"
            with open(tmp, "w") as f:
                f.write(fresh)
            os.rename(tmp, self.token_file)
        self.run_fault("vault token revoked (403), token file rotated", inject, clear, "",
                       settle=90)

    def test_vault_standby(self):
        # Standby answers health with 429 (standbyok=true makes it 200) and forwards requests:
        # nothing is wrong for the daemon, which must stay ready and keep writing.
        t0 = time.monotonic()
        self.env.sim_post("vault", "/_sim/standby", {"active_address": self.env.vault.address})
        time.sleep(3)
        self.assertEqual(self.readyz()[0], 200, self.readyz())
        repair = self.drift_and_repair()
        self.env.sim_post("vault", "/_sim/active")
        self.wait_ready(30, "readiness after standby")
        row = ("vault standby (429 health, forwarding)", "-", "-", f"{repair:.1f}s",
               f"stays ready ({time.monotonic() - t0:.1f}s)")
        ROWS.append(row)
        print("\n" + format_row(row))

    def test_deeply_nested_json(self):
        deep = "[" * 2000000
        def inject():
            self.env.fault("vault", {"prefix": "/v1/sys/health", "status": 200, "body": deep})
            self.env.fault("nomad", {"prefix": "/v1/jobs", "status": 200, "body": deep})
        def clear():
            self.env.clear_faults("vault")
            self.env.clear_faults("nomad")
        self.run_fault("deeply nested JSON (2M levels)", inject, clear, "vault")

    def test_vault_down(self):
        down = float(os.environ.get("NC_FAULT_DOWN_SECONDS", "10"))
        def inject():
            self.env.vault.stop()
        def clear():
            time.sleep(max(0.0, down - 3))
            self.env.vault.restart()
        self.run_fault(f"vault down {down:.0f}s (connection refused)", inject, clear, "vault",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="vault"') == 0,
                       settle=90)

    def test_nomad_down(self):
        def inject():
            self.env.nomad.stop()
        self.run_fault("nomad down (connection refused)", inject, self.env.nomad.restart, "nomad",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="nomad"') == 0,
                       settle=90)


def format_row(row):
    return f"{row[0]:<48} {row[1]:>9} {row[2]:>9} {row[3]:>8}  {row[4]}"


def print_table():
    print("\n" + format_row(("FAULT", "DETECTED", "RECOVER", "REPAIR", "READYZ REASON")))
    for row in ROWS:
        print(format_row(row))


if __name__ == "__main__":
    BUILD = os.path.abspath(sys.argv.pop(1))
    if "--table" in sys.argv:
        sys.argv.remove("--table")
        prog = unittest.main(exit=False, verbosity=1)
        print_table()
        sys.exit(0 if prog.result.wasSuccessful() else 1)
    unittest.main()
