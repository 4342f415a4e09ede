"""Fault cases during apply, mixed into faults_test.FaultCase: the leader lock taken away while
the leader applies a slow batch of policy writes (two daemons with leader election), and
kill -9 at seeded random instants while one daemon applies 30 drifted policies and PKI roles.
Writes are counted per object with vault-sim's /_sim/counters; each daemon's writes are its
`event=drift_fixed` log lines (in log order, so "after leadership_lost" is exact)."""
import json
import math
import os
import random
import re
import time

from harness import Daemon, wait_until  # noqa: E402
from simenv import request  # noqa: E402

LOCK_PATH = "nomad-certd/leader"
LOCK_TTL = 10  # seconds, the smallest TTL Nomad accepts
LEADER_POLICIES = 40
LEADER_WRITE_LATENCY = 0.5
KILL_POLICIES = 15
KILL_ROLES = 15
KILL_WRITE_LATENCY = 0.3
KILLS = 4


def policy_name(i):
    return f"fault-p{i:02d}"


def role_name(i):
    return f"fault-r{i:02d}"


def policy_text(i):
    return f'path "secret/data/fault/{i:02d}/*" {{\n  capabilities = ["read"]\n}}\n'


def add_objects(policies, roles):
    """desired_edit for SimEnv.config_dir: `policies` inline policies and `roles` PKI roles."""
    def edit(text):
        extra_p = "".join(
            f"    - name: {policy_name(i)}\n      policy: |\n"
            + "".join(f"        {line}\n" for line in policy_text(i).splitlines())
            for i in range(policies))
        extra_r = "".join(
            f"    - mount: pki-int\n      name: {role_name(i)}\n      config:\n"
            f"        allowed_domains: [r{i:02d}.service.consul]\n"
            f"        allow_subdomains: true\n        ttl: 1h\n        max_ttl: 24h\n"
            for i in range(roles))
        text = text.replace("  policies:\n", "  policies:\n" + extra_p, 1)
        return text.replace("  pki_roles:\n", "  pki_roles:\n" + extra_r, 1)
    return edit


def fixed_lines(lines, start=0, prefix="fault-", event="drift_fixed"):
    """Indexes of `event=drift_fixed` (or `event`) lines for our objects from `start` on."""
    return [i for i in range(start, len(lines))
            if f"event={event} " in lines[i] and f":{prefix}" in lines[i]]


class ApplyFaults:
    """Needs FaultCase's env, token_file, readyz(), assert_alive(), record()."""

    def setup_apply_case(self, name):
        leader = name == "test_leader_lock_lost_mid_write"
        edit = (add_objects(LEADER_POLICIES, 0) if leader
                else add_objects(KILL_POLICIES, KILL_ROLES))
        # debug: the HTTP client logs its retries, which Vault counts as writes too
        cfg = self.env.config_dir(log_level="debug" if leader else "info", interval="2s",
                                  scan_interval="30s",
                                  leader_election=leader, desired_edit=edit)
        with open(cfg) as f:
            text = f.read()
        text = text.replace("  auth: {method: token}\n",
                            f"  auth: {{method: token, token_file: {self.token_file}}}\n"
                            "  request_timeout: 5s\n")
        text = text.replace("nomad:\n", "nomad:\n  request_timeout: 5s\n", 1)
        if leader:
            text = text.replace("    enabled: true\n",
                                f"    enabled: true\n    ttl: {LOCK_TTL}s\n")
        with open(cfg, "w") as f:
            f.write(text)
        self.configs = [cfg]
        if leader:  # a second daemon: same desired state, its own spool
            second = os.path.join(os.path.dirname(cfg), "config-b.yaml")
            with open(second, "w") as f:
                f.write(text.replace(f"spool_dir: {self.env.spool}",
                                     f"spool_dir: {self.env.spool}-b"))
            self.configs.append(second)

    def spawn(self, index=0):
        class Work:
            config = self.configs[index]
        d = Daemon(os.path.join(self.build, "daemon/nomad-certd"), Work,
                   {"VAULT_TOKEN": "", "NOMAD_TOKEN": ""})
        self.addCleanup(d.stop)
        d.wait_for_url(timeout=60)
        return d

    # --- observations ------------------------------------------------------------------
    def vault_get(self, path):
        status, text = request("GET", f"{self.env.vault.address}/v1/{path}",
                               headers={"X-Vault-Token": self.env.root_token})
        return json.loads(text)["data"] if status == 200 else None

    def writes_per_path(self, prefix):
        _, text = request("GET", f"{self.env.vault.address}/_sim/counters?prefix={prefix}")
        return {p: sum(n for m, n in by.items() if m in ("PUT", "POST"))
                for p, by in json.loads(text)["paths"].items()}

    def reset_counters(self):
        request("DELETE", f"{self.env.vault.address}/_sim/counters")

    @staticmethod
    def status_of(d):
        try:
            return json.loads(d.get("/status")[2])
        except (OSError, ValueError):
            return {}

    def is_leader(self, d):
        return d.proc.poll() is None and self.status_of(d).get("leader") is True

    def policies_in_sync(self, count):
        return all((self.vault_get(f"sys/policies/acl/{policy_name(i)}") or {}).get("policy")
                   == policy_text(i) for i in range(count))

    # --- the leader lock lost mid-write --------------------------------------------------
    def test_leader_lock_lost_mid_write(self):
        t_start = time.monotonic()
        a = self.spawn(0)
        wait_until(lambda: self.is_leader(a), timeout=30, step=0.2, what="daemon A to lead")
        b = self.spawn(1)
        wait_until(lambda: self.policies_in_sync(LEADER_POLICIES), timeout=60, step=0.3,
                   what="A to create the policies")
        for d in (a, b):
            wait_until(lambda: d.get("/readyz")[0] == 200, timeout=60, step=0.3,
                       what="both daemons ready")
        self.assertFalse(self.is_leader(b), "B leads too")
        # Slow policy writes (reads stay fast), then drift every policy: A repairs them in one
        # batch that lasts well over the lock TTL.
        self.env.fault("vault", {"prefix": "/v1/sys/policies/acl/fault-", "method": "PUT",
                                 "latency_ms": int(LEADER_WRITE_LATENCY * 1000)})
        a_mark, b_mark = len(a.lines), len(b.lines)  # A may re-create the first ones at once
        self.reset_counters()
        for i in range(LEADER_POLICIES):
            self.env.vault_call("DELETE", f"sys/policies/acl/{policy_name(i)}")
        t_drift = time.monotonic()
        # Sample A's /status while it writes: it must stay leader throughout (renewing between
        # writes) although the batch outlives the TTL since its last renew.
        before = math.ceil(1.3 * LOCK_TTL / LEADER_WRITE_LATENCY)
        lapses = []

        def written():
            self.assert_alive_all(a, b)
            if self.status_of(a).get("leader") is False:  # (not an unanswered request)
                lapses.append(round(time.monotonic() - t_drift, 1))
            return sum(self.writes_per_path("/v1/sys/policies/acl/fault-").values()) >= before
        wait_until(written, timeout=60, step=0.1,
                   what=f"A to write {before} policies; writes "
                        f"{self.writes_per_path('/v1/sys/policies/acl/fault-')}")
        self.assertEqual(fixed_lines(b.lines, b_mark), [], "the follower wrote")
        # Deterministic too: a leader whose lease lapsed mid-batch observes the rest without
        # writing (one drift_detected line more than drift_fixed for each such policy).
        seen = len(fixed_lines(a.lines, a_mark, event="drift_detected"))
        self.assertLessEqual(seen, len(fixed_lines(a.lines, a_mark)) + 1,
                             "A observed drifted policies without repairing them while leader")
        self.assertEqual(lapses, [], "A stopped being leader mid-batch (no renew between "
                                     "writes) at these seconds after the drift")
        # Take the lock away as an operator would: release it with the holder's lock ID.
        var = json.loads(request("GET", f"{self.env.nomad.address}/v1/var/{LOCK_PATH}")[1])
        status, text = request("PUT", f"{self.env.nomad.address}/v1/var/{LOCK_PATH}?lock-release",
                               {"Namespace": "default", "Path": LOCK_PATH,
                                "Lock": {"ID": var["Lock"]["ID"]}})
        self.assertEqual(status, 200, text)
        t_steal = time.monotonic()
        a_steal = len(a.lines)
        wait_until(lambda: self.is_leader(b), timeout=3 * LOCK_TTL, step=0.1,
                   what="B to take the lock")
        takeover = time.monotonic() - t_steal
        learn_bound = 0.7 * LOCK_TTL + 2 * LEADER_WRITE_LATENCY + 2.5
        lost = wait_until(lambda: next((i for i in range(a_steal, len(a.lines))
                                        if "event=leadership_lost" in a.lines[i]), None),
                          timeout=3 * LOCK_TTL, step=0.1, what="A to log leadership_lost")
        learned = time.monotonic() - t_steal
        self.assertLess(learned, learn_bound, "A learned of the lost lock only after its "
                                              "batch, not at its next renew")
        wait_until(lambda: self.policies_in_sync(LEADER_POLICIES), timeout=60, step=0.3,
                   what="every policy repaired by B")
        converged = time.monotonic() - t_steal
        for d, leads in ((a, 0), (b, 1)):
            wait_until(lambda: d.get("/readyz")[0] == 200, timeout=30, step=0.3,
                       what="both daemons ready after the takeover")
            self.assertEqual(self.status_of(d).get("leader"), bool(leads))
            self.assertRegex(d.get("/metrics")[2], rf"(?m)^nomad_certd_leader {leads}$")
        time.sleep(1.5)  # let any straggling write land before counting
        late = [a.lines[i] for i in fixed_lines(a.lines, lost)]
        self.assertEqual(late, [], "A wrote after it logged leadership_lost")
        a_fixes = fixed_lines(a.lines, a_mark)
        a_after = len([i for i in a_fixes if i >= a_steal])
        b_fixes = len(fixed_lines(b.lines, b_mark))
        per = self.writes_per_path("/v1/sys/policies/acl/fault-")
        total = sum(per.values())
        dupes = sum(n - 1 for n in per.values() if n > 1)
        self.assertEqual(len(per), LEADER_POLICIES, per)
        self.assertLessEqual(max(per.values()), 2, per)
        resent = [l for d in (a, b) for l in d.lines[a_mark if d is a else b_mark:]
                  if re.search(r"PUT /v1/sys/policies/acl/fault-\S* -> .*retrying", l)]
        self.assertEqual(total, len(a_fixes) + b_fixes + len(resent),
                         "writes seen by Vault differ from the daemons' drift_fixed lines and "
                         "retries: " + "\n".join(
                             l for d in (a, b) for l in d.lines
                             if "fault-p" in l and ("PUT" in l or "failure" in l)
                             and "-> 204 (" not in l)[-4000:])
        self.assertLessEqual(dupes, a_after, "duplicates beyond A's writes after the steal")
        self.record(("leader lock lost mid-write (2 daemons)", f"{learned:.1f}s",
                     f"{takeover:.1f}s", f"{converged:.1f}s",
                     f"A wrote {len(a_fixes) - a_after} then {a_after} after the release, "
                     f"B {b_fixes}; {dupes} dup; {time.monotonic() - t_start:.0f}s"))

    def assert_alive_all(self, *daemons):
        for d in daemons:
            code = d.proc.poll()
            if code is not None:
                raise AssertionError(f"daemon exited {code}:\n" + "\n".join(d.lines[-30:]))

    # --- kill -9 at random points during apply -------------------------------------------
    def kill_objects(self):
        return ([f"sys/policies/acl/{policy_name(i)}" for i in range(KILL_POLICIES)]
                + [f"pki-int/roles/{role_name(i)}" for i in range(KILL_ROLES)])

    def snapshot(self):
        return {p: self.vault_get(p) for p in self.kill_objects()}

    def total_writes(self):
        return (sum(self.writes_per_path("/v1/sys/policies/acl/fault-").values())
                + sum(self.writes_per_path("/v1/pki-int/roles/fault-").values()))

    def test_kill9_during_apply(self):
        t_start = time.monotonic()
        seed = int(os.environ.get("NC_FAULT_SEED", str(time.time_ns() % 1000000)))
        print(f"\nkill -9 during apply: seed {seed} (NC_FAULT_SEED={seed} repeats it)")
        rng = random.Random(seed)
        d = self.spawn(0)
        wait_until(lambda: all(v is not None for v in self.snapshot().values()), timeout=60,
                   step=0.3, what="the daemon to create the 30 objects")
        wait_until(lambda: d.get("/readyz")[0] == 200, timeout=60, step=0.3, what="readiness")
        d.stop()
        desired = self.snapshot()
        # Drift every object while the daemon is down; writes get slow so apply takes a while.
        for i in range(KILL_POLICIES):
            self.env.vault_call("PUT", f"sys/policies/acl/{policy_name(i)}",
                                {"policy": f'path "drift/{i}" {{ capabilities = ["deny"] }}'})
        for i in range(KILL_ROLES):
            self.env.vault_call("POST", f"pki-int/roles/{role_name(i)}",
                                {"allowed_domains": ["drift.example"], "max_ttl": "48h"})
        old = self.snapshot()
        for p in old:
            self.assertNotEqual(old[p], desired[p], p)
        ms = int(KILL_WRITE_LATENCY * 1000)
        self.env.fault("vault", {"prefix": "/v1/sys/policies/acl/fault-", "method": "PUT",
                                 "latency_ms": ms})
        self.env.fault("vault", {"prefix": "/v1/pki-int/roles/fault-", "method": "POST",
                                 "latency_ms": ms})
        self.reset_counters()
        kill_points, partial = [], []
        for k in range(KILLS):
            start_writes = self.total_writes()  # a killed write was counted on arrival
            d = self.spawn(0)
            wait_until(lambda: self.assert_alive_all(d) or self.total_writes() > start_writes,
                       timeout=60, step=0.02, what=f"writes after start {k + 1}")
            # Up to ~4 writes per run: 30 objects outlast the kills.
            time.sleep(rng.uniform(0.0, 4 * KILL_WRITE_LATENCY))
            d.proc.kill()
            d.proc.wait(timeout=10)
            now = self.snapshot()  # at once, while a killed write may still be landing
            states = {p: "desired" if now[p] == desired[p] else "old" if now[p] == old[p]
                      else "partial" for p in now}
            partial += [(k + 1, p, now[p]) for p, s in states.items() if s == "partial"]
            kill_points.append(f"{list(states.values()).count('desired')}/30")
            d.stop()
        self.assertEqual(partial, [], "objects neither old nor desired at a kill point")
        t_last = time.monotonic()
        d = self.spawn(0)
        wait_until(lambda: self.snapshot() == desired, timeout=60, step=0.3,
                   what="convergence after the last restart")
        converged = time.monotonic() - t_last
        wait_until(lambda: d.get("/readyz")[0] == 200, timeout=30, step=0.3,
                   what="readiness after convergence")
        time.sleep(2.5)  # one more resync: nothing is rewritten once in sync
        self.assertEqual(self.snapshot(), desired)
        per = {**self.writes_per_path("/v1/sys/policies/acl/fault-"),
               **self.writes_per_path("/v1/pki-int/roles/fault-")}
        over = {p: n for p, n in per.items() if n > KILLS + 1}
        self.assertEqual(over, {}, f"objects written more than kills+1 = {KILLS + 1} times")
        self.assertEqual(len(per), 30, per)
        self.record(("kill -9 at random points during apply", "-", f"{converged:.1f}s", "-",
                     f"seed {seed}: {KILLS} kills at {' '.join(kill_points)} in sync, 0 "
                     f"partial, {sum(per.values())} writes for 30, max {max(per.values())}/obj; "
                     f"{time.monotonic() - t_start:.0f}s"))
