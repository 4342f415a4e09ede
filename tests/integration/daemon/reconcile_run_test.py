"""`nomad-certd run` keeping Vault and Nomad in their desired state, against vault-sim and
nomad-sim: enforce repairs out-of-band changes (Vault policy and PKI role through Vault's API, a
job through nomad-sim's admin API), report mode only reports them (status, metrics, log) and
writes nothing, and two daemons with leader election elect one writer, the other takes over
when the leader is killed (-9) or stopped (SIGTERM), and nothing is written twice (the
simulators' /_sim/counters).
Usage: reconcile_run_test.py NOMAD_CERTD VAULT_SIM NOMAD_SIM [unittest args]"""
import json
import os
import signal
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "cert_alerts"))
from harness import SECRET_TOKEN, Daemon, Workdir, wait_until  # noqa: E402
import sims  # noqa: E402

BINARY = VAULT_SIM = NOMAD_SIM = None
POLICY = 'path "pki-int/issue/web" {\n  capabilities = ["update"]\n}\n'
JOB = '''job "web" {
  datacenters = ["*"]
  type = "service"
  meta {
    team = "platform"
  }
  group "app" {
    count = 1
    task "app" {
      driver = "docker"
      config {
        image = "busybox:1.36"
        command = "/bin/sh"
        args = ["-c", "sleep 3600"]
      }
      resources {
        cpu = 20
        memory = 16
      }
    }
  }
}
'''
DESIRED = """version: 1
defaults: {mode: enforce}
vault:
  pki_roles:
    - mount: pki-int
      name: web
      config:
        allowed_domains: [service.consul]
        allow_subdomains: true
        max_ttl: 72h
  policies:
    - name: web-pki
      file: web-pki.hcl
nomad:
  jobs:
    - file: web.nomad.hcl
"""
TTL = 10  # seconds: Nomad's smallest lock TTL; nomad-certd asks for LockDelay = TTL


def writes(counters, prefixes, methods=("PUT", "POST", "DELETE"), exclude=()):
    """How many write requests the simulator counted on paths under `prefixes`."""
    n = 0
    for path, by_method in counters["paths"].items():
        if any(path.startswith(p) for p in prefixes) and not any(x in path for x in exclude):
            n += sum(c for m, c in by_method.items() if m in methods)
    return n


class ReconcileRunTest(unittest.TestCase):
    def setUp(self):
        self.cleanups = []
        self.data = tempfile.TemporaryDirectory(prefix="nc-reconcile-run-")
        self.cleanups.append(self.data.cleanup)
        self.vault = sims.Vault(VAULT_SIM, SECRET_TOKEN)  # the daemons' VAULT_TOKEN is root
        self.cleanups.append(self.vault.stop)
        self.nomad = sims.Nomad(NOMAD_SIM, self.vault.url, self.data.name)
        self.cleanups.append(self.nomad.stop)
        self.vault.bootstrap(self.nomad.url + "/.well-known/jwks.json")
        sims.request("DELETE", self.vault.url + "/_sim/counters")
        sims.request("DELETE", self.nomad.url + "/_sim/counters")

    def tearDown(self):
        for c in reversed(self.cleanups):
            try:
                c()
            except Exception as e:  # keep cleaning up
                print("cleanup:", e, file=sys.stderr)

    def start(self, mode, leader_election=False, name="a"):
        work = Workdir(vault_addr=self.vault.url, nomad_addr=self.nomad.url, desired=DESIRED,
                       scan_interval="30s",
                       extra=f"reconcile:\n  mode: {mode}\n  interval: 2s\n  jitter: 0s\n"
                             f"  max_writes_per_second: 50\n"
                             f"  leader_election: {{enabled: {str(leader_election).lower()}, "
                             f"ttl: {TTL}s}}\n")
        self.cleanups.append(work.cleanup)
        with open(os.path.join(work.path, "web-pki.hcl"), "w") as f:
            f.write(POLICY)
        with open(os.path.join(work.path, "web.nomad.hcl"), "w") as f:
            f.write(JOB)
        d = Daemon(BINARY, work)
        d.name = name
        self.cleanups.append(d.stop)
        d.wait_for_url()
        return d

    def status(self, d):
        return json.loads(d.get("/status")[2])

    def states(self, d):
        return {r["resource"]: r["state"] for r in self.status(d)["reconcile"]["resources"]}

    def all_in_sync(self, d):
        s = self.states(d)
        return len(s) == 3 and all(v == "in_sync" for v in s.values())

    def policy(self):
        st, doc = sims.request("GET", f"{self.vault.url}/v1/sys/policies/acl/web-pki",
                               headers={"X-Vault-Token": SECRET_TOKEN})
        return doc["data"]["policy"] if st == 200 else None

    def role_max_ttl(self):
        st, doc = sims.request("GET", f"{self.vault.url}/v1/pki-int/roles/web",
                               headers={"X-Vault-Token": SECRET_TOKEN})
        return doc["data"]["max_ttl"] if st == 200 else None

    def job_meta(self):
        st, doc = sims.request("GET", f"{self.nomad.url}/v1/job/web")
        return doc.get("Meta") or {} if st == 200 else None

    def counters(self):
        return (sims.request("GET", self.vault.url + "/_sim/counters")[1],
                sims.request("GET", self.nomad.url + "/_sim/counters")[1])

    def vault_writes(self, counters):
        return writes(counters, ("/v1/sys/policies/acl/web-pki", "/v1/pki-int/roles/web"))

    def nomad_job_writes(self, counters):
        # Registers (PUT/POST /v1/jobs, /v1/job/web) and deregisters; not parse or plan.
        return writes(counters, ("/v1/jobs", "/v1/job/web"), exclude=("/parse", "/plan"))

    def drift_out_of_band(self):
        """A policy, a PKI role and a job changed behind nomad-certd's back."""
        self.vault.call("PUT", "sys/policies/acl/web-pki",
                        {"policy": 'path "pki-int/issue/*" { capabilities = ["update"] }'})
        self.vault.call("POST", "pki-int/roles/web", {"allowed_domains": ["service.consul"],
                                                      "allow_subdomains": True, "max_ttl": "1h"})
        self.nomad.call("POST", "/_sim/job/web/edit", {"Meta": {"team": "someone-else"}})

    def repaired(self):
        return (self.policy() == POLICY and self.role_max_ttl() == 72 * 3600
                and self.job_meta().get("team") == "platform")

    def test_enforce_repairs_out_of_band_changes(self):
        d = self.start("enforce")
        wait_until(lambda: self.all_in_sync(d), 30, 0.2, "every resource created and in sync")
        self.assertEqual(self.policy(), POLICY)
        self.assertEqual(self.job_meta().get("managed-by"), "nomad-certd")
        t0 = time.time()
        self.drift_out_of_band()
        wait_until(lambda: self.job_meta().get("team") == "platform", 10, 0.05,
                   "the job repaired through the job watch")
        job_repair = time.time() - t0
        wait_until(self.repaired, 15, 0.1, "policy and PKI role repaired by the resync")
        vault_repair = time.time() - t0
        print(f"\nrepair after an out-of-band change: job {job_repair:.2f}s (watch), "
              f"Vault {vault_repair:.2f}s (resync interval 2s)", file=sys.stderr)
        self.assertLess(job_repair, 3.0)
        log = d.log()
        for res in ("vault_policy:web-pki", "vault_pki_role:pki-int/web", "nomad_job:default/web"):
            self.assertIn(f"event=drift_detected resource={res}", log)
            self.assertIn(f"event=drift_fixed resource={res}", log)
        metrics = d.get("/metrics")[2]
        for kind in ("vault_policy", "vault_pki_role", "nomad_job"):
            self.assertRegex(metrics, rf'nomad_certd_drift_fixed_total{{kind="{kind}"}} [1-9]')
        wait_until(lambda: self.all_in_sync(d), 10, 0.2, "in sync after the repair")

    def test_report_mode_only_reports(self):
        # The objects exist as declared; then they drift. Report mode must never write.
        d0 = self.start("enforce", name="converge")
        wait_until(lambda: self.all_in_sync(d0), 30, 0.2, "converged")
        d0.stop()
        self.drift_out_of_band()
        sims.request("DELETE", self.vault.url + "/_sim/counters")
        sims.request("DELETE", self.nomad.url + "/_sim/counters")
        d = self.start("report")
        wait_until(lambda: set(self.states(d).values()) == {"drifted"}, 30, 0.2,
                   "every resource reported drifted")
        time.sleep(5)  # two more resyncs and a job watch cycle: still nothing written
        vc, nc = self.counters()
        self.assertEqual(self.vault_writes(vc), 0, vc)
        self.assertEqual(self.nomad_job_writes(nc), 0, nc)
        self.assertEqual(writes(nc, ("/v1/var",)), 0, nc)
        self.assertGreater(writes(nc, ("/v1/job/web/plan",)), 0, nc)  # it did look
        self.assertEqual(self.role_max_ttl(), 3600)
        self.assertEqual(self.job_meta().get("team"), "someone-else")
        st = self.status(d)
        drift = {r["resource"]: r["drift"] for r in st["reconcile"]["resources"]}
        self.assertIn("max_ttl", drift["vault_pki_role:pki-int/web"])
        self.assertTrue(any("Meta" in f for f in drift["nomad_job:default/web"]), drift)
        self.assertTrue(all(r["mode"] == "report" for r in st["reconcile"]["resources"]))
        metrics = d.get("/metrics")[2]
        self.assertIn('nomad_certd_resources{kind="vault_policy",state="drifted"} 1', metrics)
        self.assertIn('nomad_certd_resources{kind="nomad_job",state="drifted"} 1', metrics)
        self.assertRegex(metrics, r'nomad_certd_drift_detected_total{kind="vault_pki_role"} [1-9]')
        self.assertNotRegex(metrics, r'nomad_certd_drift_fixed_total{kind="[a-z_]+"} [1-9]')
        self.assertIn("event=drift_detected resource=vault_pki_role:pki-int/web mode=report",
                      d.log())
        self.assertNotIn("event=drift_fixed", d.log())

    def leaders(self, daemons):
        return [d for d in daemons if d.proc.poll() is None and self.status(d)["leader"]]

    def elect(self):
        a = self.start("enforce", leader_election=True, name="a")
        b = self.start("enforce", leader_election=True, name="b")
        wait_until(lambda: len(self.leaders([a, b])) == 1, 15, 0.1, "one leader")
        leader = self.leaders([a, b])[0]
        follower = b if leader is a else a
        wait_until(lambda: self.all_in_sync(leader) and self.all_in_sync(follower), 30, 0.2,
                   "both see everything in sync")
        # From empty: every object was written once, by one daemon.
        vc, nc = self.counters()
        self.assertEqual(writes(vc, ("/v1/sys/policies/acl/web-pki",)), 1, vc)
        self.assertEqual(writes(vc, ("/v1/pki-int/roles/web",)), 1, vc)
        self.assertEqual(self.nomad_job_writes(nc), 1, nc)
        self.assertIn("event=drift_fixed", leader.log())
        self.assertNotIn("event=drift_fixed", follower.log())
        self.assertRegex(follower.get("/metrics")[2], r"(?m)^nomad_certd_leader 0$")
        self.assertRegex(leader.get("/metrics")[2], r"(?m)^nomad_certd_leader 1$")
        return leader, follower

    def repair_once(self, expected_writer, silent):
        """Drift everything; exactly one write per object, by `expected_writer`."""
        sims.request("DELETE", self.vault.url + "/_sim/counters")
        sims.request("DELETE", self.nomad.url + "/_sim/counters")
        fixes_before = expected_writer.log().count("event=drift_fixed")
        self.drift_out_of_band()
        wait_until(self.repaired, 20, 0.1, "repaired by the leader")
        time.sleep(3)  # a further resync of both: no second write
        vc, nc = self.counters()
        self.assertEqual(writes(vc, ("/v1/sys/policies/acl/web-pki",)), 2, vc)  # ours + theirs
        self.assertEqual(writes(vc, ("/v1/pki-int/roles/web",)), 2, vc)
        self.assertEqual(self.nomad_job_writes(nc), 1, nc)
        self.assertGreater(expected_writer.log().count("event=drift_fixed"), fixes_before)
        if silent is not None and silent.proc.poll() is None:
            self.assertNotIn("event=drift_fixed", silent.log())

    def test_two_daemons_one_leader_kill_9_takeover(self):
        leader, follower = self.elect()
        self.repair_once(leader, follower)
        t0 = time.time()
        leader.proc.kill()  # SIGKILL: the lock is not released and must expire
        leader.proc.wait()
        # The server frees a dead holder's lock 2xTTL after its last renew plus LockDelay; the
        # follower's blocking read of the lock variable answers when the lock is removed.
        # 2xTTL + LockDelay, plus slack for the simulator's 100 ms expiry tick, the 0.1 s
        # status poll and a loaded machine (two cores shared by parallel tests).
        bound = 2 * TTL + TTL + 2
        wait_until(lambda: self.status(follower)["leader"], bound + 5, 0.1,
                   "the follower takes over")
        took = time.time() - t0
        print(f"\ntakeover after kill -9: {took:.1f}s (TTL {TTL}s, LockDelay {TTL}s: "
              f"2xTTL+LockDelay = {3 * TTL}s)", file=sys.stderr)
        self.assertLessEqual(took, bound)
        self.assertIn("event=leadership_acquired", follower.log())
        self.repair_once(follower, None)

    def test_two_daemons_sigterm_releases_the_lock(self):
        leader, follower = self.elect()
        # Both daemons now sit in the 30 s blocking query on the job list (the follower also
        # in the one on the lock variable): stopping must not wait for them.
        time.sleep(1.5)
        t0 = time.time()
        leader.proc.send_signal(signal.SIGTERM)  # the lock is released on the way out
        leader.proc.wait(timeout=30)
        exited = time.time() - t0
        wait_until(lambda: self.status(follower)["leader"], 1.1 * TTL + 5, 0.1,
                   "the follower takes over")
        took = time.time() - t0
        print(f"\nSIGTERM to exit: {exited:.2f}s; takeover after SIGTERM: {took:.2f}s",
              file=sys.stderr)
        self.assertEqual(leader.proc.returncode, 0)
        self.assertIn("event=leadership_released", leader.log())
        self.assertLess(exited, 3.0)
        self.assertLess(took, 3.0)
        self.repair_once(follower, None)

if __name__ == "__main__":
    BINARY, VAULT_SIM, NOMAD_SIM = sys.argv[1:4]
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:])
