"""Test harness for the nomad-certd daemon: temporary configs, the daemon process with its log
lines, free loopback ports, HTTP GETs and a NOTIFY_SOCKET receiver (standard library only)."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

SECRET_TOKEN = "hvs.test-secret-token-do-not-print"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    """(status, content_type, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def wait_until(predicate, timeout=20, step=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


class Workdir:
    """A temporary folder with config.yaml and desired-state.yaml."""

    def __init__(self, vault_addr=None, nomad_addr=None, sinks=None, scan_interval="2s",
                 desired="version: 1\n", extra=""):
        self.tmp = tempfile.TemporaryDirectory(prefix="nc-daemon-")
        self.path = self.tmp.name
        self.spool = os.path.join(self.path, "spool")
        self.vault_addr = vault_addr or f"http://127.0.0.1:{free_port()}"
        self.nomad_addr = nomad_addr or f"http://127.0.0.1:{free_port()}"
        sinks = sinks if sinks is not None else ["    - {name: log, type: log}"]
        self.config = os.path.join(self.path, "config.yaml")
        with open(self.config, "w") as f:
            f.write(f"""desired_state: desired-state.yaml
vault:
  address: {self.vault_addr}
  auth: {{method: token}}
nomad:
  address: {self.nomad_addr}
certificates:
  scan_interval: {scan_interval}
alerts:
  spool_dir: {self.spool}
  sinks:
""" + "\n".join(sinks) + f"""
health:
  listen: 127.0.0.1:0
log: {{format: json, level: debug}}
{extra}""")
        self.write_desired(desired)

    def write_desired(self, text):
        with open(os.path.join(self.path, "desired-state.yaml"), "w") as f:
            f.write(text)

    def cleanup(self):
        self.tmp.cleanup()


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET; collects every message."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    def fields(self):
        """Every KEY=VALUE line received, in order."""
        return [line for m in list(self.messages) for line in m.split("\n") if line]

    def close(self):
        self._stop = True
        self._thread.join()
        self.sock.close()


class Daemon:
    """`nomad-certd run` as a child process; stderr (the JSON log lines) is collected."""

    def __init__(self, binary, workdir, env=None):
        e = dict(os.environ)
        for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "CREDENTIALS_DIRECTORY"):
            e.pop(k, None)
        e["VAULT_TOKEN"] = SECRET_TOKEN
        e["NOMAD_TOKEN"] = SECRET_TOKEN
        e.update(env or {})
        self.proc = subprocess.Popen([binary, "run", "--config", workdir.config],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        self.lines = []
        self._threads = [threading.Thread(target=self._read, args=(s,), daemon=True)
                         for s in (self.proc.stdout, self.proc.stderr)]
        for t in self._threads:
            t.start()
        self.url = None

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))

    def log(self):
        return "\n".join(self.lines)

    def wait_for_log(self, text, timeout=20):
        return wait_until(lambda: any(text in l for l in list(self.lines)), timeout,
                          what=f"log line containing {text!r}; log so far:\n{self.log()}")

    def wait_for_url(self, timeout=20):
        def find():
            for l in list(self.lines):
                if "health endpoint listening on " in l:
                    rest = l.split("health endpoint listening on ", 1)[1]
                    return rest.split('"')[0].split()[0]
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}:\n{self.log()}")
            return None
        self.url = wait_until(find, timeout, what="health endpoint URL")
        return self.url

    def get(self, path):
        return http_get(self.url + path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        rc = self.proc.wait(timeout=timeout)
        # The readers end at the pipes' EOF: until then log() may lack the last lines.
        for t in self._threads:
            t.join(timeout=5)
        return rc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._threads:
            t.join(timeout=5)
        for s in (self.proc.stdout, self.proc.stderr):
            s.close()
