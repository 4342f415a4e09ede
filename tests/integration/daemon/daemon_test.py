"""`nomad-certd run` as a process: health endpoint status codes, content types and readiness
reasons; sd_notify messages through a test NOTIFY_SOCKET; SIGHUP with a good and a bad file;
SIGTERM drain; fatal config errors; no secret in any output.
Usage: daemon_test.py NOMAD_CERTD_BINARY [unittest args]"""
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SECRET_TOKEN, Daemon, NotifySocket, Workdir, wait_until  # noqa: E402

BINARY = None


class DaemonTest(unittest.TestCase):
    def setUp(self):
        self.work = Workdir()
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        self.work.cleanup()

    def start(self, env=None):
        d = Daemon(BINARY, self.work, env)
        self.daemons.append(d)
        d.wait_for_url()
        return d

    def test_fatal_config_error_exits_1(self):
        self.work.write_desired("version: 1\nbogus_key: 1\n")
        d = Daemon(BINARY, self.work)
        self.daemons.append(d)
        self.assertEqual(d.wait(), 1)
        self.assertIn("bogus_key", d.log())
        self.assertIn("not starting", d.log())

    def test_endpoints_status_codes_and_readiness_reasons(self):
        d = self.start()
        d.wait_for_log("certificate cycle 1")
        status, ctype, body = d.get("/healthz")
        self.assertEqual(status, 200)
        # Vault and Nomad do not answer: not ready, with both reasons.
        status, ctype, body = d.get("/readyz")
        self.assertEqual(status, 503)
        self.assertIn("application/json", ctype)
        text = json.dumps(json.loads(body))
        self.assertIn("vault", text)
        self.assertIn("nomad", text)
        status, ctype, body = d.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn('nomad_certd_backend_up{backend="vault"} 0', body)
        self.assertIn('nomad_certd_alerts_total{alertname="BackendUnavailable",state="firing"}',
                      body)
        self.assertIn('nomad_certd_event_queue_depth{sink="log"}', body)
        status, ctype, body = d.get("/status")
        self.assertEqual(status, 200)
        self.assertIn("application/json", ctype)
        doc = json.loads(body)
        self.assertEqual(doc["backends"], {"vault": "down", "nomad": "down"})
        self.assertFalse(doc["ready"])
        self.assertIn("vault", doc["problems"])
        self.assertEqual([s["name"] for s in doc["sinks"]], ["log"])
        self.assertGreaterEqual(doc["certificates"]["cycles"], 1)
        self.assertEqual(doc["certificates"]["allocation_events"],
                         {"live": False, "reconnects": 0})
        names = sorted(a["labels"]["resource"] for a in doc["alerts"])
        self.assertEqual(names, ["nomad", "vault"])
        self.assertEqual(d.get("/nope")[0], 404)
        for path in ("/status", "/metrics", "/readyz"):
            self.assertNotIn(SECRET_TOKEN, d.get(path)[2])
        d.stop()
        self.assertNotIn(SECRET_TOKEN, d.log())

    def test_spool_not_writable_is_a_readiness_reason(self):
        d = self.start()
        d.wait_for_log("certificate cycle 1")
        self.assertNotIn("spool", json.loads(d.get("/readyz")[2])["reasons"])
        # The spool folder disappears (unmounted disk, removed by hand): not ready, with the reason.
        moved = self.work.spool + ".away"
        os.rename(self.work.spool, moved)
        reasons = wait_until(
            lambda: (r := json.loads(d.get("/readyz")[2])["reasons"]) and "spool" in r and r,
            10, what="spool reason")
        self.assertIn(self.work.spool, reasons["spool"])
        self.assertEqual(d.get("/readyz")[0], 503)
        os.rename(moved, self.work.spool)
        wait_until(lambda: "spool" not in json.loads(d.get("/readyz")[2])["reasons"], 10,
                   what="spool reason cleared")

    def test_sd_notify_ready_status_watchdog_reloading_stopping(self):
        sock = NotifySocket(self.work.path)
        try:
            d = self.start({"NOTIFY_SOCKET": sock.path, "WATCHDOG_USEC": "1000000"})
            wait_until(lambda: "READY=1" in sock.fields(), what="READY=1")
            ready_index = sock.fields().index("READY=1")
            # READY comes with a STATUS saying whether the backends answer.
            msg = [m for m in sock.messages if "READY=1" in m][0]
            self.assertIn("STATUS=started; vault down, nomad down", msg)
            wait_until(lambda: "WATCHDOG=1" in sock.fields(), what="WATCHDOG=1")
            wait_until(lambda: any(f.startswith("STATUS=vault down, nomad down; 0 certificates")
                                   for f in sock.fields()), what="cycle STATUS")
            d.signal(signal.SIGHUP)
            wait_until(lambda: "RELOADING=1" in sock.fields(), what="RELOADING=1")
            reload_msg = [m for m in sock.messages if "RELOADING=1" in m][0]
            self.assertIn("MONOTONIC_USEC=", reload_msg)
            wait_until(lambda: sock.fields().count("READY=1") >= 2, what="READY=1 after reload")
            d.signal(signal.SIGTERM)
            self.assertEqual(d.wait(), 0)
            self.assertTrue(any(f.startswith("STOPPING=1") for f in sock.fields()))
            self.assertGreater(len(sock.fields()), ready_index)
        finally:
            sock.close()

    def test_sighup_rejects_a_bad_file_and_applies_a_good_one(self):
        d = self.start()
        d.wait_for_log("certificate cycle 1")
        self.work.write_desired("version: 1\nnomad:\n  jobz: []\n")
        d.signal(signal.SIGHUP)
        d.wait_for_log("reload rejected: ")
        d.wait_for_log("stays in force")
        self.assertIsNone(d.proc.poll(), "a bad file must not stop the daemon")
        self.assertIn("jobz", d.log())
        problems = json.loads(d.get("/readyz")[2])["reasons"]
        self.assertIn("config", problems)
        self.work.write_desired("version: 1\ndefaults: {mode: report, prune: false}\n")
        d.signal(signal.SIGHUP)
        d.wait_for_log("in force (0 jobs")
        wait_until(lambda: "config" not in json.loads(d.get("/readyz")[2])["reasons"],
                   what="config reason cleared")
        self.assertEqual(d.get("/healthz")[0], 200)

    def test_sigterm_drains_and_exits_0(self):
        d = self.start()
        d.wait_for_log("certificate cycle 1")
        started = time.time()
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait(), 0)
        self.assertLess(time.time() - started, 25)
        d.wait_for_log("SIGTERM: stopping")
        d.wait_for_log("undelivered event(s) kept in the spool")
        # The spool survives for the next start.
        self.assertTrue(os.path.isdir(self.work.spool))

    def test_sigint_also_stops_cleanly(self):
        d = self.start()
        started = time.time()
        d.signal(signal.SIGINT)  # during start-up, before the first cycle
        self.assertEqual(d.wait(), 0)
        self.assertLess(time.time() - started, 10)
        d.wait_for_log("SIGINT: stopping")


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
