"""The daemon's alerts reach a REAL Alertmanager (Debian's prometheus-alertmanager, started here
on a free loopback port with a temporary storage dir and clustering off), checked through its
own API GET /api/v2/alerts: firing alerts arrive with their labels, recovery resolves them, and
alerts accepted into the spool survive a kill -9 of the daemon while Alertmanager is down.
Usage: alertmanager_test.py NOMAD_CERTD_BINARY [unittest args]"""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from harness import Daemon, Workdir, free_port, http_get, wait_until  # noqa: E402

BINARY = None
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


class Alertmanager:
    def __init__(self, port):
        self.dir = tempfile.TemporaryDirectory(prefix="nc-am-")
        cfg = os.path.join(self.dir.name, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write('route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n')
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [ALERTMANAGER, f"--config.file={cfg}", f"--storage.path={self.dir.name}/data",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._ready, 30, 0.2, "alertmanager /-/ready")

    def _ready(self):
        try:
            return http_get(self.url + "/-/ready", 1)[0] == 200
        except OSError:
            return False

    def alerts(self, name="BackendUnavailable"):
        status, _, body = http_get(self.url + "/api/v2/alerts")
        assert status == 200, body
        return [a for a in json.loads(body) if a["labels"].get("alertname") == name]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.dir.cleanup()


class HealthyBackends:
    """Answers Vault's sys/health and Nomad's agent/health as healthy peers do (nothing else)."""

    def __init__(self, port):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/v1/sys/health"):
                    body = {"initialized": True, "sealed": False, "standby": False,
                            "performance_standby": False, "version": "1.15.0",
                            "cluster_name": "test", "cluster_id": "1", "server_time_utc": 1}
                elif self.path.startswith("/v1/agent/health"):
                    body = {"server": {"ok": True, "message": "ok"}}
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def am_sink(port):
    return [f'    - {{name: alertmanager, type: alertmanager, url: "http://127.0.0.1:{port}", '
            'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}']


class AlertmanagerTest(unittest.TestCase):
    def setUp(self):
        self.cleanups = []

    def tearDown(self):
        for c in reversed(self.cleanups):
            c()

    def test_alerts_arrive_and_recovery_resolves_them(self):
        am_port, backend_port = free_port(), free_port()
        am = Alertmanager(am_port)
        self.cleanups.append(am.stop)
        backends = f"http://127.0.0.1:{backend_port}"
        work = Workdir(vault_addr=backends, nomad_addr=backends, sinks=am_sink(am_port))
        self.cleanups.append(work.cleanup)
        d = Daemon(BINARY, work)
        self.cleanups.append(d.stop)
        d.wait_for_url()
        alerts = wait_until(lambda: len(am.alerts()) == 2 and am.alerts(), 30,
                            what="two BackendUnavailable alerts in Alertmanager")
        by_resource = {a["labels"]["resource"]: a for a in alerts}
        self.assertEqual(sorted(by_resource), ["nomad", "vault"])
        vault = by_resource["vault"]
        self.assertEqual(vault["labels"]["severity"], "critical")
        self.assertEqual(vault["status"]["state"], "active")
        self.assertIn("/status", vault["generatorURL"])
        self.assertIn("vault", vault["annotations"]["summary"])
        # The backends come up: the daemon sends `resolved` and Alertmanager drops the alerts.
        peers = HealthyBackends(backend_port)
        self.cleanups.append(peers.stop)
        wait_until(lambda: not am.alerts(), 30, what="alerts resolved in Alertmanager")
        self.assertIn('nomad_certd_alerts_total{alertname="BackendUnavailable",state="resolved"} 2',
                      d.get("/metrics")[2])

    def test_spooled_alerts_survive_kill_9_while_alertmanager_is_down(self):
        am_port, backend_port = free_port(), free_port()
        backends = f"http://127.0.0.1:{backend_port}"
        work = Workdir(vault_addr=backends, nomad_addr=backends, sinks=am_sink(am_port))
        self.cleanups.append(work.cleanup)
        first = Daemon(BINARY, work)
        self.cleanups.append(first.stop)
        first.wait_for_url()

        def queued():
            doc = json.loads(first.get("/status")[2])
            sink = [s for s in doc["sinks"] if s["name"] == "alertmanager"][0]
            return sink["queue_depth"] >= 2 and sink["failures"] >= 1

        wait_until(queued, 30, what="two alerts accepted while Alertmanager is down")
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()

        am = Alertmanager(am_port)
        self.cleanups.append(am.stop)
        # The restarted daemon sees healthy backends, so it raises nothing itself: whatever
        # reaches Alertmanager comes from the spool the killed process left behind.
        peers = HealthyBackends(backend_port)
        self.cleanups.append(peers.stop)
        second = Daemon(BINARY, work)
        self.cleanups.append(second.stop)
        second.wait_for_url()
        alerts = wait_until(lambda: len(am.alerts()) == 2 and am.alerts(), 30,
                            what="spooled alerts delivered after the restart")
        self.assertEqual(sorted(a["labels"]["resource"] for a in alerts), ["nomad", "vault"])
        metrics = second.get("/metrics")[2]
        self.assertNotIn('alertname="BackendUnavailable",state="firing"', metrics)
        doc = json.loads(second.get("/status")[2])
        self.assertEqual(doc["backends"], {"vault": "up", "nomad": "up"})
        wait_until(lambda: [s for s in json.loads(second.get("/status")[2])["sinks"]
                            if s["name"] == "alertmanager"][0]["queue_depth"] == 0,
                   10, what="queue drained")


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
