"""Starts vault-sim on a free loopback port for a test and stops it with SIGTERM."""
import os
import signal
import subprocess
import time
import urllib.request


class VaultSim:
    def __init__(self, binary, *extra):
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--root-token", "root", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("vault-sim did not start: %r %s" % (line, self.proc.stderr.read()))
        self.url = line[len("listening on "):]

    def admin(self, method, path, body=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()

    def stop(self):
        """SIGTERM, then require a clean exit (code 0) within 5 s."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise RuntimeError("vault-sim did not exit on SIGTERM")
        self.proc.stdout.close()
        self.proc.stderr.close()
        if code != 0:
            raise RuntimeError("vault-sim exited with %d" % code)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False
