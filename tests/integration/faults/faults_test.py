"""Fault suite: nomad-certd runs in enforce mode against vault-sim and nomad-sim; each case
injects one fault (the simulators' /_sim/ endpoints, or stopping a simulator), checks that the
daemon keeps running and that /readyz and /metrics say what is wrong, clears the fault, and
checks that readiness returns and writes resume (an out-of-band change to a managed PKI role is
repaired). TLS cases serve vault-sim over HTTPS (openssl-made CAs, tls_env.py) and swap in a
foreign-CA or expired certificate; alert cases deliver BackendUnavailable events (nomad-sim
outages) to a webhook receiver (alert_sink.py) through a full spool or across kill -9; apply
cases (apply_faults.py) take the leader lock away mid-batch and kill -9 the daemon at random
points during apply.
Each case prints one row; `faults_test.py BUILD_DIR --table` runs them all and prints
the table. Usage: faults_test.py BUILD_DIR [unittest args | --table]"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "secrets"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Daemon, free_port, http_get, wait_until  # noqa: E402
from simenv import SimEnv  # noqa: E402
from tls_env import TlsSimEnv  # noqa: E402
from alert_sink import AlertSink  # noqa: E402
from apply_faults import ApplyFaults  # noqa: E402

BUILD = None
ROWS = []
ALERT_CASES = ("test_spool_disk_full", "test_kill9_during_alert_delivery")
APPLY_CASES = ("test_leader_lock_lost_mid_write", "test_kill9_during_apply")


class Workdir:
    def __init__(self, config):
        self.config = config


def metric(text, name, labels):
    """The value of one sample, or None."""
    pattern = (re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)" if labels
               else r"(?m)^" + re.escape(name) + r"(?:\{\})? (\S+)")
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


class FaultCase(ApplyFaults, unittest.TestCase):
    """One daemon per case (cases run as separate processes under ctest); the apply cases
    (apply_faults.py) start their own daemons."""

    def setUp(self):
        name = self._testMethodName
        tls = name.startswith("test_vault_tls_")
        self.env = (TlsSimEnv if tls else SimEnv)(BUILD, "root-token-faults")
        self.addCleanup(self.env.cleanup)
        self.token = self.env.bootstrap(token_ttl="2h")
        self.token_file = os.path.join(self.env.path, "vault-token")
        with open(self.token_file, "w") as f:
            f.write(self.token)
        self.build = BUILD
        if name in APPLY_CASES:
            self.setup_apply_case(name)
            return
        self.sink = None
        if name in ALERT_CASES:
            self.sink = AlertSink(free_port())
            self.addCleanup(self.sink.stop)
        cfg = self.env.config_dir(log_level="info", interval="2s", scan_interval="1s",
                                  daemon_extra="",
                                  sinks=[self.sink.sink_yaml()] if self.sink else None)
        with open(cfg) as f:
            text = f.read()
        text = text.replace("  auth: {method: token}\n",
                            f"  auth: {{method: token, token_file: {self.token_file}}}\n"
                            "  request_timeout: 2s\n"
                            + (f"  tls: {{ca_cert: {self.env.good.cert}}}\n" if tls else ""))
        text = text.replace("nomad:\n", "nomad:\n  request_timeout: 2s\n", 1)
        if name == "test_spool_disk_full":
            self.spoolfs = self.mount_small_tmpfs()
            text = text.replace(f"spool_dir: {self.env.spool}",
                                f"spool_dir: {os.path.join(self.spoolfs, 'spool')}")
        with open(cfg, "w") as f:
            f.write(text)
        self.workdir = Workdir(cfg)
        self.start_daemon()
        self.wait_ready(60, "initial readiness")

    def start_daemon(self):
        self.daemon = Daemon(os.path.join(BUILD, "daemon/nomad-certd"), self.workdir,
                             {"VAULT_TOKEN": "", "NOMAD_TOKEN": ""})
        self.addCleanup(self.daemon.stop)
        self.url = self.daemon.wait_for_url(timeout=60)

    def mount_small_tmpfs(self):
        """A 64 KiB tmpfs in the case's temp dir (skips the case when mounting is refused)."""
        path = os.path.join(self.env.path, "spoolfs")
        os.makedirs(path)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest(f"cannot mount a small tmpfs for the spool (needs root / "
                          f"CAP_SYS_ADMIN): {r.stderr.strip()}")
        self.addCleanup(lambda: subprocess.run(["umount", "-l", path], capture_output=True))
        return path

    def record(self, row):
        ROWS.append(row)
        print("\n" + format_row(row))

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

    def run_fault(self, name, inject, clear, reason, metric_check=None, settle=60,
                  reason_text=None):
        """inject(); wait until /readyz names `reason` (a key; its message matching the regex
        reason_text when given) and metric_check(metrics) holds; clear(); wait for readiness;
        drift and repair. Records a table row."""
        t0 = time.monotonic()
        inject()
        seen = {}

        def noticed():
            self.assert_alive()
            status, reasons = self.readyz()
            if status == 503 and any(reason in k and (reason_text is None or
                                                      re.search(reason_text, str(v), re.I))
                                     for k, v in reasons.items()):
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
        print("\n/readyz while faulty: " + text)
        if len(text) > 90:  # keep the start (backend) and the end (the cause)
            text = text[:36] + "..." + text[-51:]
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
                       lambda: self.env.clear_faults("vault"), "vault",
                       reason_text=r"429 Too Many Requests \(rate limited\).*rate limit quota exceeded")

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
        down = float(os.environ.get("NC_FAULT_DOWN_SECONDS", "60"))
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

    # --- TLS (vault-sim on HTTPS, the daemon trusts env.good.cert) -------------------------
    def tls_fault(self, name, bad_cert, reason_text, client_ca=None):
        def alive_while_bad():
            # Ten seconds of the bad certificate: the daemon stays up and keeps saying so.
            for _ in range(20):
                self.assert_alive()
                status, reasons = self.readyz()
                self.assertEqual(status, 503, reasons)
                time.sleep(0.5)
        self.run_fault(name, lambda: self.env.serve(*bad_cert, client_ca=client_ca),
                       lambda: (alive_while_bad(), self.env.serve(*self.env.good_cert)),
                       "vault",
                       lambda m: metric(m, "nomad_certd_backend_up", 'backend="vault"') == 0,
                       settle=60, reason_text=reason_text)

    def test_vault_tls_wrong_ca(self):
        self.tls_fault("vault TLS: server cert from a foreign CA",
                       self.env.foreign.server("vault"), r"TLS handshake.*certificate verify failed")

    def test_vault_tls_client_certificate_required(self):
        # The server now demands a client certificate the daemon does not have.
        self.tls_fault("vault TLS: server demands a client certificate", self.env.good_cert,
                       r"TLS error.*certificate required", client_ca=self.env.good.cert)

    def test_vault_tls_expired_certificate(self):
        self.tls_fault("vault TLS: expired server certificate",
                       self.env.good.server("expired", "20200101000000Z", "20200102000000Z"),
                       r"TLS handshake.*certificate has expired")

    # --- alert delivery (webhook AlertSink; BackendUnavailable for nomad as the alert) -------
    def nomad_outage(self):
        """Stops nomad-sim until /readyz names nomad, then starts it until ready again: one
        BackendUnavailable firing and one resolved event."""
        self.env.nomad.stop()
        wait_until(lambda: "nomad" in self.readyz()[1], timeout=30, step=0.2,
                   what="/readyz naming nomad")
        self.assert_alive()
        self.env.nomad.restart()
        self.wait_ready(30, "readiness after nomad returned")

    def queue_depth(self):
        return metric(self.metrics(), "nomad_certd_event_queue_depth", 'sink="hook"') or 0

    def backend_events(self):
        return [k for k in self.sink.keys("BackendUnavailable") if k[1] == "nomad"]

    def assert_outage_pairs(self, keys, outages):
        firing = {k[3] for k in keys if k[2] == "firing"}
        resolved = {k[3] for k in keys if k[2] == "resolved"}
        self.assertEqual(len(firing), outages, keys)
        self.assertEqual(firing, resolved, f"every outage fired and resolved: {keys}")

    def test_kill9_during_alert_delivery(self):
        t0 = time.monotonic()
        self.sink.mode = "down"
        for _ in range(2):
            self.nomad_outage()
        wait_until(lambda: self.queue_depth() >= 4, timeout=20, step=0.3,
                   what=f"4 events spooled; depth {self.queue_depth()}")
        self.assertEqual(self.backend_events(), [])
        # The sink now takes the batch but answers slowly: kill -9 while it is in flight.
        self.sink.mode = "slow"
        wait_until(lambda: self.sink.in_flight > 0, timeout=20, step=0.05,
                   what="a delivery in flight")
        self.daemon.proc.kill()
        self.daemon.proc.wait(timeout=10)
        before_kill = len(self.backend_events())  # taken by the receiver, never acknowledged
        self.sink.mode = "ok"
        self.start_daemon()
        t1 = time.monotonic()
        wait_until(lambda: len(set(self.backend_events()[before_kill:])) >= 4, timeout=40,
                   step=0.3, what=f"the 4 unacknowledged events re-sent after the restart; "
                                  f"got {self.backend_events()}")
        redelivered = time.monotonic() - t1
        wait_until(lambda: self.queue_depth() == 0, timeout=20, step=0.3,
                   what="an empty queue after delivery")
        self.wait_ready(30, "readiness after the restart")
        keys = self.backend_events()
        self.assertEqual(len(set(keys)), 4, keys)
        self.assert_outage_pairs(set(keys), 2)
        dupes = len(keys) - len(set(keys))
        time.sleep(2)  # nothing more arrives once the queue is empty
        self.assertEqual(len(self.backend_events()), len(keys), self.backend_events())
        row = ("kill -9 during alert delivery (slow sink)", "-", f"{redelivered:.1f}s", "-",
               f"4 spooled, {before_kill} taken before kill, all 4 re-sent, {dupes} duplicates; "
               f"{time.monotonic() - t0:.0f}s")
        ROWS.append(row)
        print("\n" + format_row(row))

    def test_spool_disk_full(self):
        # Events the full spool refuses are held in memory and appended again each cycle, in
        # order; /readyz names the spool until none is held back.
        t0 = time.monotonic()
        problems = []
        self.sink.mode = "down"  # everything stays in the spool until the end
        filler = os.path.join(self.spoolfs, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        for size in (4096, 512, 1):  # to the last byte
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
        os.close(fd)
        seen = {}
        watching = [True]

        def watch_readyz():  # the spool reason may be short-lived: sample it often
            while watching[0]:
                try:
                    reasons = self.readyz()[1]
                    if "spool" in reasons:
                        seen.update(reasons)
                except OSError:
                    pass
                time.sleep(0.05)
        watcher = threading.Thread(target=watch_readyz, daemon=True)
        watcher.start()
        self.addCleanup(lambda: watching.__setitem__(0, False))
        # Nomad outages raise BackendUnavailable firing + resolved until the spool refuses one
        # (the segment's last page may still take a few records).
        outages = 0
        while (metric(self.metrics(), "nomad_certd_event_spool_errors_total", "") or 0) == 0:
            self.assertLess(outages, 8, "the spool never refused an event on a full disk")
            self.nomad_outage_allowing("spool")
            outages += 1
            time.sleep(1.5)
        errors = metric(self.metrics(), "nomad_certd_event_spool_errors_total", "")
        detected = time.monotonic() - t0
        self.assert_alive()
        if not seen:
            problems.append("/readyz never named the spool while it refused events")
        time.sleep(3)
        status, reasons = self.readyz()
        if "spool" not in reasons:
            problems.append(f"/readyz does not name the spool while it is still full "
                            f"(3 s after {errors:.0f} refused events): {status} {reasons}")
        watching[0] = False
        os.remove(filler)
        self.sink.mode = "ok"
        t1 = time.monotonic()
        self.wait_ready(30, "readiness after freeing the spool")
        recovered = time.monotonic() - t1
        try:
            wait_until(lambda: len(set(self.backend_events())) >= 2 * outages, timeout=20,
                       step=0.3, what="every event delivered")
        except AssertionError:
            problems.append(
                f"alerts lost: {2 * outages} events raised in {outages} nomad outages, "
                f"{len(set(self.backend_events()))} delivered after space was freed "
                f"({errors:.0f} refused by the full spool); daemon log: " + " | ".join(
                    l for l in self.daemon.lines if "not queued" in l))
        self.assert_alive()
        if problems:
            self.fail("; ".join(problems))
        self.assert_outage_pairs(set(self.backend_events()), outages)
        repair = self.drift_and_repair()
        row = ("spool disk full (64 KiB tmpfs)", f"{detected:.1f}s", f"{recovered:.1f}s",
               f"{repair:.1f}s", "spool: " + str(seen.get("spool"))[:80])
        ROWS.append(row)
        print("\n" + format_row(row))

    def nomad_outage_allowing(self, other):
        """nomad_outage, where readiness may also lack for `other` once nomad is back."""
        self.env.nomad.stop()
        wait_until(lambda: "nomad" in self.readyz()[1], timeout=30, step=0.2,
                   what="/readyz naming nomad")
        self.env.nomad.restart()
        wait_until(lambda: "nomad" not in self.readyz()[1], timeout=30, step=0.2,
                   what="/readyz no longer naming nomad")
        self.assert_alive()


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
