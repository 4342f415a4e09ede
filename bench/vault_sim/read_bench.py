#!/usr/bin/python3
"""Measures vault-sim's small-read throughput over keep-alive on loopback.

Starts vault-sim (or uses --url), creates a PKI role, then drives GET /v1/<mount>/roles/<role>
with a root token over C keep-alive connections, pipelining B requests per write. Reports
requests/s of wall time and requests per second of the server's own CPU time (utime+stime
from /proc), which is the "one core" figure and is robust on a busy machine, plus the load
average, since the wall figure depends on what else runs.

    bench/vault_sim/read_bench.py --bin build/sim/vault/vault-sim --seconds 5
    bench/vault_sim/read_bench.py --bin build/sim/vault/vault-sim --client wrk --connections 8
Exit status 1 when the per-core figure is below --min (default 20000).
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request


def http_json(url, method, path, body=None, token="root"):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers={"X-Vault-Token": token})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def worker(host, port, request, batch, deadline, counts, idx):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = request * batch
    buf = b""
    done = 0
    while time.time() < deadline:
        s.sendall(payload)
        got = 0
        while got < batch:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("server closed the connection")
            buf += chunk
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end]
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError("unexpected response: %r" % head[:80])
                i = head.lower().find(b"content-length:")
                length = int(head[i + 15:head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else None])
                if len(buf) < end + 4 + length:
                    break
                buf = buf[end + 4 + length:]
                got += 1
        done += batch
    counts[idx] = done
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/sim/vault/vault-sim")
    ap.add_argument("--url", help="use a running vault-sim instead (per-core figure needs --pid)")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--min", type=float, default=20000.0)
    ap.add_argument("--client", choices=["python", "wrk"], default="python",
                    help="python: built-in pipelining client; wrk: one wrk thread, no pipelining (needs wrk)")
    args = ap.parse_args()

    proc = None
    url, pid = args.url, args.pid
    if not url:
        proc = subprocess.Popen([args.bin, "--listen", "127.0.0.1:0", "--root-token", "root"],
                                stdout=subprocess.PIPE, text=True)
        url = proc.stdout.readline().strip().split(" ", 2)[2]
        pid = proc.pid
    try:
        http_json(url, "POST", "/v1/sys/mounts/pki-bench", {"type": "pki"})
        http_json(url, "POST", "/v1/pki-bench/roles/web", {"allowed_domains": "example.com", "key_type": "ec"})
        host, port = url.split("//", 1)[1].rsplit(":", 1)
        request = ("GET /v1/pki-bench/roles/web HTTP/1.1\r\nHost: %s\r\nX-Vault-Token: root\r\n\r\n" % host).encode()
        counts = [0] * args.connections
        cpu0 = cpu_seconds(pid) if pid else None
        t0 = time.time()
        if args.client == "wrk":
            out = subprocess.run(["wrk", "-t1", "-c%d" % args.connections, "-d%gs" % args.seconds,
                                  "-H", "X-Vault-Token: root", url + "/v1/pki-bench/roles/web"],
                                 capture_output=True, text=True, check=True).stdout
            if "Non-2xx" in out:
                raise RuntimeError("wrk saw error responses:\n" + out)
            total = int(next(line for line in out.splitlines() if " requests in " in line).split()[0])
            args.batch = 1
        else:
            deadline = t0 + args.seconds
            threads = [threading.Thread(target=worker, args=(host, int(port), request, args.batch, deadline, counts, i))
                       for i in range(args.connections)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            total = sum(counts)
        wall = time.time() - t0
        result = {"requests": total, "wall_seconds": round(wall, 3), "wall_rps": round(total / wall)}
        if pid:
            cpu = cpu_seconds(pid) - cpu0
            result["server_cpu_seconds"] = round(cpu, 3)
            result["reads_per_cpu_second"] = round(total / cpu) if cpu > 0 else None
        counters = json.loads(http_json(url, "GET", "/_sim/counters?prefix=/v1/pki-bench/roles/web"))
        result["counted_by_sim"] = counters["total"]
        result["client"], result["connections"], result["pipelined"] = args.client, args.connections, args.batch
        result["loadavg_1_5_15"] = list(os.getloadavg())  # the machine may be shared: read wall_rps with it
        print(json.dumps(result))
        per_core = result.get("reads_per_cpu_second") or result["wall_rps"]
        return 0 if per_core >= args.min else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
