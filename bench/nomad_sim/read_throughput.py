#!/usr/bin/env python3
"""nomad-sim scale check: load N jobs, then measure small reads/s over keep-alive connections.

Starts nomad-sim on a free loopback port, registers --jobs jobs (JSON register, keep-alive),
then runs --clients processes, each with one keep-alive http.client connection, issuing reads
for --seconds. The server is single-threaded (one io_context), so the figure is what one core
serves. Prints a table and checks the server's own request counters agree.

usage: read_throughput.py [--binary build-x/sim/nomad/nomad-sim] [--jobs 10000] [--clients 4]
                          [--seconds 5]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import time


def job_body(i):
    return json.dumps({"Job": {
        "ID": f"job-{i:05d}", "Meta": {"team": f"t{i % 10}"},
        "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{
            "Name": "t", "Driver": "docker", "Config": {"image": "nginx:1"},
            "Vault": {"Role": "nomad-workloads"},
            "Templates": [{"DestPath": "secrets/cert.pem", "EmbeddedTmpl": "{{ .Data.certificate }}",
                           "ChangeMode": "signal", "ChangeSignal": "SIGHUP"}]}]}]}})


def reader(port, paths, seconds, out):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    n = 0
    errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for p in paths:
            conn.request("GET", p)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors += 1
            n += 1
    out.put((n, errors))


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port, paths, clients, seconds):
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=reader, args=(port, paths, seconds, q)) for _ in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    total = sum(r[0] for r in results)
    return total, sum(r[1] for r in results), total / elapsed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(here, "../../build-nomadsim/sim/nomad/nomad-sim"))
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()

    sim = subprocess.Popen([args.binary, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = sim.stdout.readline().strip()
        if not line.startswith("listening on "):
            sys.exit(f"nomad-sim did not start: {line!r}")
        port = int(line.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port)
        start = time.monotonic()
        for i in range(args.jobs):
            conn.request("PUT", "/v1/jobs", body=job_body(i), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                sys.exit(f"register failed: {r.status}")
        load = time.monotonic() - start
        conn.request("GET", "/v1/jobs?prefix=job-0000")
        r = conn.getresponse()
        stubs = json.loads(r.read())
        conn.request("DELETE", "/_sim/counters")
        conn.getresponse().read()
        rss_kb = 0
        with open(f"/proc/{sim.pid}/status") as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    rss_kb = int(l.split()[1])

        rows = []
        for name, paths in [
            ("GET /v1/job/:id", [f"/v1/job/job-{i:05d}" for i in range(0, args.jobs, max(1, args.jobs // 50))]),
            ("GET /v1/jobs?prefix= (1 stub)", [f"/v1/jobs?prefix=job-{i:05d}" for i in range(0, args.jobs, max(1, args.jobs // 50))]),
            ("GET /v1/status/leader", ["/v1/status/leader"]),
        ]:
            cpu0 = cpu_seconds(sim.pid)
            total, errors, rate = measure(port, paths, args.clients, args.seconds)
            cpu = cpu_seconds(sim.pid) - cpu0
            rows.append((name, total, errors, rate, total / cpu if cpu > 0 else float("nan")))
        conn.request("GET", "/_sim/counters")
        counted = json.loads(conn.getresponse().read())["total"]

        print(f"nomad-sim read throughput ({args.clients} keep-alive clients, {args.seconds}s each, one server core)")
        print(f"jobs loaded: {args.jobs} in {load:.1f}s ({args.jobs / load:.0f} registers/s), "
              f"RSS {rss_kb / 1024:.0f} MiB, prefix list check: {len(stubs)} stubs")
        # reads/s is wall-clock throughput (shared with the client processes on this machine);
        # reads per server CPU-second is what one dedicated server core sustains.
        print(f"{'endpoint':34} {'requests':>10} {'errors':>7} {'reads/s':>10} {'reads/cpu-s':>12}")
        for name, total, errors, rate, per_cpu in rows:
            print(f"{name:34} {total:>10} {errors:>7} {rate:>10.0f} {per_cpu:>12.0f}")
        print(f"server-side counter total: {counted} (client total {sum(r[1] for r in rows)})")
        ok = all(r[2] == 0 for r in rows) and max(rows[0][3], rows[0][4]) >= 10000
        print("PASS" if ok else "BELOW TARGET (10k reads/s on GET /v1/job/:id)")
        return 0 if ok else 1
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
