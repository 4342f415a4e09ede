"""Scenarios B1-B5 of the scale harness. Each appends rows to a Results object."""
import json
import os
import resource
import statistics
import subprocess
import time

import fixture
from sims import Client, Proc, cpu_seconds, free_port, proc_status_kb


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    """a / b, or NaN (printed n/a) when the controller made no requests / used no CPU ticks."""
    return a / b if b > 0 else float("nan")


def add_naive_ratios(res, naive_req, controller_req, naive_cpu, controller_cpu):
    note = ("the controller made no Nomad request in the idle cycles (its job watch waits up to "
            f"300s), the baseline {naive_req:.0f} per cycle") if controller_req <= 0 else ""
    res.add("B1", "ratio naive/controller: Nomad requests", ratio(naive_req, controller_req), "x",
            note=note)
    res.add("B1", "ratio naive/controller: CPU per cycle", ratio(naive_cpu, controller_cpu), "x")


def percentile(xs, q):
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for u in ("ms", "s", "m", "h"):
        if text.endswith(u) and text[:-len(u)].replace(".", "").isdigit():
            return float(text[:-len(u)]) * units[u]
    return float(text)


class Results:
    def __init__(self, smoke):
        self.smoke = smoke
        self.rows = []
        self.details = {}

    def add(self, scenario, metric, value, unit, target=None, met=None, note=""):
        self.rows.append({"scenario": scenario, "metric": metric, "value": value, "unit": unit,
                          "target": target, "met": None if self.smoke else met, "note": note})
        print(f"  {scenario} {metric}: {fmt(value)} {unit}" + (f"  ({note})" if note else ""),
              flush=True)


def fmt(v):
    if isinstance(v, float):
        if v != v:
            return "n/a"
        if abs(v) >= 100:
            return f"{v:.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.4f}"
    return str(v)


class Daemon:
    """`nomad-certd run` with its health endpoint on a free port."""

    def __init__(self, build, cfg, workdir, name, port):
        # NC_BENCH_DAEMON_PREFIX runs the daemon under a profiler ("heaptrack -o DIR/x"); its
        # CPU and RSS figures are then the profiler's and are not comparable.
        prefix = os.environ.get("NC_BENCH_DAEMON_PREFIX", "").split()
        argv = prefix + [os.path.join(build, "daemon/nomad-certd"), "run", "--config", cfg]
        self.proc = Proc(name, argv, workdir, env=fixture.daemon_env())
        self.health = Client(f"http://127.0.0.1:{port}", timeout=60)

    def status(self):
        return self.health.ok("GET", "/status")

    def wait(self, pred, timeout, what, poll=1.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.proc.alive():
                raise RuntimeError(f"nomad-certd exited while waiting for {what}: {self.proc.tail()}")
            try:
                last = self.status()
                if pred(last):
                    return last
            except (OSError, RuntimeError):
                pass
            time.sleep(poll)
        raise RuntimeError(f"timed out after {timeout}s waiting for {what}; last status line: "
                           f"{(last or {}).get('status')!r}; log: {self.proc.tail(5)}")

    def stop(self):
        return self.proc.stop()


def converged(expected):
    def pred(st):
        res = st["reconcile"]["resources"]
        return len(res) >= expected and all(r["state"] == "in_sync" for r in res)
    return pred


def vault_category(method, path):
    if "/roles/" in path and method == "GET":
        return "role_read"
    if path.startswith("/v1/sys/policies/acl/") and method == "GET":
        return "policy_read"
    if path.startswith("/v1/sys/health"):
        return "health"
    if path.startswith("/v1/auth/token/"):
        return "token"
    return "other"


def nomad_category(method, path):
    if path == "/v1/jobs" and method == "GET":
        return "job_list"
    if path.startswith("/v1/job/") and path.endswith("/plan"):
        return "job_plan"
    if path == "/v1/jobs/parse":
        return "job_parse"
    if path.startswith("/v1/agent/"):
        return "health"
    if path == "/v1/jobs" and method in ("POST", "PUT"):
        return "job_register"
    if path.startswith("/v1/job/") and method == "GET":
        return "job_read"
    return "other"


# --- B1 + B2: idle cycle and drift -> fix, one daemon over the big environment ---------------

def b1_b2(env, a, res, build, wd):
    d_dir = os.path.join(wd, "b1")
    os.makedirs(d_dir, exist_ok=True)
    desired = os.path.join(d_dir, "desired-state.yaml")
    fixture.write_desired(desired, a.roles, a.policies, a.jobs, a.allocs_per_job, env.cert_pem, False)
    cfg = os.path.join(d_dir, "config.yaml")
    port = free_port()
    fixture.write_config(cfg, env, desired, a.interval, "1h", a.concurrency, port)
    expected = a.roles + a.policies + a.jobs
    t0 = time.monotonic()
    d = Daemon(build, cfg, d_dir, "nomad-certd-b1", port)
    try:
        d.wait(converged(expected), a.timeout, "the first reconcile pass (B1)")
        first_pass = time.monotonic() - t0
        res.details["b1_first_pass_seconds"] = first_pass
        res.add("B1", "first pass after start (all in sync)", first_pass, "s",
                note=f"{a.jobs} jobs, {a.roles + a.policies} Vault objects")
        interval = seconds(a.interval)
        time.sleep(min(interval, 5))
        env.vault_counters.reset()
        env.nomad_counters.reset()
        cpu0, w0 = cpu_seconds(d.proc.pid), time.monotonic()
        time.sleep(a.idle_cycles * interval)
        cpu1, w1 = cpu_seconds(d.proc.pid), time.monotonic()
        vc = env.vault_counters.read()
        nc = env.nomad_counters.read()
        cycles = (w1 - w0) / interval
        vcat = env.vault_counters.by_category(vc, vault_category)
        ncat = env.nomad_counters.by_category(nc, nomad_category)
        res.details["b1_idle"] = {"window_seconds": w1 - w0, "cycles": cycles, "interval": a.interval,
                                  "vault": vc, "nomad_categories": ncat, "vault_categories": vcat,
                                  "nomad_total": nc.get("total", 0)}
        nomad_rc = (nc.get("total", 0) - ncat.get("health", 0)) / cycles
        vault_rc = (vc.get("total", 0) - vcat.get("health", 0) - vcat.get("token", 0)) / cycles
        objects = a.roles + a.policies
        res.add("B1", "idle: Nomad requests per cycle", nomad_rc, "req",
                "<= 1", nomad_rc <= 1.0 + 1e-9,
                note=f"cycle = reconcile.interval {a.interval}; job watch waits up to 300s")
        res.add("B1", "idle: Vault reads per cycle", vault_rc, "req",
                f"<= {objects}", vault_rc <= objects * 1.0 + 1e-9, note=f"{objects} Vault objects")
        cpu_cycle = (cpu1 - cpu0) / cycles
        res.details["b1_cpu_per_cycle"] = cpu_cycle
        res.add("B1", "idle: daemon CPU per cycle", cpu_cycle * 1000, "ms")
        b2(env, a, res, d)
    finally:
        d.stop()
    naive(env, a, res, build, cfg, d_dir, nomad_rc, vault_rc, cpu_cycle)


def naive(env, a, res, build, cfg, d_dir, nomad_rc, vault_rc, cpu_cycle):
    """Baseline that re-reads (observes) every declared object each cycle."""
    binary = os.path.join(build, "bench/scale/naive_resync")
    if not os.path.exists(binary):
        return naive_plan(env, a, res, build, cfg, nomad_rc, cpu_cycle)
    runs = {}
    for cycles in (1, 1 + a.naive_cycles):
        env.vault_counters.reset()
        env.nomad_counters.reset()
        out = subprocess.run([binary, "--config", cfg, "--cycles", str(cycles)], env=fixture.daemon_env(),
                             capture_output=True, text=True, timeout=a.timeout)
        if out.returncode != 0:
            why = f"naive_resync exited {out.returncode}: {out.stderr[-300:].strip()}"
            print(f"  warning: {why}; falling back to one `plan`", flush=True)
            res.details["b1_naive_error"] = why
            return naive_plan(env, a, res, build, cfg, nomad_rc, cpu_cycle)
        runs[cycles] = (json.loads(out.stdout), env.vault_counters.read(), env.nomad_counters.read())
    (doc, v1, n1), (docn, vn, nn) = runs[1], runs[1 + a.naive_cycles]
    steady = docn["cycles"][1:]
    n_req = (nn["total"] - n1["total"]) / a.naive_cycles
    v_req = (vn["total"] - v1["total"]) / a.naive_cycles
    cpu = median([c["cpu_seconds"] for c in steady])
    wall = median([c["wall_seconds"] for c in steady])
    res.details["b1_naive"] = {"cycles": docn["cycles"], "nomad_per_cycle": n_req, "vault_per_cycle": v_req}
    res.add("B1", "naive full resync: Nomad requests per cycle", n_req, "req")
    res.add("B1", "naive full resync: Vault requests per cycle", v_req, "req")
    res.add("B1", "naive full resync: CPU per cycle", cpu * 1000, "ms", note=f"wall {wall:.2f}s per cycle")
    add_naive_ratios(res, n_req, nomad_rc, cpu, cpu_cycle)


def b2(env, a, res, d):
    lat, failed = [], 0
    env.nomad_counters.reset()
    cpu0 = cpu_seconds(d.proc.pid)
    for k in range(a.edits):
        jid = fixture.job_id((k * 7919) % a.jobs)
        t0 = time.monotonic()
        env.nomad.ok("POST", f"/_sim/job/{jid}/edit?namespace=default", {"Meta": {"drift": str(k)}})
        fixed = None
        while time.monotonic() - t0 < 30:
            job = env.nomad.ok("GET", f"/v1/job/{jid}")
            if "drift" not in (job.get("Meta") or {}):
                fixed = time.monotonic() - t0
                break
            time.sleep(0.005)
        if fixed is None:
            failed += 1
        else:
            lat.append(fixed)
        time.sleep(0.05)
    cpu_fix = (cpu_seconds(d.proc.pid) - cpu0) / max(a.edits, 1)
    ncat = env.nomad_counters.by_category(env.nomad_counters.read(), nomad_category)
    ncat.pop("job_read", None)  # the harness's own polling
    res.details["b2_job_latencies"] = lat
    res.details["b2_nomad_requests"] = ncat
    p95 = percentile(lat, 0.95)
    res.add("B2", "job drift->fix p50", percentile(lat, 0.5), "s", note=f"{len(lat)} edits, {failed} not fixed in 30s")
    res.add("B2", "job drift->fix p95", p95, "s", "< 1 s", p95 < 1.0 and failed == 0)
    res.add("B2", "job drift->fix max", max(lat) if lat else float("nan"), "s")
    res.add("B2", "daemon CPU per job fix", cpu_fix * 1000, "ms",
            note="requests per fix: " + ", ".join(f"{k} {v / max(a.edits, 1):.1f}" for k, v in sorted(ncat.items())))
    interval = seconds(a.interval)
    vlat, vfailed = [], 0
    for k in range(a.vault_edits):
        role = fixture.role_name(k % max(a.roles, 1))
        path = f"/v1/{fixture.MOUNT}/roles/{role}"
        t0 = time.monotonic()
        env.vault.ok("POST", path, {"max_ttl": "999h"})
        fixed = None
        while time.monotonic() - t0 < 3 * interval + 10:
            doc = env.vault.ok("GET", path)
            if doc["data"].get("max_ttl") == 72 * 3600:
                fixed = time.monotonic() - t0
                break
            time.sleep(0.05)
        if fixed is None:
            vfailed += 1
        else:
            vlat.append(fixed)
    res.details["b2_vault_latencies"] = vlat
    if a.vault_edits:
        vmax = max(vlat) if vlat else float("nan")
        res.add("B2", "Vault role drift->fix max", vmax, "s", f"<= interval {a.interval}",
                bool(vlat) and vfailed == 0 and vmax <= interval + 1.0,
                note=f"{len(vlat)} edits, p50 {percentile(vlat, 0.5):.1f}s, {vfailed} not fixed")


def naive_plan(env, a, res, build, cfg, nomad_rc, cpu_cycle):
    """Fallback baseline without naive_resync: one `nomad-certd plan` reads every object once
    (its CPU includes process start, config load and the HCL parse of every job)."""
    env.vault_counters.reset()
    env.nomad_counters.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run([os.path.join(build, "daemon/nomad-certd"), "plan", "--config", cfg, "--output", "json"],
                         env=fixture.daemon_env(), capture_output=True, text=True, timeout=a.timeout)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in (0, 2):
        raise RuntimeError(f"plan failed ({out.returncode}): {out.stderr[-1500:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    ncat = env.nomad_counters.by_category(env.nomad_counters.read(), nomad_category)
    vcat = env.vault_counters.by_category(env.vault_counters.read(), vault_category)
    n_req = ncat.get("job_plan", 0) + ncat.get("job_list", 0)
    v_req = vcat.get("role_read", 0) + vcat.get("policy_read", 0)
    res.details["b1_naive_plan"] = {"nomad": ncat, "vault": vcat, "cpu": cpu, "wall": wall}
    note = "one `plan` (naive_resync not built)"
    res.add("B1", "naive full resync: Nomad requests per cycle", n_req, "req", note=note)
    res.add("B1", "naive full resync: Vault requests per cycle", v_req, "req", note=note)
    res.add("B1", "naive full resync: CPU per cycle", cpu * 1000, "ms",
            note=f"{note}: includes start, config load, HCL parse; wall {wall:.1f}s")
    add_naive_ratios(res, n_req, nomad_rc, cpu, cpu_cycle)
