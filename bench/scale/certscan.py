"""B4 certificate scan (end to end and the parse+decide micro-benchmark) and B5 footprint."""
import json
import os
import subprocess
import time

import fixture
from scenarios import Daemon, converged, median, seconds
from sims import cpu_seconds, free_port, proc_status_kb


def cert_config(env, a, wd, name, scan_interval, port, recheck_interval=None):
    d_dir = os.path.join(wd, name)
    os.makedirs(d_dir, exist_ok=True)
    desired = os.path.join(d_dir, "desired-state.yaml")
    fixture.write_desired(desired, a.roles, a.policies, a.jobs, a.allocs_per_job, env.cert_pem, True)
    cfg = os.path.join(d_dir, "config.yaml")
    fixture.write_config(cfg, env, desired, a.interval, scan_interval, a.concurrency, port,
                         recheck_interval=recheck_interval)
    return d_dir, cfg


def micro(a, res, build):
    binary = os.path.join(build, "bench/certs/cert_bench")
    out = subprocess.run([binary, "--benchmark_format=json",
                          f"--benchmark_min_time={0.05 if a.smoke else 1.0}"],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"cert_bench failed: {out.stderr[-1500:]}")
    doc = json.loads(out.stdout)
    res.details["b4_micro"] = doc["benchmarks"]
    for b in doc["benchmarks"]:
        per_s = b.get("items_per_second", 0.0)
        name = b["name"]
        if name == "BM_ParseAndDecide":
            res.add("B4", f"{name} per core (first sight: parse, names, chain, expiry)", per_s,
                    "certs/s", ">= 50000", per_s >= 50000,
                    note=f"{b['cpu_time']:.1f} {b['time_unit']} CPU each")
        elif name == "BM_RescanDecide":
            res.add("B4", f"{name} per core (each later scan of an unchanged file)", per_s,
                    "certs/s", ">= 50000", per_s >= 50000,
                    note=f"{b['cpu_time']:.1f} {b['time_unit']} CPU each")
        elif name == "BM_D2iX509":
            res.add("B4", f"{name} per core (OpenSSL's DER decode alone: the first-sight floor)",
                    per_s, "ops/s")
        else:
            res.add("B4", f"{name} per core", per_s, "ops/s")


def certs_command(env, a, res, build, wd):
    """`nomad-certd certs`: one cold scan in a fresh process (config load included)."""
    d_dir, cfg = cert_config(env, a, wd, "b4", "1h", None)
    walls, rows = [], 0
    for _ in range(a.scan_repeats):
        t0 = time.monotonic()
        out = subprocess.run([os.path.join(build, "daemon/nomad-certd"), "certs", "--config", cfg,
                              "--output", "json"], env=fixture.daemon_env(), capture_output=True,
                             text=True, timeout=a.timeout)
        walls.append(time.monotonic() - t0)
        if out.returncode not in (0, 2):
            raise RuntimeError(f"certs failed ({out.returncode}): {out.stderr[-1500:]}")
        doc = json.loads(out.stdout)
        rows = len(doc["certificates"])
        ok = sum(1 for c in doc["certificates"] if c["state"] == "ok")
        if ok != a.jobs * a.allocs_per_job:
            raise RuntimeError(f"certs: {ok} ok certificates of {a.jobs * a.allocs_per_job} expected; "
                               f"first: {doc['certificates'][:1]} errors: {doc['errors'][:3]}")
    wall = median(walls)
    rate = rows / wall
    res.details["b4_certs_command"] = {"walls": walls, "rows": rows}
    res.add("B4", "certs command end to end", rate, "certs/s", ">= 5000", rate >= 5000,
            note=f"{rows} certificates in {wall:.2f}s (cold cache, process start included, "
                 f"concurrency {a.concurrency})")


def scan_requests(env):
    """(job allocation lists, file stats) nomad-sim answered since its counters were reset."""
    lists = stats = 0
    for path, methods in env.nomad_counters.read().get("paths", {}).items():
        if path.startswith("/v1/job/") and path.endswith("/allocations"):
            lists += sum(methods.values())
        elif path.startswith("/v1/client/fs/stat/"):
            stats += sum(methods.values())
    return lists, stats


def b4_b5(env, a, res, build, wd):
    micro(a, res, build)
    certs_command(env, a, res, build, wd)
    port = free_port()
    d_dir, cfg = cert_config(env, a, wd, "b5", a.scan_interval, port)
    expected = a.roles + a.policies + a.jobs
    d = Daemon(build, cfg, d_dir, "nomad-certd-b5", port)
    try:
        t0 = time.monotonic()
        st = d.wait(lambda s: s["certificates"]["cycles"] >= 1 and converged(expected)(s), a.timeout,
                    "the first scan and reconcile pass (B5)", poll=2.0)
        startup = time.monotonic() - t0
        cold = st["certificates"]["last_scan_seconds"]
        nrows = len(st["certificates"]["rows"])
        ok = sum(1 for r in st["certificates"]["rows"] if r["state"] == "ok")
        del st
        res.add("B4", "daemon first scan (cold, during first reconcile)", nrows / cold, "certs/s",
                note=f"{nrows} certificates ({ok} ok) in {cold:.2f}s")
        res.add("B5", "start to converged + first scan", startup, "s")
        # One full period: from the end of the cold scan to the end of the next (warm) scan, so
        # the figure is the steady cost at this scan_interval; then a stretch with no scan.
        # /status carries every row, so it is polled only once the simulator has answered the
        # warm scan's stats (one per certificate; a job's allocation list is listed again only
        # when the event stream reported a change of the job, or is not live).
        cycles0 = d.status()["certificates"]["cycles"]
        env.nomad_counters.reset()
        cpu0, w0 = cpu_seconds(d.proc.pid), time.monotonic()
        while scan_requests(env)[1] < nrows:
            if time.monotonic() - w0 > seconds(a.scan_interval) + a.timeout:
                raise RuntimeError("the warm scan's requests never reached nomad-sim (B5)")
            time.sleep(0.5)
        st = d.wait(lambda s: s["certificates"]["cycles"] > cycles0, a.timeout,
                    "the first warm scan (B5)", poll=0.5)
        cpu1, w1 = cpu_seconds(d.proc.pid), time.monotonic()
        lists, stats = scan_requests(env)
        warm = st["certificates"]["last_scan_seconds"]
        del st
        quiet = min(a.idle_seconds, max(1.0, seconds(a.scan_interval) - warm - 5))
        cpu2, w2 = cpu_seconds(d.proc.pid), time.monotonic()
        time.sleep(quiet)
        cpu3, w3 = cpu_seconds(d.proc.pid), time.monotonic()
        scans = d.status()["certificates"]["cycles"] - cycles0
        hwm = proc_status_kb(d.proc.pid, "VmHWM")
        rss = proc_status_kb(d.proc.pid, "VmRSS")
        period = 100.0 * (cpu1 - cpu0) / (w1 - w0)
        idle = 100.0 * (cpu3 - cpu2) / (w3 - w2)
        res.details["b5"] = {"hwm_kb": hwm, "rss_kb": rss, "period_cpu_percent": period,
                             "period_seconds": w1 - w0, "warm_scan_cpu_seconds": cpu1 - cpu0,
                             "idle_cpu_percent": idle, "idle_seconds": w3 - w2,
                             "scans_after_window": scans, "warm_scan_seconds": warm,
                             "warm_scan_lists": lists, "warm_scan_stats": stats,
                             "cold_scan_seconds": cold}
        res.add("B4", "daemon warm scan (stat only, cached facts)", nrows / warm, "certs/s",
                note=f"{nrows} certificates in {warm:.2f}s; {lists} allocation lists, "
                     f"{stats} stats")
        res.add("B5", "peak RSS", hwm / 1024, "MB", "<= 40 MB", hwm / 1024 <= 40,
                note=f"{a.jobs} jobs, {a.jobs * a.allocs_per_job} allocations; RSS now {rss / 1024:.1f} MB")
        res.add("B5", "CPU over one scan period (idle + one warm scan)", period, "%", "< 1 %",
                period < 1.0, note=f"scan_interval {a.scan_interval}: {cpu1 - cpu0:.2f}s CPU in "
                                   f"{w1 - w0:.0f}s")
        res.add("B5", f"idle CPU between scans ({w3 - w2:.0f}s, no scan)", idle, "%", "< 1 %",
                idle < 1.0 and scans == 1, note=f"{scans - 1} scan(s) in this stretch")
    finally:
        d.stop()
    b5_recheck(env, a, res, build, wd, cpu1 - cpu0, w1 - w0)


def b5_recheck(env, a, res, build, wd, stat_cpu, stat_wall):
    """B5 again with `recheck_interval`: a scan in which no settled file is due for a stat, and
    the average over one recheck interval (one scan that stats every file, the rest not)."""
    port = free_port()
    d_dir, cfg = cert_config(env, a, wd, "b5-recheck", a.scan_interval, port, a.recheck_interval)
    d = Daemon(build, cfg, d_dir, "nomad-certd-b5-recheck", port)
    try:
        st = d.wait(lambda s: s["certificates"]["cycles"] >= 1, a.timeout,
                    "the first scan (B5, recheck_interval)", poll=2.0)
        cycles0, nrows = st["certificates"]["cycles"], len(st["certificates"]["rows"])
        del st
        # The next scan starts scan_interval after this one ended and stats no settled file;
        # /status is read only after the window, as it carries every row.
        interval = seconds(a.scan_interval)
        env.nomad_counters.reset()
        cpu0, w0 = cpu_seconds(d.proc.pid), time.monotonic()
        time.sleep(interval + min(10.0, interval))
        cpu1, w1 = cpu_seconds(d.proc.pid), time.monotonic()
        lists, stats = scan_requests(env)
        st = d.status()["certificates"]
        scans, skipped_scan = st["cycles"] - cycles0, st["last_scan_seconds"]
        # A reconnect of the allocation event stream drops every kept list (each job is listed
        # again): the note says so when a window held one.
        reconnects = st.get("allocation_events", {}).get("reconnects", 0)
        del st
        hwm = proc_status_kb(d.proc.pid, "VmHWM")
    finally:
        d.stop()
    if scans < 1 or (scans > 1 and not a.smoke):  # smoke: 2 s scans, several fit the window
        raise RuntimeError(f"B5 recheck window held {scans} scans, expected 1")
    period = 100.0 * (cpu1 - cpu0) / (w1 - w0)
    # Over one recheck interval: one period like B5's (every file statted), the others like
    # this one. Derived from the two measured periods, not timed over the whole interval.
    k = max(1, round(seconds(a.recheck_interval) / interval))
    average = 100.0 * (stat_cpu + (k - 1) * (cpu1 - cpu0)) / (stat_wall + (k - 1) * (w1 - w0))
    res.details["b5_recheck"] = {"period_cpu_percent": period, "period_seconds": w1 - w0,
                                 "period_cpu_seconds": cpu1 - cpu0, "scan_seconds": skipped_scan,
                                 "lists": lists, "stats": stats, "hwm_kb": hwm,
                                 "event_stream_reconnects": reconnects,
                                 "average_cpu_percent": average, "periods_per_recheck": k}
    res.add("B5", f"CPU over a scan period with no file due (recheck_interval {a.recheck_interval})",
            period, "%", note=f"{cpu1 - cpu0:.2f}s CPU in {w1 - w0:.0f}s; {stats} stats, {lists} "
                              f"allocation lists for {nrows} certificates"
                              + (f"; {reconnects} event stream reconnect(s)" if reconnects else ""))
    res.add("B5", f"CPU averaged over recheck_interval {a.recheck_interval} (derived)", average, "%",
            "< 1 %", average < 1.0,
            note=f"1 period statting every file + {k - 1} with none due, from the two measured periods")
