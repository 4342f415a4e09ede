"""End-to-end certificate alerts: `nomad-certd run` watches allocations of nomad-sim whose
Nomad templates render real certificates issued by vault-sim; alerts travel through the durable
event queue to a webhook receiver (and a real Alertmanager when installed).
Usage: cert_alerts_test.py NOMAD_CERTD VAULT_SIM NOMAD_SIM [unittest args]"""
import json
import re
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
sys.path.insert(0, os.path.join(HERE, "..", "alertmanager"))
from harness import SECRET_TOKEN, Daemon, Workdir, free_port, wait_until  # noqa: E402
import sims  # noqa: E402

BINARY = VAULT_SIM = NOMAD_SIM = None
HMAC_SECRET = "whsec-test-signing-key-not-for-logs"


class CertAlertsTest(unittest.TestCase):
    def setUp(self):
        self.cleanups = []
        self.data = tempfile.TemporaryDirectory(prefix="nc-certalerts-")
        self.cleanups.append(self.data.cleanup)
        # The daemon's VAULT_TOKEN (harness) is vault-sim's root token here.
        self.vault = sims.Vault(VAULT_SIM, SECRET_TOKEN)
        self.cleanups.append(self.vault.stop)
        self.nomad = sims.Nomad(NOMAD_SIM, self.vault.url, self.data.name)
        self.cleanups.append(self.nomad.stop)
        self.vault.bootstrap(self.nomad.url + "/.well-known/jwks.json")

    def tearDown(self):
        for c in reversed(self.cleanups):
            try:
                c()
            except Exception as e:  # keep cleaning up
                print("cleanup:", e, file=sys.stderr)

    def start_daemon(self, jobs, sinks, certificates="", extra_config=""):
        """jobs: {name: (ttl, certificate overrides YAML)}; writes the job files and the
        desired state, starts the daemon and waits for its health endpoint."""
        desired = "version: 1\nnomad:\n  jobs:\n"
        for name, (ttl, overrides) in jobs.items():
            with open(os.path.join(self.data.name, f"{name}.nomad.hcl"), "w") as f:
                f.write(sims.job_hcl(name, ttl))
            desired += (f"    - file: {self.data.name}/{name}.nomad.hcl\n"
                        f"      certificates:\n"
                        f"        - task: app\n"
                        f"          path: secrets/cert.pem\n"
                        f"          common_name: {name}.service.consul\n")
            for line in overrides:
                desired += f"          {line}\n"
        self.work = Workdir(vault_addr=self.vault.url, nomad_addr=self.nomad.url, sinks=sinks,
                            scan_interval="1s" + certificates, desired=desired,
                            extra="reconcile:\n  leader_election: {enabled: false}\n" +
                            extra_config)
        self.cleanups.append(self.work.cleanup)
        self.daemon = Daemon(BINARY, self.work)
        self.cleanups.append(self.daemon.stop)
        self.daemon.wait_for_url()
        return self.daemon

    def status(self):
        return json.loads(self.daemon.get("/status")[2])

    def rows(self, job):
        return [r for r in self.status()["certificates"]["rows"] if r["job"] == job]

    def listings(self):
        """The reasons of the daemon's LISTs of pki-int/certs so far (debug log)."""
        marker = "listing vault pki-int/certs: "
        return [json.loads(l)["msg"].split(marker, 1)[1] for l in list(self.daemon.lines)
                if marker in l]

    def lists_reused(self):
        """Per certificate cycle (debug log): how many jobs' allocation lists were reused."""
        return [int(m.group(1)) for l in list(self.daemon.lines)
                for m in [re.search(r"jobs listed, (\d+) lists reused", l)] if m]

    def not_due(self):
        """Per certificate cycle (debug log): how many files were decided without a stat."""
        return [int(m.group(1)) for l in list(self.daemon.lines)
                for m in [re.search(r"unchanged, (\d+) not due", l)] if m]

    def assert_no_secret(self, hook):
        for _, _, _, raw in hook.deliveries:
            self.assertNotIn(SECRET_TOKEN.encode(), raw)
            self.assertNotIn(HMAC_SECRET.encode(), raw)
        self.assertNotIn(SECRET_TOKEN, self.daemon.log())
        self.assertNotIn(HMAC_SECRET, self.daemon.log())

    def test_paused_renewals_raise_renewal_due_then_critical_and_resume_resolves(self):
        hook = sims.Webhook(free_port())
        self.cleanups.append(hook.stop)
        sink = (f'    - {{name: hook, type: webhook, url: "{hook.url}", '
                'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}')
        # 60 s certificates: Nomad re-issues at 51-57 s. `paused` also warns at 40 % left.
        self.nomad.pause_renewals("paused")
        self.start_daemon({"paused": ("60s", ['warn_before: "40%"']), "steady": ("60s", [])},
                          [sink])
        self.nomad.register(sims.job_hcl("paused", "60s"))
        self.nomad.register(sims.job_hcl("steady", "60s"))
        wait_until(lambda: len(self.rows("paused")) == 1 and len(self.rows("steady")) == 1
                   and all(r["state"] == "ok" for r in self.rows("paused") + self.rows("steady")),
                   40, 0.5, "both certificates scanned and ok")
        first_serial_cn = self.rows("paused")[0]["common_name"]
        self.assertEqual(first_serial_cn, "paused.service.consul")

        # 36 s after issue: under warn_before, a warning.
        warn = wait_until(lambda: hook.alerts("paused", "CertificateRenewalDue", "firing",
                                              "warning"), 60, 0.5, "CertificateRenewalDue warning")
        self.assertIn("warn_before 40%", warn[0]["annotations"]["description"])
        self.assertEqual(warn[0]["labels"]["common_name"], "paused.service.consul")
        self.assertEqual(warn[0]["labels"]["path"], "secrets/cert.pem")
        self.assertIn("not_after", warn[0]["annotations"])
        # Past the re-issue window plus slack, or expired: critical.
        wait_until(lambda: [a for a in hook.alerts("paused", status="firing", severity="critical")
                            if a["labels"]["alertname"] in ("CertificateRenewalDue",
                                                            "CertificateExpired")],
                   40, 0.5, "a critical alert for the paused certificate")
        overdue = hook.alerts("paused", "CertificateRenewalDue", "firing", "critical")
        for a in overdue:  # an escalation of the same alert, not a new one
            self.assertEqual(a["fingerprint"], warn[0]["fingerprint"])
            self.assertIn("renewal was expected", a["annotations"]["description"])
        wait_until(lambda: hook.alerts("paused", "CertificateExpired", "firing"), 30, 0.5,
                   "CertificateExpired")
        # The warning was resolved when the expired alert took over.
        wait_until(lambda: hook.alerts("paused", "CertificateRenewalDue", "resolved"), 10, 0.5,
                   "CertificateRenewalDue resolved")

        # The job whose renewals run was re-issued (early, inside its window) and never alerted.
        issues = sum(s["Issues"] for t in self.nomad.templates("steady") for s in t["Secrets"])
        self.assertGreaterEqual(issues, 2)
        self.assertEqual(hook.alerts("steady"), [])
        self.assertEqual([r["state"] for r in self.rows("steady")], ["ok"])

        # Renewals resume: Nomad re-issues at once, the alert resolves.
        self.nomad.pause_renewals("paused", False)
        resolved = wait_until(lambda: hook.alerts("paused", "CertificateExpired", "resolved"),
                              30, 0.5, "CertificateExpired resolved")
        self.assertIn("endsAt", resolved[0])
        wait_until(lambda: [r["state"] for r in self.rows("paused")] == ["ok"], 10, 0.5,
                   "renewed certificate ok")
        self.assertEqual([a for a in self.status()["alerts"]
                          if a["labels"].get("job") in ("paused", "steady")], [])
        metrics = self.daemon.get("/metrics")[2]
        self.assertIn('nomad_certd_alerts_total{alertname="CertificateExpired",state="resolved"} 1',
                      metrics)
        self.assertIn('nomad_certd_certificate_expiration_timestamp_seconds{', metrics)
        self.assert_no_secret(hook)

    def test_denied_issue_raises_template_render_failed_and_fix_resolves(self):
        am = None
        if shutil.which("prometheus-alertmanager"):
            from alertmanager_test import Alertmanager  # noqa: E402
            am = Alertmanager(free_port())
            self.cleanups.append(am.stop)
        # The webhook signs its bodies with a secret read from a file.
        hook = sims.Webhook(free_port(), secret=HMAC_SECRET)
        self.cleanups.append(hook.stop)
        secret_file = os.path.join(self.data.name, "hook-secret")
        with open(secret_file, "w") as f:
            f.write(HMAC_SECRET + "\n")
        sinks = [f'    - {{name: hook, type: webhook, url: "{hook.url}", '
                 f'hmac_secret_file: "{secret_file}", '
                 'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}']
        if am:
            sinks.append(f'    - {{name: am, type: alertmanager, url: "{am.url}", '
                         'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}')
        self.start_daemon({"denied": ("1h", [])}, sinks)
        # Vault refuses the job's issue requests: the template fails and Nomad kills the task.
        self.nomad.fail_templates("denied", "permission denied")
        self.nomad.register(sims.job_hcl("denied", "1h"))
        fired = wait_until(lambda: hook.alerts("denied", "TemplateRenderFailed", "firing"), 40,
                           0.5, "TemplateRenderFailed")
        a = fired[0]
        self.assertEqual(a["labels"]["severity"], "critical")
        self.assertEqual(a["labels"]["task"], "app")
        self.assertIn("Template failed", a["annotations"]["description"])
        self.assertIn("permission denied", a["annotations"]["description"])
        failed_alloc = a["labels"]["alloc_id"]
        if am:
            got = wait_until(lambda: am.alerts("TemplateRenderFailed"), 30, 0.5,
                             "TemplateRenderFailed in Alertmanager")
            self.assertEqual(got[0]["labels"]["job"], "denied")
            self.assertEqual(got[0]["labels"]["alloc_id"], failed_alloc)
            self.assertEqual(got[0]["status"]["state"], "active")

        # The fix: Vault allows the issue again and the job is re-submitted (a new allocation
        # replaces the failed one). The failed allocation's alert resolves.
        self.nomad.fail_templates("denied", "")
        self.nomad.register(sims.job_hcl("denied", "1h", meta="2"))
        resolved = wait_until(lambda: hook.alerts("denied", "TemplateRenderFailed", "resolved"),
                              40, 0.5, "TemplateRenderFailed resolved")
        self.assertEqual(resolved[0]["labels"]["alloc_id"], failed_alloc)
        self.assertEqual(resolved[0]["fingerprint"], a["fingerprint"])
        wait_until(lambda: [r["state"] for r in self.rows("denied")] == ["ok"], 30, 0.5,
                   "the new allocation's certificate is ok")
        self.assertNotEqual(self.rows("denied")[0]["alloc_id"], failed_alloc)
        if am:
            wait_until(lambda: not am.alerts("TemplateRenderFailed"), 30, 0.5,
                       "TemplateRenderFailed resolved in Alertmanager")
        self.assertTrue(hook.deliveries)
        self.assertTrue(all(ok for _, _, ok, _ in hook.deliveries), "every body signed")
        self.assert_no_secret(hook)

    def webhook_sink(self, secret=None):
        hook = sims.Webhook(free_port(), secret)
        self.cleanups.append(hook.stop)
        sink = (f'    - {{name: hook, type: webhook, url: "{hook.url}", '
                'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}')
        return hook, sink

    def test_newer_certificate_in_vault_not_served_raises_renewal_not_applied(self):
        hook, sink = self.webhook_sink()
        # 120 s certificates: re-issue expected by 114 s, overdue after 117 s, expired at 120 s.
        self.nomad.pause_renewals("stale")
        self.start_daemon({"stale": ("120s", [])}, [sink])
        self.nomad.register(sims.job_hcl("stale", "120s"))
        wait_until(lambda: [r["state"] for r in self.rows("stale")] == ["ok"], 40, 0.5,
                   "certificate scanned")
        served = self.rows("stale")[0]
        # Vault issues a newer certificate for the same name (as a renewal would), but the
        # allocation keeps serving the old one.
        newer = self.vault.issue("stale.service.consul", "1h")
        fired = wait_until(lambda: hook.alerts("stale", "RenewalNotApplied", "firing"), 150, 0.5,
                           "RenewalNotApplied")
        a = fired[0]
        self.assertEqual(a["labels"]["alloc_id"], served["alloc_id"])
        self.assertEqual(a["labels"]["common_name"], "stale.service.consul")
        desc = a["annotations"]["description"]
        self.assertIn(newer["serial_number"].replace("-", ":").lower(), desc)
        self.assertIn("still serves serial", desc)
        # Before the re-issue window had passed, the newer certificate meant nothing.
        self.assertEqual(hook.alerts("stale", "CertificateRenewalDue", "firing"), [])
        # Vault's issued certificates were not listed on every scan: once at the start, then
        # once when the served certificate passed its renewal (which found the newer one).
        stale_serial = desc.split("still serves serial ", 1)[1].split(";", 1)[0]
        reasons = self.listings()
        self.assertEqual(reasons[0], "first listing")
        self.assertEqual([r for r in reasons if r.endswith("past its renewal")],
                         [f"serial {stale_serial} past its renewal"])
        self.assertLess(len(reasons), 5, reasons)
        self.assertGreater(self.status()["certificates"]["cycles"], 50)
        # Renewals resume: the allocation gets a fresh certificate, the alert resolves.
        self.nomad.pause_renewals("stale", False)
        wait_until(lambda: hook.alerts("stale", "RenewalNotApplied", "resolved"), 30, 0.5,
                   "RenewalNotApplied resolved")
        wait_until(lambda: [r["state"] for r in self.rows("stale")] == ["ok"], 30, 0.5,
                   "renewed certificate ok")
        wait_until(lambda: not [x for x in self.status()["alerts"]
                                if x["labels"].get("job") == "stale"], 10, 0.5, "no alert left")

    def test_allocation_lists_are_reused_until_an_event_changes_the_job(self):
        hook = sims.Webhook(free_port())
        self.cleanups.append(hook.stop)
        sink = (f'    - {{name: hook, type: webhook, url: "{hook.url}", '
                'initial_backoff: 200ms, max_backoff: 1s, timeout: 2s}')
        self.start_daemon({"web": ("1h", [])}, [sink])
        self.nomad.register(sims.job_hcl("web", "1h"))
        first = wait_until(lambda: [r["alloc_id"] for r in self.rows("web")
                                    if r["state"] == "ok"], 40, 0.5, "web's certificate is ok")
        # Quiet cycles (every 1 s) reuse the job's allocation list: no list request to Nomad.
        wait_until(lambda: sum(1 for n in self.lists_reused() if n > 0) >= 2, 20, 0.5,
                   "two cycles that reuse the list")
        before = self.nomad.requests("GET", "/v1/job/web/allocations")
        time.sleep(3)
        self.assertLessEqual(self.nomad.requests("GET", "/v1/job/web/allocations"), before + 1)
        self.assertEqual(self.status()["certificates"]["allocation_events"],
                         {"live": True, "reconnects": 0})
        # A new version replaces the allocation: its events make the next cycles list again.
        self.nomad.register(sims.job_hcl("web", "1h", meta="2"))
        wait_until(lambda: [r["alloc_id"] for r in self.rows("web")
                            if r["state"] == "ok"] not in ([], first), 40, 0.5,
                   "the new allocation's certificate is ok")
        self.assertEqual(len(self.rows("web")), 1)

    def test_recheck_interval_spares_the_stats_of_a_settled_certificate(self):
        hook, sink = self.webhook_sink()
        self.start_daemon({"calm": ("1h", [])}, [sink], certificates="\n  recheck_interval: 1m")
        self.nomad.register(sims.job_hcl("calm", "1h"))
        alloc = wait_until(lambda: [r["alloc_id"] for r in self.rows("calm")
                                    if r["state"] == "ok"], 40, 0.5, "calm's certificate is ok")[0]
        wait_until(lambda: sum(1 for n in self.not_due() if n > 0) >= 2, 20, 0.5,
                   "two cycles that decide the certificate without a stat")
        # Cycles every second, yet the file waits 30-60 s between stats.
        stats = lambda: self.nomad.requests("GET", f"/v1/client/fs/stat/{alloc}")  # noqa: E731
        before = stats()
        time.sleep(3)
        self.assertLessEqual(stats(), before + 1)
        self.assertEqual([r["state"] for r in self.rows("calm")], ["ok"])

    def test_restart_storm_raises_certificate_churn(self):
        hook, sink = self.webhook_sink()
        # 24 h certificates: at most 2 issuances per allocation and hour are renewals; with
        # churn_threshold 2 the fifth issuance for the name is churn.
        self.start_daemon({"storm": ("24h", [])}, [sink], certificates="\n  churn_threshold: 2")
        self.nomad.register(sims.job_hcl("storm", "24h"))
        wait_until(lambda: [r["state"] for r in self.rows("storm")] == ["ok"], 40, 0.5,
                   "certificate scanned")
        # Count issuances in Vault: a client restart rebuilds the template runners, whose own
        # counters start again.
        issued = lambda: len(self.vault.call("LIST", "pki-int/certs")["data"]["keys"])  # noqa: E731
        base = issued()
        for i in range(3):  # client restarts re-issue every running template
            self.nomad.restart_client()
            wait_until(lambda: issued() == base + i + 1, 20, 0.2, "re-issue")
        time.sleep(3)
        self.assertEqual(hook.alerts("storm", "CertificateChurn"), [],
                         "4 issuances are within 2 expected + 2")
        self.nomad.restart_client()
        fired = wait_until(lambda: hook.alerts("storm", "CertificateChurn", "firing"), 30, 0.5,
                           "CertificateChurn")
        a = fired[0]
        self.assertEqual(a["labels"]["severity"], "warning")
        self.assertEqual(a["labels"]["common_name"], "storm.service.consul")
        self.assertNotIn("alloc_id", a["labels"])
        self.assertIn("5 certificates", a["annotations"]["description"])
        self.assertEqual(len(hook.alerts("storm", "CertificateChurn", "firing")), 1,
                         "fired once, not on every scan")
        self.assertIn('nomad_certd_alerts_total{alertname="CertificateChurn",state="firing"} 1',
                      self.daemon.get("/metrics")[2])
        # Vault's issued certificates were listed at the start and once per re-issue the
        # allocation served, not on every scan.
        reasons = self.listings()
        self.assertEqual(reasons[0], "first listing")
        self.assertTrue(all(r.startswith("new serial served: ") for r in reasons[1:]), reasons)
        self.assertLessEqual(len(reasons), 1 + 4 + 1, reasons)


if __name__ == "__main__":
    BINARY, VAULT_SIM, NOMAD_SIM = (os.path.abspath(sys.argv.pop(1)) for _ in range(3))
    unittest.main()
