"""The daemon's health endpoint under load and abuse, while the daemon reconciles against
vault-sim and nomad-sim: slow clients are cut off by the header timeout, oversized requests are
refused (431/413), connections beyond the cap are closed at once, and under a bounded wrk load
/healthz keeps answering quickly. Prints a table of the figures.
Usage: health_load_test.py BUILD_DIR [unittest args]"""
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "secrets"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from harness import Daemon, http_get, wait_until  # noqa: E402
from simenv import SimEnv  # noqa: E402

BUILD = None
HEADER_TIMEOUT = 5  # the daemon's health server header timeout (daemon/service.cpp)
MAX_CONNECTIONS = 128


class Workdir:
    def __init__(self, config):
        self.config = config


def timed_get(url):
    start = time.monotonic()
    status, _, _ = http_get(url, timeout=10)
    return status, time.monotonic() - start


def raw_exchange(host, port, data, timeout=10):
    """Sends data, returns what the server answers until it closes (or the timeout)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        return out


class HealthLoadTest(unittest.TestCase):
    def setUp(self):
        self.env = SimEnv(BUILD, "root-token-health-load")
        self.addCleanup(self.env.cleanup)
        token = self.env.bootstrap()
        cfg = self.env.config_dir(log_level="info", interval="1s", scan_interval="1s")
        self.daemon = Daemon(os.path.join(BUILD, "daemon/nomad-certd"), Workdir(cfg),
                             {"VAULT_TOKEN": token, "NOMAD_TOKEN": ""})
        self.addCleanup(self.daemon.stop)
        self.url = self.daemon.wait_for_url(timeout=60)
        self.host, port = self.url.split("://", 1)[1].split(":")
        self.port = int(port)
        self.daemon.wait_for_log("started:", timeout=60)

    def test_slow_clients_are_cut_off_and_healthz_stays_responsive(self):
        slow = []
        for _ in range(20):
            s = socket.create_connection((self.host, self.port), timeout=30)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
            slow.append(s)
        latencies = [timed_get(self.url + "/healthz") for _ in range(10)]
        self.assertTrue(all(st == 200 for st, _ in latencies), latencies)
        self.assertLess(max(t for _, t in latencies), 1.0, latencies)
        start = time.monotonic()
        closed = 0
        for s in slow:
            try:
                while s.recv(4096):
                    pass
                closed += 1
            except OSError:
                closed += 1
            s.close()
        took = time.monotonic() - start
        self.assertEqual(closed, 20)
        self.assertLess(took, HEADER_TIMEOUT + 3, "slow clients were not cut off in time")
        print(f"\nslow clients: 20 cut off within {took:.1f}s; /healthz max "
              f"{max(t for _, t in latencies) * 1000:.1f} ms meanwhile")

    def test_oversized_requests_are_refused(self):
        big_headers = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"j" * 100000 + b"\r\n\r\n")
        answer = raw_exchange(self.host, self.port, big_headers)
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:100])
        big_body = (b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
                    b"x" * 65536)
        answer = raw_exchange(self.host, self.port, big_body)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:100])
        self.assertEqual(http_get(self.url + "/healthz")[0], 200)

    def test_connections_beyond_the_cap_are_closed_at_once(self):
        held = [socket.create_connection((self.host, self.port), timeout=10)
                for _ in range(MAX_CONNECTIONS + 20)]
        time.sleep(0.5)
        refused = 0
        for s in held:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    refused += 1
            except BlockingIOError:
                pass
            except OSError:
                refused += 1
        for s in held:
            s.close()
        self.assertGreaterEqual(refused, 20, "connections beyond the cap were kept open")
        self.assertLessEqual(refused, 20 + 2)
        wait_until(lambda: http_get(self.url + "/healthz")[0] == 200, timeout=10,
                   what="/healthz after the connections closed")
        print(f"\nconnection cap: {refused} of {MAX_CONNECTIONS + 20} closed at once")

    @unittest.skipIf(shutil.which("wrk") is None, "wrk not installed (scripts/install-deps.sh)")
    def test_wrk_load_keeps_healthz_responsive(self):
        probes = []
        stop = threading.Event()

        def probe():
            while not stop.is_set():
                probes.append(timed_get(self.url + "/healthz"))
                time.sleep(0.2)

        t = threading.Thread(target=probe)
        t.start()
        wrk = subprocess.run(["wrk", "-t2", "-c32", "-d5s", "--latency", self.url + "/healthz"],
                             capture_output=True, text=True, timeout=60)
        stop.set()
        t.join()
        self.assertEqual(wrk.returncode, 0, wrk.stderr)
        out = wrk.stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        self.assertNotIn("Non-2xx", out, out)
        errors = re.search(r"Socket errors: (.*)", out)
        self.assertIsNone(errors, out)
        p99 = re.search(r"99%\s+(\S+)", out).group(1)
        worst = max(s for _, s in probes)
        self.assertTrue(all(st == 200 for st, _ in probes), probes)
        self.assertGreater(len(probes), 10)
        self.assertLess(worst, 1.0, f"a /healthz probe took {worst:.2f}s under load")
        self.assertGreater(rps, 100)
        # The daemon kept working meanwhile.
        self.assertIsNone(self.daemon.proc.poll())
        self.assertEqual(http_get(self.url + "/status")[0], 200)
        print(f"\nwrk 2 threads x 32 connections x 5s on /healthz: {rps:.0f} req/s, p99 {p99}; "
              f"{len(probes)} side probes, worst {worst * 1000:.1f} ms")


if __name__ == "__main__":
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
