#!/usr/bin/env python3
"""nomad-sim template load check: does Vault template work for thousands of allocations block the API?

Starts vault-sim (root and intermediate CA, PKI role, JWT auth trusting nomad-sim's JWKS, as
tests/integration/cert_alerts/sims.py bootstraps it) and nomad-sim with --vault-addr and a data
dir, then registers --jobs service jobs of --count allocations whose template logs in with the
workload identity and issues a --ttl certificate from pki-int. A separate prober process reads
GET /v1/jobs, /v1/job/:id, /v1/allocation/:id and /v1/status/leader over one keep-alive
connection every --interval-ms throughout, and the latencies are split by phase:

  idle     before any template job is registered (one plain job exists for the probes)
  render   registration until every allocation's certificate is issued (placement, identity
           JWT, login, issue, render)
  quiet    between the render wave and the first renewal
  renewal  first to last re-issue (85-95 % of the TTL after each issue, scheduled on timers)

Waves are followed on vault-sim's request counters (so the measurement adds no nomad-sim load).
Prints a table (p50/p99/max per phase, ratios to idle, nomad-sim CPU and RSS, load average) and
writes a JSON file. The machine may be shared: compare the during-wave figures with idle.

usage: template_load.py [--binary nomad-sim] [--vault-binary vault-sim] [--jobs 40] [--count 50]
                        [--ttl 90s] [--json out.json] [--smoke]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/integration/cert_alerts"))
from alloc_scale import cpu_seconds, get, job_body, rss_kib  # noqa: E402
from sims import Nomad, Vault, job_hcl, request  # noqa: E402

ISSUE_PATH = "/v1/pki-int/issue/nomad-job"
LOGIN_PATH = "/v1/auth/jwt-nomad/login"


def prober(port, paths, interval, stop, out):
    """Reads `paths` round-robin until `stop`; sends back [(start monotonic, path index, seconds, status)]."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    i = 0
    next_at = time.monotonic()
    while not stop.is_set():
        k = i % len(paths)
        t0 = time.monotonic()
        try:
            status, _, lat = get(conn, paths[k])
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, lat = 0, time.monotonic() - t0
        samples.append((t0, k, lat, status))
        i += 1
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    out.put(samples)


def vault_counts(vault):
    _, doc = request("GET", f"{vault.url}/_sim/counters?prefix=/v1/")
    paths = doc.get("paths", {}) if isinstance(doc, dict) else {}
    return (sum(paths.get(ISSUE_PATH, {}).values()), sum(paths.get(LOGIN_PATH, {}).values()))


def wait_counts(vault, pred, deadline, step=0.25):
    while time.monotonic() < deadline:
        issues, logins = vault_counts(vault)
        if pred(issues):
            return time.monotonic(), issues, logins
        time.sleep(step)
    issues, logins = vault_counts(vault)
    return time.monotonic(), issues, logins


def pct(sorted_lat, q):
    return sorted_lat[min(len(sorted_lat) - 1, int(q * len(sorted_lat)))] if sorted_lat else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "../../build-nomadsim-rel/sim/nomad/nomad-sim"))
    ap.add_argument("--vault-binary", default=os.path.join(HERE, "../../build-http-bench/sim/vault/vault-sim"))
    ap.add_argument("--jobs", type=int, default=40)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--ttl", default="90s", help="certificate TTL (Go duration in seconds, e.g. 90s)")
    ap.add_argument("--idle-seconds", type=float, default=8)
    ap.add_argument("--interval-ms", type=float, default=10)
    ap.add_argument("--data-root", default=None,
                    help="parent of nomad-sim's --data-dir (default: the system temp dir; /dev/shm keeps "
                         "the allocation directories off a busy disk)")
    ap.add_argument("--json", default=os.path.join(tempfile.gettempdir(), "nomad-sim-template-load.json"))
    ap.add_argument("--smoke", action="store_true", help="4 jobs x 25 allocations, 20s certificates")
    args = ap.parse_args()
    if args.smoke:
        args.jobs, args.count, args.ttl, args.idle_seconds = 4, 25, "20s", 3
    total = args.jobs * args.count

    data = tempfile.TemporaryDirectory(prefix="template-load-", dir=args.data_root)
    vault = Vault(args.vault_binary, "root-bench")
    nomad = None
    stop = multiprocessing.Event()
    probe = None
    try:
        nomad = Nomad(args.binary, vault.url, data.name)
        vault.bootstrap(nomad.url + "/.well-known/jwks.json")
        port = int(nomad.url.rsplit(":", 1)[1])
        pid = nomad.proc.pid
        # A plain job for the probes, present in every phase.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("PUT", "/v1/jobs", body=job_body(0, 1), headers={"Content-Type": "application/json"})
        conn.getresponse().read()
        allocs = []
        while not allocs:
            allocs = json.loads(get(conn, "/v1/job/scale-0000/allocations")[1])
            time.sleep(0.05)
        paths = ["/v1/jobs", "/v1/job/scale-0000", f"/v1/allocation/{allocs[0]['ID']}", "/v1/status/leader"]
        q = multiprocessing.Queue()
        probe = multiprocessing.Process(target=prober, args=(port, paths, args.interval_ms / 1000, stop, q))
        probe.start()

        marks = {}  # phase -> (start, end); resources at phase ends

        def snap():
            return {"t": time.monotonic(), "cpu": cpu_seconds(pid), "rss_kib": rss_kib(pid),
                    "vault_cpu": cpu_seconds(vault.proc.pid), "load": os.getloadavg()[0]}

        s_idle = snap()
        time.sleep(args.idle_seconds)
        s_reg = snap()
        hcl_jobs = []
        for i in range(args.jobs):
            job = nomad.call("POST", "/v1/jobs/parse", {"JobHCL": job_hcl(f"tls-{i:04d}", args.ttl)})
            job["TaskGroups"][0]["Count"] = args.count
            nomad.call("PUT", "/v1/jobs", {"Job": job})
            hcl_jobs.append(job["ID"])
        registered = time.monotonic() - s_reg["t"]
        deadline = time.monotonic() + 240
        t_rendered, issues1, logins = wait_counts(vault, lambda n: n >= total, deadline)
        s_rendered = snap()
        t_first_renewal, _, _ = wait_counts(vault, lambda n: n > total, deadline)
        s_quiet_end = snap()
        t_renewed, issues2, _ = wait_counts(vault, lambda n: n >= 2 * total, deadline)
        s_renewed = snap()
        stop.set()
        samples = q.get(timeout=60)
        probe.join()
        probe = None

        # Every runner rendered its first certificate and its renewal; failed allocations named.
        renders, failed = [], {}
        for jid in hcl_jobs:
            renders += [r["Renders"] for r in nomad.templates(jid)]
            for a in nomad.allocations(jid):
                if a["ClientStatus"] != "running":
                    events = [e for ts in (a.get("TaskStates") or {}).values() for e in ts.get("Events") or []]
                    why = next((e.get("DisplayMessage", "") for e in reversed(events) if e.get("FailsTask")), "")
                    failed[a["ID"]] = f"{a['ClientStatus']}: {why}"[:300]
        slowest = sorted(samples, key=lambda x: -x[2])[:10]

        marks = {"idle": (s_idle, s_reg), "render": (s_reg, s_rendered),
                 "quiet": (s_rendered, s_quiet_end), "renewal": (s_quiet_end, s_renewed)}
        phases = {}
        for name, (a, b) in marks.items():
            lat = sorted(x[2] for x in samples if a["t"] <= x[0] < b["t"])
            errors = sum(1 for x in samples if a["t"] <= x[0] < b["t"] and x[3] != 200)
            secs = b["t"] - a["t"]
            phases[name] = {
                "seconds": round(secs, 2), "reads": len(lat), "errors": errors,
                "p50_ms": round(pct(lat, 0.5) * 1000, 2), "p99_ms": round(pct(lat, 0.99) * 1000, 2),
                "max_ms": round(lat[-1] * 1000, 2) if lat else None,
                "nomad_cpu_pct": round(100 * (b["cpu"] - a["cpu"]) / max(secs, 1e-9), 1),
                "vault_cpu_pct": round(100 * (b["vault_cpu"] - a["vault_cpu"]) / max(secs, 1e-9), 1),
                "nomad_rss_mib": round(b["rss_kib"] / 1024, 1), "load_avg_1m": round(b["load"], 2),
            }
        render_s = t_rendered - s_reg["t"]
        renewal_s = t_renewed - t_first_renewal
        result = {
            "allocations": total, "jobs": args.jobs, "count": args.count, "ttl": args.ttl,
            "registered_s": round(registered, 2), "phases": phases,
            "renders_per_s": round(total / max(render_s, 1e-9), 1),
            "renewals_per_s": round((issues2 - issues1) / max(renewal_s, 1e-9), 1),
            "vault_issues": issues2, "vault_logins": logins,
            "runners": len(renders), "runners_renewed": sum(1 for r in renders if r >= 2),
            "failed_allocations": failed,
            "slowest_reads": [{"at_s_after_register": round(x[0] - s_reg["t"], 2), "path": paths[x[1]],
                               "ms": round(x[2] * 1000, 1)} for x in slowest],
        }
        idle_p99 = max(phases["idle"]["p99_ms"], 0.01)
        print(f"nomad-sim template load: {args.jobs} jobs x {args.count} = {total} allocations, "
              f"{args.ttl} certificates, reads every {args.interval_ms:g} ms ({', '.join(paths)})")
        print(f"{'phase':8} {'secs':>6} {'reads':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
              f"{'p99/idle':>8} {'nomad CPU':>9} {'vault CPU':>9} {'RSS MiB':>7} {'load1':>5}")
        for name, p in phases.items():
            print(f"{name:8} {p['seconds']:6.1f} {p['reads']:6d} {p['p50_ms']:7.2f} {p['p99_ms']:7.2f} "
                  f"{(p['max_ms'] or 0):7.1f} {p['p99_ms'] / idle_p99:8.1f} {p['nomad_cpu_pct']:8.0f}% "
                  f"{p['vault_cpu_pct']:8.0f}% {p['nomad_rss_mib']:7.0f} {p['load_avg_1m']:5.2f}")
        print(f"render wave: {total} certificates in {render_s:.1f}s ({result['renders_per_s']}/s, "
              f"registration {registered:.1f}s); renewal wave: {issues2 - issues1} re-issues over "
              f"{renewal_s:.1f}s ({result['renewals_per_s']}/s, spread by the 85-95 % schedule)")
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print("slowest reads (s after registration started: ms): " +
              ", ".join(f"{x['at_s_after_register']}: {x['ms']}" for x in result["slowest_reads"][:5]))
        errors = sum(p["errors"] for p in phases.values())
        ok = (issues1 >= total and issues2 >= 2 * total and result["runners"] == total
              and result["runners_renewed"] == total and errors == 0 and not failed)
        if not ok:
            print(f"issues {issues1}/{issues2}, runners {result['runners']}, renewed "
                  f"{result['runners_renewed']}, read errors {errors}, failed allocations {len(failed)}")
            for aid, why in list(failed.items())[:3]:
                print(f"  {aid}: {why}")
        print(f"wrote {args.json}")
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        stop.set()
        if probe is not None:
            probe.terminate()
        if nomad is not None:
            nomad.stop()
        vault.stop()
        data.cleanup()


if __name__ == "__main__":
    sys.exit(main())
