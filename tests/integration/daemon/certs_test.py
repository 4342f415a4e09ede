"""`nomad-certd certs` as a user runs it: the table and JSON of an empty watch (exit 0), and an
error exit (1) when the allocations of a declared job cannot be listed.
Usage: certs_test.py NOMAD_CERTD_BINARY [unittest args]"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SECRET_TOKEN, Workdir  # noqa: E402

BINARY = None
SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def certs(work, *args):
    env = dict(os.environ, VAULT_TOKEN=SECRET_TOKEN, NOMAD_TOKEN=SECRET_TOKEN)
    p = subprocess.run([BINARY, "certs", "--config", work.config, *args], capture_output=True,
                       text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


class CertsTest(unittest.TestCase):
    def test_no_declared_certificates_is_ok(self):
        work = Workdir()
        self.addCleanup(work.cleanup)
        code, out, err = certs(work)
        self.assertEqual(code, 0, err)
        self.assertIn("JOB", out)
        self.assertIn("NOT_AFTER", out)
        code, out, err = certs(work, "--output", "json")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["certificates"], [])
        self.assertEqual(doc["failed_jobs"], [])

    def test_unreachable_nomad_is_an_error(self):
        job = os.path.join(SOURCE, "config", "jobs", "service-with-tls.nomad.hcl")
        work = Workdir(desired=f"""version: 1
nomad:
  jobs:
    - file: {job}
      certificates:
        - task: app
          path: alloc/tls/cert.pem
          common_name: service-with-tls.service.consul
""")
        self.addCleanup(work.cleanup)
        code, out, err = certs(work, "--output", "json")
        self.assertEqual(code, 1, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["failed_jobs"], ["service-with-tls"])
        self.assertTrue(doc["errors"])
        self.assertNotIn(SECRET_TOKEN, out + err)
        code, out, err = certs(work)
        self.assertEqual(code, 1)
        self.assertIn("error: job service-with-tls", out)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
