"""Processes and HTTP plumbing of the scale harness: simulators, the daemon, keep-alive clients,
/_sim/ counters, CPU and RSS from /proc."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid, key):
    """VmRSS / VmHWM of a process in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Client:
    """One keep-alive connection per thread to a base URL; JSON in, (status, parsed body) out."""

    def __init__(self, url, headers=None, timeout=120):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.headers = headers or {}
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.local.conn = c
        return c

    def request(self, method, path, body=None, raw=False):
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        hdrs = dict(self.headers)
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        for attempt in range(3):
            c = self._conn()
            try:
                c.request(method, path, body=data, headers=hdrs)
                r = c.getresponse()
                text = r.read()
                break
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                c.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        if raw:
            return r.status, text
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text.decode(errors="replace")

    def ok(self, method, path, body=None):
        st, doc = self.request(method, path, body)
        if st >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {st}: {str(doc)[:300]}")
        return doc


def parallel(fn, items, workers=8):
    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


class Proc:
    """A child process whose stdout/stderr go to files in `workdir`."""

    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.out = open(os.path.join(workdir, name + ".out"), "w")
        self.err = open(os.path.join(workdir, name + ".err"), "w")
        self.p = subprocess.Popen(argv, stdout=self.out, stderr=self.err, env=env,
                                  stdin=subprocess.DEVNULL)
        self.errpath = self.err.name
        self.outpath = self.out.name

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.out.close()
        self.err.close()
        return self.p.returncode

    def tail(self, n=20):
        try:
            with open(self.errpath) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def start_sim(name, argv, workdir):
    """Starts a simulator and waits for its `listening on URL` line; returns (Proc, url)."""
    p = Proc(name, argv, workdir)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(p.outpath) as f:
            m = re.search(r"listening on (http\S+)", f.read())
        if m:
            return p, m.group(1)
        if not p.alive():
            break
        time.sleep(0.05)
    p.stop()
    raise RuntimeError(f"{name} did not start: {p.tail()}")


class Counters:
    """Request counters of a simulator (GET/DELETE /_sim/counters)."""

    def __init__(self, client):
        self.c = client

    def reset(self):
        self.c.ok("DELETE", "/_sim/counters")

    def read(self):
        return self.c.ok("GET", "/_sim/counters")

    @staticmethod
    def by_category(doc, categorize):
        out = {}
        for path, methods in doc.get("paths", {}).items():
            for method, n in methods.items():
                cat = categorize(method, path)
                out[cat] = out.get(cat, 0) + n
        return out
