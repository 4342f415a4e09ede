"""Issue with allowed and refused names: a table of Vault's name rules, driven by python3-hvac."""
import sys
import unittest

import hvac
import hvac.exceptions

import common

ROLES = {
    "bare": {"allowed_domains": "example.com", "allow_bare_domains": True, "allow_localhost": False},
    "sub": {"allowed_domains": "example.com", "allow_subdomains": True, "allow_localhost": False},
    "glob": {"allowed_domains": "*.svc.example.com,web-*.example.com", "allow_glob_domains": True,
             "allow_localhost": False},
    "local": {"allow_localhost": True},
    "localsub": {"allow_localhost": True, "allow_subdomains": True},
    "any": {"allow_any_name": True},
    "nowild": {"allowed_domains": "example.com", "allow_subdomains": True, "allow_wildcard_certificates": False},
    "noenforce": {"allow_any_name": True, "enforce_hostnames": False},
    "hostonly": {"allowed_domains": "example.com", "allow_bare_domains": True, "cn_validations": "hostname"},
    "emailonly": {"allowed_domains": "example.com", "allow_bare_domains": True, "cn_validations": "email"},
    "nocn": {"allow_any_name": True, "require_cn": False},
    "noip": {"allow_any_name": True, "allow_ip_sans": False},
}

CN_REFUSED = "common name {0} not allowed by this role"
SAN_REFUSED = "subject alternate name {0} not allowed by this role"

# (role, common_name, extra params, expected error or None)
CASES = [
    ("bare", "example.com", {}, None),
    ("bare", "EXAMPLE.COM", {}, None),
    ("bare", "www.example.com", {}, CN_REFUSED),
    ("bare", "example.org", {}, CN_REFUSED),
    ("bare", "ops@example.com", {}, None),
    ("sub", "api.example.com", {}, None),
    ("sub", "a.b.c.example.com", {}, None),
    ("sub", "example.com", {}, CN_REFUSED),
    ("sub", "api.EXAMPLE.COM", {}, CN_REFUSED),
    ("sub", "badexample.com", {}, CN_REFUSED),
    ("sub", "*.example.com", {}, None),
    ("sub", "web*.example.com", {}, None),
    ("sub", "*.*.example.com", {}, CN_REFUSED),
    ("sub", "api.example.com", {"alt_names": "other.example.com"}, None),
    ("sub", "api.example.com", {"alt_names": "other.example.net"}, SAN_REFUSED.format("other.example.net")),
    ("sub", "api.example.com", {"alt_names": "bad_name.example.com"},
     "subject alternate name bad_name.example.com is not a valid DNS name and cannot be included as a SAN"),
    ("sub", "api.example.com", {"alt_names": "ops@example.net"}, "email address ops@example.net not allowed by this role"),
    ("sub", "localhost", {}, CN_REFUSED),
    ("glob", "api.svc.example.com", {}, None),
    ("glob", "a.b.svc.example.com", {}, None),
    ("glob", "API.SVC.EXAMPLE.COM", {}, None),
    ("glob", "web-01.example.com", {}, None),
    ("glob", "db-01.example.com", {}, CN_REFUSED),
    ("local", "localhost", {}, None),
    ("local", "localdomain", {}, None),
    ("local", "a.localhost", {}, CN_REFUSED),
    ("localsub", "a.localhost", {}, None),
    ("any", "anything.test", {}, None),
    ("any", "under_score.test", {}, CN_REFUSED),
    ("any", "-leading.test", {}, CN_REFUSED),
    ("noenforce", "under_score.test", {}, None),
    ("nowild", "*.example.com", {}, CN_REFUSED),
    ("nowild", "api.example.com", {}, None),
    ("hostonly", "ops@example.com", {}, CN_REFUSED),
    ("hostonly", "example.com", {}, None),
    ("emailonly", "example.com", {}, CN_REFUSED),
    ("emailonly", "ops@example.com", {}, None),
    ("nocn", "", {"alt_names": "x.test"}, None),
    ("any", "", {},
     'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, '
     'unless "require_cn" is set to false'),
    ("noip", "x.test", {"ip_sans": "10.0.0.1"},
     "IP Subject Alternative Names are not allowed in this role, but was provided [10.0.0.1]"),
    ("any", "x.test", {"ip_sans": "10.0.0.300"}, 'the value "10.0.0.300" is not a valid IP address'),
    ("any", "x.test", {"uri_sans": "spiffe://x"},
     "URI Subject Alternative Names are not allowed in this role, but were provided via the API"),
    ("any", "x.test", {"format": "jks"}, 'the "format" path parameter must be "pem", "der", or "pem_bundle"'),
    ("any", "x.test", {"ttl": "1h", "not_after": "2030-01-01T00:00:00Z"},
     "Either ttl or not_after should be provided. Both should not be provided in the same request."),
]


class NameTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = common.start()
        c = cls.client = hvac.Client(url=cls.sim.url, token="root")
        c.sys.enable_secrets_engine("pki", path="pki")
        c.secrets.pki.generate_root("internal", "Names Root", extra_params={"ttl": "8760h", "key_type": "ec"},
                                    mount_point="pki")
        for name, params in ROLES.items():
            c.secrets.pki.create_or_update_role(name, extra_params=dict(params, key_type="ec"), mount_point="pki")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_table(self):
        self.assertGreaterEqual(len(CASES), 30)
        for role, cn, extra, error in CASES:
            with self.subTest(role=role, cn=cn, extra=extra):
                params = dict(extra, ttl=extra.get("ttl", "1h")) if "not_after" not in extra else dict(extra)
                if error is None:
                    d = self.client.secrets.pki.generate_certificate(role, cn, extra_params=params,
                                                                     mount_point="pki")["data"]
                    if cn and "@" not in cn:
                        self.assertIn("CN = " + cn, common.x509_text(d["certificate"]))
                else:
                    with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
                        self.client.secrets.pki.generate_certificate(role, cn, extra_params=params,
                                                                     mount_point="pki")
                    self.assertEqual(e.exception.errors, [error.format(cn)])

    def test_unknown_role(self):
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            self.client.secrets.pki.generate_certificate("nope", "x.test", mount_point="pki")
        self.assertEqual(e.exception.errors, ["unknown role: nope"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
