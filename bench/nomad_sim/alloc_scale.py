#!/usr/bin/env python3
"""nomad-sim allocation scale check: N allocations in memory, time and memory, API latency.

Starts nomad-sim on a free loopback port (no data dir, no Vault: the scheduler and client
simulation only), registers --jobs service jobs of --count allocations each (50,000 by default),
waits until every allocation is running, and reports the time, the server's RSS and CPU, and the
latency of small reads while the allocations exist.

usage: alloc_scale.py [--binary build-x/sim/nomad/nomad-sim] [--jobs 500] [--count 100]
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import time


def job_body(i, count):
    return json.dumps({"Job": {
        "ID": f"scale-{i:04d}", "Type": "service",
        "TaskGroups": [{"Name": "g", "Count": count, "Tasks": [
            {"Name": "t", "Driver": "docker", "Config": {"image": "nginx:1"}}]}]}})


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(conn, path):
    t = time.monotonic()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    return r.status, body, time.monotonic() - t


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(here, "../../build-nomadsim/sim/nomad/nomad-sim"))
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--count", type=int, default=100)
    args = ap.parse_args()
    total = args.jobs * args.count

    sim = subprocess.Popen([args.binary, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = sim.stdout.readline().strip()
        if not line.startswith("listening on "):
            sys.exit(f"nomad-sim did not start: {line!r}")
        port = int(line.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        rss0 = rss_kib(sim.pid)
        start = time.monotonic()
        for i in range(args.jobs):
            conn.request("PUT", "/v1/jobs", body=job_body(i, args.count), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                sys.exit(f"register failed: {r.status}")
        registered = time.monotonic() - start
        # Every allocation running: the last job's allocations are placed last.
        running = 0
        while time.monotonic() - start < 600:
            status, body, _ = get(conn, f"/v1/job/scale-{args.jobs - 1:04d}/allocations")
            allocs = json.loads(body)
            running = sum(1 for a in allocs if a["ClientStatus"] == "running")
            if running == args.count:
                break
            time.sleep(0.2)
        all_running = time.monotonic() - start
        status, body, list_t = get(conn, "/v1/allocations?task_states=false")
        listed = len(json.loads(body))
        list_mib = len(body) / 1048576
        lat = []
        for i in range(0, args.jobs, max(1, args.jobs // 50)):
            status, body, t = get(conn, f"/v1/job/scale-{i:04d}/allocations")
            lat.append(t)
            aid = json.loads(body)[0]["ID"]
            status, body, t = get(conn, f"/v1/allocation/{aid}")
            lat.append(t)
        lat.sort()
        rss = rss_kib(sim.pid)
        cpu = cpu_seconds(sim.pid)
        print(f"nomad-sim allocation scale: {args.jobs} jobs x {args.count} = {total} allocations")
        print(f"registered in {registered:.1f}s, all running after {all_running:.1f}s (server CPU {cpu:.1f}s)")
        print(f"RSS {rss0 / 1024:.0f} MiB empty -> {rss / 1024:.0f} MiB "
              f"({(rss - rss0) * 1024 / max(1, total):.0f} bytes per allocation)")
        print(f"GET /v1/allocations?task_states=false: {listed} stubs ({list_mib:.0f} MiB) in {list_t * 1000:.0f} ms")
        print(f"GET job allocations / one allocation: median {lat[len(lat) // 2] * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms over {len(lat)} reads")
        ok = listed == total and running == args.count
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        sim.terminate()
        sim.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
