#!/usr/bin/python3
"""Scale harness (B1-B5): starts vault-sim and nomad-sim, populates them through their APIs, runs
nomad-certd against them, prints one table and writes a JSON file. Called by bench/run.sh."""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import certscan  # noqa: E402
import converge  # noqa: E402
import fixture  # noqa: E402
from scenarios import Results, b1_b2, fmt  # noqa: E402

FULL = dict(jobs=10000, allocs_per_job=5, roles=100, policies=100, converge_roles=100,
            converge_policies=100, converge_jobs=1000, edits=50, vault_edits=3, interval="30s",
            idle_cycles=3, naive_cycles=2, repeats=3, ansible_repeats=1, scan_repeats=3,
            scan_interval="1m", recheck_interval="10m", idle_seconds=60.0, concurrency=4,
            timeout=1800)
SMOKE = dict(jobs=20, allocs_per_job=2, roles=3, policies=3, converge_roles=1, converge_policies=1,
             converge_jobs=10, edits=5, vault_edits=1, interval="2s", idle_cycles=2, naive_cycles=1,
             repeats=1, ansible_repeats=1, scan_repeats=1, scan_interval="2s", recheck_interval="6s",
             idle_seconds=3.0, concurrency=4, timeout=120)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--smoke", action="store_true", help="small sizes; checks the harness, not timings")
    p.add_argument("--json", default=None, help="result file (default bench-results.json in the build dir)")
    p.add_argument("--workdir", default=None, help="keep simulator data and logs here")
    p.add_argument("--only", default="B1,B2,B3,B4,B5", help="comma-separated scenarios")
    for k, v in FULL.items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v), default=None,
                       help=f"default {v} (smoke {SMOKE[k]})")
    a = p.parse_args()
    base = SMOKE if a.smoke else FULL
    for k, v in base.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    a.only = {s.strip().upper() for s in a.only.split(",")}
    return a


def table(res, a):
    head = ["SCENARIO", "METRIC", "VALUE", "UNIT", "TARGET", "MET"]
    rows = [head]
    for r in res.rows:
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        rows.append([r["scenario"], r["metric"], fmt(r["value"]), r["unit"], r["target"] or "", met])
    w = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w[i]) if i != 2 else c.rjust(w[i]) for i, c in enumerate(row)).rstrip()
             for row in rows]
    return "\n".join(lines)


def main():
    a = parse_args()
    build = os.path.abspath(a.build_dir)
    wd = a.workdir or tempfile.mkdtemp(prefix="nomad-certd-bench.")
    os.makedirs(wd, exist_ok=True)
    res = Results(a.smoke)
    sizes = {k: getattr(a, k) for k in FULL}
    started = time.monotonic()
    envs = []
    ok = True
    try:
        if "B3" in a.only:
            print(f"== B3 converge from empty ({a.converge_roles} roles, {a.converge_policies} policies, "
                  f"{a.converge_jobs} jobs)", flush=True)
            env = fixture.Env(build, wd, "env-b3")
            envs.append(env)
            converge.b3(env, a, res, build, wd)
            env.stop()
        if a.only & {"B1", "B2", "B4", "B5"}:
            print(f"== populating: {a.jobs} jobs x {a.allocs_per_job} allocations, {a.roles} PKI roles, "
                  f"{a.policies} policies", flush=True)
            env = fixture.Env(build, wd, "env-scale")
            envs.append(env)
            env.bootstrap_vault()
            t0 = time.monotonic()
            env.populate_vault(a.roles, a.policies)
            env.populate_jobs(a.jobs, a.allocs_per_job, True)
            want = a.jobs * a.allocs_per_job
            while env.running_allocs() < want:
                if time.monotonic() - t0 > a.timeout:
                    raise RuntimeError(f"only {env.running_allocs()} of {want} allocations running")
                time.sleep(1)
            res.details["populate_seconds"] = time.monotonic() - t0
            print(f"   populated in {time.monotonic() - t0:.1f}s", flush=True)
            if a.only & {"B1", "B2"}:
                print("== B1 idle cycle, B2 drift -> fix", flush=True)
                b1_b2(env, a, res, build, wd)
            if a.only & {"B4", "B5"}:
                print("== B4 certificate scan, B5 footprint", flush=True)
                certscan.b4_b5(env, a, res, build, wd)
    except Exception as e:  # report what ran, then fail
        ok = False
        print(f"error: {e}", file=sys.stderr)
    finally:
        for env in envs:
            env.stop()
    total = time.monotonic() - started
    out = a.json or os.path.join(build, "bench-results.json")
    with open(out, "w") as f:
        json.dump({"smoke": a.smoke, "sizes": sizes, "seconds": total, "ok": ok, "results": res.rows,
                   "details": res.details}, f, indent=1)
    print()
    print(table(res, a))
    print(f"\n{'smoke' if a.smoke else 'full'} run in {total:.0f}s; JSON: {out}")
    if not a.workdir and ok:
        shutil.rmtree(wd, ignore_errors=True)
    elif not ok:
        print(f"logs kept in {wd}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
