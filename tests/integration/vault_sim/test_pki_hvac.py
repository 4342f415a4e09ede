"""PKI conformance of vault-sim driven by python3-hvac: mounts, roles, names, TTLs, chains."""
import datetime
import sys
import unittest

import hvac
import hvac.exceptions

import common

SIM = None


def setUpModule():
    global SIM
    SIM = common.start()


def tearDownModule():
    SIM.stop()


def client():
    return hvac.Client(url=SIM.url, token="root")


class PkiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        SIM.admin("POST", "/_sim/reset")
        c = client()
        c.sys.enable_secrets_engine("pki", path="pki")
        c.sys.tune_mount_configuration("pki", max_lease_ttl="87600h")
        root = c.secrets.pki.generate_root("internal", "Conformance Root",
                                           extra_params={"ttl": "87600h", "key_type": "ec", "issuer_name": "root-1"},
                                           mount_point="pki")
        cls.root_pem = root["data"]["certificate"]
        c.sys.enable_secrets_engine("pki", path="pki-int")
        c.sys.tune_mount_configuration("pki-int", max_lease_ttl="43800h")
        csr = c.secrets.pki.generate_intermediate("internal", "Conformance Intermediate",
                                                  extra_params={"key_type": "ec"}, mount_point="pki-int")
        signed = c.secrets.pki.sign_intermediate(csr["data"]["csr"], "Conformance Intermediate",
                                                 extra_params={"ttl": "43800h", "format": "pem"}, mount_point="pki")
        cls.int_pem = signed["data"]["certificate"]
        c.secrets.pki.set_signed_intermediate(cls.int_pem, mount_point="pki-int")

    def test_mounts_listed_with_tuned_ttls(self):
        c = client()
        mounts = c.sys.list_mounted_secrets_engines()
        self.assertEqual(mounts["pki/"]["type"], "pki")
        self.assertEqual(mounts["data"]["pki-int/"]["type"], "pki")
        tune = c.sys.read_mount_configuration("pki")
        self.assertEqual(tune["data"]["max_lease_ttl"], 315360000)
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.sys.enable_secrets_engine("pki", path="pki")
        self.assertIn("path is already in use at pki/", str(e.exception))

    def test_role_round_trip_every_field_type(self):
        c = client()
        params = {
            "ttl": "72h", "max_ttl": 604800, "allowed_domains": "svc.example.internal, example.org",
            "allow_subdomains": "true", "allow_bare_domains": False, "allow_localhost": 0,
            "key_type": "ec", "key_bits": "384", "ou": ["Ops"], "not_before_duration": "1m",
            "ext_key_usage": ["ServerAuth"], "cn_validations": "hostname", "issuer_ref": "default",
        }
        resp = c.secrets.pki.create_or_update_role("full", extra_params=params, mount_point="pki-int")
        data = c.secrets.pki.read_role("full", mount_point="pki-int")["data"]
        self.assertEqual(resp["data"], data)
        self.assertEqual(data["ttl"], 259200)
        self.assertEqual(data["max_ttl"], 604800)
        self.assertEqual(data["allowed_domains"], ["svc.example.internal", "example.org"])
        self.assertIs(data["allow_subdomains"], True)
        self.assertIs(data["allow_localhost"], False)
        self.assertEqual(data["key_bits"], 384)
        self.assertEqual(data["signature_bits"], 0)
        self.assertEqual(data["not_before_duration"], 60)
        self.assertEqual(data["cn_validations"], ["hostname"])
        self.assertEqual(data["organization"], [])
        self.assertEqual(data["key_usage"], ["DigitalSignature", "KeyAgreement", "KeyEncipherment"])
        self.assertIs(data["allow_wildcard_certificates"], True)
        self.assertEqual(data["not_after"], "")
        for key in ("allow_token_displayname", "use_csr_common_name", "basic_constraints_valid_for_non_ca",
                    "policy_identifiers", "allowed_uri_sans", "allowed_other_sans", "serial_number_source"):
            self.assertIn(key, data)
        self.assertIn("full", c.secrets.pki.list_roles(mount_point="pki-int")["data"]["keys"])

    def test_post_replaces_patch_merges(self):
        c = client()
        c.secrets.pki.create_or_update_role("merge", extra_params={
            "allowed_domains": ["a.example.com"], "allow_subdomains": True, "ttl": "1h", "key_type": "ec"},
            mount_point="pki-int")
        patched = c.adapter.request("PATCH", "/v1/pki-int/roles/merge", json={"max_ttl": "2h"})
        self.assertEqual(patched["data"]["allowed_domains"], ["a.example.com"])
        self.assertEqual(patched["data"]["ttl"], 3600)
        self.assertEqual(patched["data"]["max_ttl"], 7200)
        c.secrets.pki.create_or_update_role("merge", extra_params={"max_ttl": "2h"}, mount_point="pki-int")
        replaced = c.secrets.pki.read_role("merge", mount_point="pki-int")["data"]
        self.assertEqual(replaced["allowed_domains"], [])
        self.assertIs(replaced["allow_subdomains"], False)
        self.assertEqual(replaced["ttl"], 0)
        self.assertEqual(replaced["key_type"], "rsa")
        self.assertEqual(replaced["key_bits"], 2048)
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.adapter.request("PATCH", "/v1/pki-int/roles/absent", json={"ttl": "1h"})
        self.assertIn("Unable to fetch role entry to patch", str(e.exception))
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.secrets.pki.create_or_update_role("bad", extra_params={"ttl": "3h", "max_ttl": "1h"}, mount_point="pki-int")
        self.assertIn('"ttl" value must be less than "max_ttl" value', str(e.exception))
        c.secrets.pki.delete_role("merge", mount_point="pki-int")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            c.secrets.pki.read_role("merge", mount_point="pki-int")

    def test_ttl_clamp_warning_and_certificate_contents(self):
        c = client()
        c.secrets.pki.create_or_update_role("web", extra_params={
            "allowed_domains": "example.com", "allow_subdomains": True, "max_ttl": "168h", "key_type": "ec",
            "client_flag": True, "server_flag": True}, mount_point="pki-int")
        resp = c.secrets.pki.generate_certificate("web", "api.example.com", extra_params={
            "alt_names": "b.example.com,a.example.com", "ip_sans": "127.0.0.1", "ttl": "720h"}, mount_point="pki-int")
        self.assertEqual(resp["warnings"],
                         ['TTL "720h0m0s" is longer than permitted maxTTL "168h0m0s", so maxTTL is being used'])
        d = resp["data"]
        self.assertIsInstance(d["expiration"], int)
        self.assertEqual(d["private_key_type"], "ec")
        self.assertRegex(d["serial_number"], r"^[0-9a-f]{2}(:[0-9a-f]{2})+$")
        self.assertEqual(d["ca_chain"][0], d["issuing_ca"])
        self.assertEqual(resp["lease_id"], "")
        self.assertIs(resp["renewable"], False)
        out = common.verify_chain(d["certificate"], d["ca_chain"], self.root_pem)
        self.assertIn("OK", out)
        text = common.x509_text(d["certificate"])
        self.assertIn("CN = api.example.com", text)
        self.assertIn("DNS:a.example.com, DNS:api.example.com, DNS:b.example.com, IP Address:127.0.0.1", text)
        self.assertIn("TLS Web Server Authentication, TLS Web Client Authentication", text)
        not_before = common.x509_field(d["certificate"], "-startdate").split("=", 1)[1]
        not_after = common.x509_field(d["certificate"], "-enddate").split("=", 1)[1]
        fmt = "%b %d %H:%M:%S %Y %Z"
        nb = datetime.datetime.strptime(" ".join(not_before.split()), fmt)
        na = datetime.datetime.strptime(" ".join(not_after.split()), fmt)
        self.assertEqual((na - nb).total_seconds(), 168 * 3600 + 30)
        self.assertEqual(int(na.replace(tzinfo=datetime.timezone.utc).timestamp()), d["expiration"])
        serial = common.x509_field(d["certificate"], "-serial").split("=", 1)[1].lower()
        self.assertEqual(serial.lstrip("0"), d["serial_number"].replace(":", "").lstrip("0"))
        listed = c.secrets.pki.list_certificates(mount_point="pki-int")["data"]["keys"]
        self.assertIn(d["serial_number"], listed)
        read = c.secrets.pki.read_certificate(d["serial_number"], mount_point="pki-int")
        self.assertEqual(read["data"]["certificate"], d["certificate"])
        revoked = c.secrets.pki.revoke_certificate(d["serial_number"], mount_point="pki-int")
        self.assertEqual(revoked["data"]["state"], "revoked")

    def test_client_only_role_and_rsa_key(self):
        c = client()
        c.secrets.pki.create_or_update_role("client", extra_params={
            "allow_any_name": True, "server_flag": False, "key_type": "rsa", "key_bits": 2048}, mount_point="pki-int")
        d = c.secrets.pki.generate_certificate("client", "worker-1", extra_params={"ttl": "1h"},
                                               mount_point="pki-int")["data"]
        self.assertTrue(d["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----"))
        text = common.x509_text(d["certificate"])
        self.assertIn("TLS Web Client Authentication", text)
        self.assertNotIn("TLS Web Server Authentication", text)
        self.assertIn("Public-Key: (2048 bit)", text)

    def test_ca_endpoints(self):
        c = client()
        pem = c.secrets.pki.read_ca_certificate(mount_point="pki")
        self.assertEqual(pem, self.root_pem)
        chain = c.secrets.pki.read_ca_certificate_chain(mount_point="pki-int")
        self.assertIn(self.int_pem.strip(), chain)

    def test_no_store_tidy_and_revoke_errors(self):
        c = client()
        c.secrets.pki.create_or_update_role("ephemeral", extra_params={
            "allow_any_name": True, "key_type": "ec", "no_store": True, "generate_lease": True}, mount_point="pki-int")
        role = c.secrets.pki.read_role("ephemeral", mount_point="pki-int")["data"]
        self.assertEqual((role["no_store"], role["generate_lease"]), (True, False))
        d = c.secrets.pki.generate_certificate("ephemeral", "e.test", extra_params={"ttl": "1h"},
                                               mount_point="pki-int")["data"]
        try:
            listed = c.secrets.pki.list_certificates(mount_point="pki-int")["data"]["keys"]
        except hvac.exceptions.InvalidPath:
            listed = []
        self.assertNotIn(d["serial_number"], listed)
        with self.assertRaises(hvac.exceptions.InvalidPath):
            c.secrets.pki.read_certificate(d["serial_number"], mount_point="pki-int")
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.secrets.pki.revoke_certificate(d["serial_number"], mount_point="pki-int")
        self.assertEqual(e.exception.errors,
                         ["certificate with serial %s not found or was already revoked" % d["serial_number"]])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.adapter.post("/v1/pki-int/revoke", json={})
        self.assertEqual(e.exception.errors, ["The serial number or certificate to revoke must be provided."])
        tidy = c.adapter.post("/v1/pki-int/tidy", json={"tidy_cert_store": True, "safety_buffer": "1h"})
        self.assertEqual(tidy.status_code, 202)
        self.assertEqual(tidy.json()["warnings"], ["Tidy operation successfully started. Any information from the "
                                                   "operation will be printed to Vault's server logs."])

    def test_ed25519_key_and_not_before_duration(self):
        c = client()
        c.secrets.pki.create_or_update_role("ed", extra_params={
            "allowed_domains": "example.com", "allow_subdomains": True, "key_type": "ed25519",
            "not_before_duration": "5m", "server_flag": True, "client_flag": False}, mount_point="pki-int")
        self.assertEqual(c.secrets.pki.read_role("ed", mount_point="pki-int")["data"]["key_bits"], 0)
        resp = c.secrets.pki.generate_certificate("ed", "ed.example.com", extra_params={"ttl": "2h"},
                                                  mount_point="pki-int")
        d = resp["data"]
        self.assertIsNone(resp["warnings"])
        self.assertEqual(d["private_key_type"], "ed25519")
        self.assertTrue(d["private_key"].startswith("-----BEGIN PRIVATE KEY-----"))
        self.assertIn("OK", common.verify_chain(d["certificate"], d["ca_chain"], self.root_pem))
        text = common.x509_text(d["certificate"])
        self.assertIn("Public Key Algorithm: ED25519", text)
        self.assertIn("DNS:ed.example.com", text)
        self.assertIn("TLS Web Server Authentication", text)
        self.assertNotIn("TLS Web Client Authentication", text)
        fmt = "%b %d %H:%M:%S %Y %Z"
        nb = datetime.datetime.strptime(" ".join(common.x509_field(d["certificate"], "-startdate").split("=", 1)[1]
                                                 .split()), fmt)
        na = datetime.datetime.strptime(" ".join(common.x509_field(d["certificate"], "-enddate").split("=", 1)[1]
                                                 .split()), fmt)
        self.assertEqual((na - nb).total_seconds(), 2 * 3600 + 300)
        chain = c.adapter.get("/v1/pki-int/cert/ca_chain")["data"]
        # Chains are built from the mount's own issuers: set-signed got the intermediate alone, so no root.
        self.assertEqual(chain["certificate"].strip(), self.int_pem.strip())
        self.assertEqual(chain["revocation_time"], 0)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
