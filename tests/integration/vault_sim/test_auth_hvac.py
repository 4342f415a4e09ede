"""Policies, tokens, AppRole, JWT login and system endpoints of vault-sim, driven by python3-hvac."""
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import hvac
import hvac.exceptions

import common
import simproc

SIM = None
POLICY = '# issue only\npath "pki-int/issue/nomad-job" {\n  capabilities = ["update"]\n}\n\npath "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n'


def setUpModule():
    global SIM
    SIM = common.start()


def tearDownModule():
    SIM.stop()


def root():
    return hvac.Client(url=SIM.url, token="root")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys:
    """An RSA key made and used with the openssl command line."""

    def __init__(self):
        self.dir = tempfile.mkdtemp()
        self.key = os.path.join(self.dir, "key.pem")
        common.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", self.key)
        self.pub = common.openssl("pkey", "-in", self.key, "-pubout")
        modulus = common.openssl("rsa", "-in", self.key, "-noout", "-modulus").strip().split("=", 1)[1]
        self.jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "nomad-1",
                               "n": b64url(bytes.fromhex(modulus)), "e": b64url((65537).to_bytes(3, "big"))}]}

    def sign(self, claims, kid="nomad-1"):
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                             capture_output=True, check=True).stdout
        return signing_input + "." + b64url(sig)


class JwksServer:
    """Serves /.well-known/jwks.json like a Nomad server does."""

    def __init__(self, jwks):
        body = json.dumps(jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/.well-known/jwks.json":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/.well-known/jwks.json" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


class PolicyTest(unittest.TestCase):
    def test_policy_crud_is_byte_exact(self):
        c = root()
        c.sys.create_or_update_policy("Nomad-Job", POLICY, pretty_print=False)
        self.assertEqual(c.sys.read_policy("nomad-job")["data"]["rules"], POLICY)
        raw = c.adapter.get("/v1/sys/policies/acl/nomad-job")
        self.assertEqual(raw["data"]["policy"], POLICY)
        self.assertEqual(raw["policy"], POLICY)
        self.assertEqual(raw["data"]["name"], "nomad-job")
        keys = c.adapter.list("/v1/sys/policies/acl")["data"]["keys"]
        self.assertEqual(keys[-1], "root")
        self.assertIn("nomad-job", keys)
        self.assertIn("policies", c.sys.list_policies()["data"])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.sys.create_or_update_policy("broken", 'path "x" { capabilities = ["fly"] }', pretty_print=False)
        self.assertTrue(e.exception.errors[0].startswith("failed to parse policy"))
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.sys.delete_policy("default")
        c.sys.create_or_update_policy("tmp", 'path "x" { capabilities = ["read"] }', pretty_print=False)
        c.sys.delete_policy("tmp")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            c.adapter.get("/v1/sys/policies/acl/tmp")

    def test_missing_capability_is_403(self):
        c = root()
        c.sys.enable_secrets_engine("pki", path="pki-int")
        c.secrets.pki.generate_root("internal", "R", extra_params={"key_type": "ec", "ttl": "24h"}, mount_point="pki-int")
        c.secrets.pki.create_or_update_role("nomad-job", extra_params={"allow_any_name": True, "key_type": "ec"},
                                            mount_point="pki-int")
        c.sys.create_or_update_policy("nomad-job", POLICY, pretty_print=False)
        c.sys.create_or_update_policy("reader", 'path "pki-int/roles/*" { capabilities = ["read"] }', pretty_print=False)
        reader = hvac.Client(url=SIM.url, token=c.auth.token.create(policies=["reader"], ttl="1h")["auth"]["client_token"])
        with self.assertRaises(hvac.exceptions.Forbidden) as e:
            reader.secrets.pki.generate_certificate("nomad-job", "x.test", mount_point="pki-int")
        self.assertEqual(e.exception.errors, ["1 error occurred:\n\t* permission denied\n\n"])
        self.assertEqual(reader.secrets.pki.read_role("nomad-job", mount_point="pki-int")["data"]["key_type"], "ec")
        issuer = hvac.Client(url=SIM.url, token=c.auth.token.create(policies=["nomad-job"], ttl="1h")["auth"]["client_token"])
        cert = issuer.secrets.pki.generate_certificate("nomad-job", "x.test", extra_params={"ttl": "1h"}, mount_point="pki-int")
        self.assertIn("certificate", cert["data"])
        bad = hvac.Client(url=SIM.url, token="hvs.nope")
        with self.assertRaises(hvac.exceptions.Forbidden) as e:
            bad.sys.list_mounted_secrets_engines()
        self.assertEqual(e.exception.errors, ["permission denied"])


class TokenTest(unittest.TestCase):
    def test_create_lookup_renew_expire_revoke(self):
        c = root()
        created = c.auth.token.create(policies=["default"], ttl="1h", explicit_max_ttl="90m", meta={"team": "ops"})
        auth = created["auth"]
        self.assertTrue(auth["client_token"].startswith("hvs."))
        self.assertEqual(auth["lease_duration"], 3600)
        self.assertIs(auth["renewable"], True)
        t = hvac.Client(url=SIM.url, token=auth["client_token"])
        data = t.auth.token.lookup_self()["data"]
        self.assertEqual(data["meta"], {"team": "ops"})
        self.assertEqual(data["explicit_max_ttl"], 5400)
        self.assertEqual(data["policies"], ["default"])
        self.assertGreater(data["ttl"], 3590)
        renewed = t.auth.token.renew_self(increment="2h")
        self.assertLessEqual(renewed["auth"]["lease_duration"], 5400)
        self.assertIn("exceeded the effective max_ttl", renewed["warnings"][0])
        short = c.auth.token.create(ttl="2s")["auth"]["client_token"]
        time.sleep(3.1)
        with self.assertRaises(hvac.exceptions.Forbidden):
            hvac.Client(url=SIM.url, token=short).auth.token.lookup_self()
        t.auth.token.revoke_self()
        with self.assertRaises(hvac.exceptions.Forbidden):
            t.auth.token.lookup_self()
        periodic = c.auth.token.create(period="30m")["auth"]
        self.assertEqual(periodic["lease_duration"], 1800)
        rootlook = c.auth.token.lookup_self()["data"]
        self.assertIsNone(rootlook["expire_time"])
        self.assertEqual(rootlook["policies"], ["root"])


class AppRoleTest(unittest.TestCase):
    def test_approle_login(self):
        c = root()
        c.sys.enable_auth_method("approle")
        c.auth.approle.create_or_update_approle("certd", token_policies=["reader"], token_ttl="20m", token_max_ttl="1h")
        role_id = c.auth.approle.read_role_id("certd")["data"]["role_id"]
        secret_id = c.auth.approle.generate_secret_id("certd")["data"]["secret_id"]
        login = hvac.Client(url=SIM.url).auth.approle.login(role_id, secret_id)
        self.assertEqual(login["auth"]["metadata"], {"role_name": "certd"})
        self.assertEqual(login["auth"]["lease_duration"], 1200)
        self.assertEqual(login["auth"]["policies"], ["default", "reader"])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            hvac.Client(url=SIM.url).auth.approle.login(role_id, "wrong")
        self.assertEqual(e.exception.errors, ["invalid role or secret ID"])


class JwtTest(unittest.TestCase):
    def test_config_role_login_with_openssl_signed_jwt(self):
        keys = Keys()
        jwks = JwksServer(keys.jwks)
        try:
            c = root()
            c.sys.enable_auth_method("jwt", path="jwt-nomad")
            with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
                c.auth.jwt.configure(jwks_url="http://127.0.0.1:%d/jwks" % simproc.free_port(), path="jwt-nomad")
            self.assertTrue(e.exception.errors[0].startswith("error checking jwks URL"))
            garbage = JwksServer({"keys": "not a key set"})
            try:
                with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
                    c.auth.jwt.configure(jwks_url=garbage.url, path="jwt-nomad")
                self.assertTrue(e.exception.errors[0].startswith("error checking jwks URL: "), e.exception.errors)
            finally:
                garbage.stop()
            with self.assertRaises(hvac.exceptions.InvalidPath):
                c.auth.jwt.read_config(path="jwt-nomad")  # nothing stored by the refused writes
            c.auth.jwt.configure(jwks_url=jwks.url, jwt_supported_algs=["RS256", "EdDSA"],
                                 default_role="nomad-workloads", path="jwt-nomad")
            self.assertEqual(c.auth.jwt.read_config(path="jwt-nomad")["data"]["jwks_url"], jwks.url)
            c.auth.jwt.create_role("nomad-workloads", user_claim="/nomad_job_id", allowed_redirect_uris=None,
                                   role_type="jwt", bound_audiences=["vault.io"],
                                   claim_mappings={"nomad_namespace": "nomad_namespace", "nomad_job_id": "nomad_job_id",
                                                   "nomad_task": "nomad_task"},
                                   token_type="service", token_period="30m", token_policies=["nomad-workloads"],
                                   path="jwt-nomad")
            c.adapter.post("/v1/auth/jwt-nomad/role/nomad-workloads", json={"role_type": "jwt", "user_claim_json_pointer": True})
            role = c.auth.jwt.read_role("nomad-workloads", path="jwt-nomad")["data"]
            self.assertEqual(role["token_period"], 1800)
            self.assertIsNone(role["bound_claims"])
            self.assertEqual(role["expiration_leeway"], 0)
            self.assertEqual(role["bound_audiences"], ["vault.io"])
            now = int(time.time())
            claims = {"nomad_namespace": "default", "nomad_job_id": "web", "nomad_task": "app",
                      "sub": "global:default:web:web:app:default", "aud": ["vault.io"],
                      "iat": now, "nbf": now, "exp": now + 3600}
            login = hvac.Client(url=SIM.url).auth.jwt.jwt_login("nomad-workloads", keys.sign(claims), path="jwt-nomad")
            auth = login["auth"]
            self.assertEqual(auth["policies"], ["default", "nomad-workloads"])
            self.assertEqual(auth["lease_duration"], 1800)
            self.assertEqual(auth["metadata"], {"role": "nomad-workloads", "nomad_namespace": "default",
                                                "nomad_job_id": "web", "nomad_task": "app"})
            self.assertIs(auth["renewable"], True)
            expired = dict(claims, exp=now - 3600, nbf=now - 7200, iat=now - 7200)
            with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
                hvac.Client(url=SIM.url).auth.jwt.jwt_login("nomad-workloads", keys.sign(expired), path="jwt-nomad")
            self.assertTrue(e.exception.errors[0].startswith("error validating token"))
            other = Keys()
            with self.assertRaises(hvac.exceptions.InvalidRequest):
                hvac.Client(url=SIM.url).auth.jwt.jwt_login("nomad-workloads", other.sign(claims), path="jwt-nomad")
            c.auth.jwt.configure(jwt_validation_pubkeys=[keys.pub], path="jwt-nomad")
            login = hvac.Client(url=SIM.url).auth.jwt.jwt_login("nomad-workloads", keys.sign(claims), path="jwt-nomad")
            self.assertEqual(login["auth"]["lease_duration"], 1800)
        finally:
            jwks.stop()

    def test_login_checks_issuer_times_audience_subject_and_bound_claims(self):
        keys = Keys()
        c = root()
        c.sys.enable_auth_method("jwt", path="jwt-claims")
        c.auth.jwt.configure(jwt_validation_pubkeys=[keys.pub], bound_issuer="https://nomad.test", path="jwt-claims")
        c.auth.jwt.create_role("web", user_claim="nomad_job_id", allowed_redirect_uris=None, role_type="jwt",
                               bound_audiences=["vault.io"], bound_subject="global:prod:web",
                               bound_claims={"nomad_namespace": ["prod", "staging"]}, token_ttl="15m",
                               token_policies=["web"], path="jwt-claims")
        now = int(time.time())
        good = {"iss": "https://nomad.test", "sub": "global:prod:web", "aud": "vault.io", "nomad_job_id": "web",
                "nomad_namespace": "staging", "iat": now, "nbf": now, "exp": now + 600}

        def login(claims, role="web"):
            return hvac.Client(url=SIM.url).auth.jwt.jwt_login(role, keys.sign(claims), path="jwt-claims")

        auth = login(good)["auth"]
        self.assertEqual(auth["lease_duration"], 900)
        self.assertEqual(auth["policies"], ["default", "web"])
        self.assertEqual(auth["metadata"], {"role": "web"})
        self.assertEqual(hvac.Client(url=SIM.url, token=auth["client_token"]).auth.token.lookup_self()
                         ["data"]["path"], "auth/jwt-claims/login")
        refused = [
            (dict(good, iss="https://other.test"), "error validating token: invalid issuer (iss) claim"),
            (dict(good, nbf=now + 3600), "error validating token: token not valid yet (nbf)"),
            (dict(good, exp=now - 3600), "error validating token: token is expired (exp)"),
            (dict(good, aud="other"), "error validating token: invalid audience (aud) claim"),
            (dict(good, sub="global:prod:db"), "error validating token: invalid subject (sub) claim"),
            (dict(good, nomad_namespace="dev"), "error validating claims: claim \"nomad_namespace\" does not match"),
        ]
        for claims, prefix in refused:
            with self.subTest(prefix=prefix):
                with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
                    login(claims)
                self.assertTrue(e.exception.errors[0].startswith(prefix), e.exception.errors)
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            login(good, role="absent")
        self.assertEqual(e.exception.errors, ['role "absent" could not be found'])


class SystemTest(unittest.TestCase):
    def test_health_seal_standby(self):
        c = hvac.Client(url=SIM.url)
        self.assertFalse(c.sys.read_health_status(method="GET")["sealed"])
        self.assertTrue(c.sys.is_initialized())
        SIM.admin("POST", "/_sim/standby", '{"active_address":"http://127.0.0.1:1"}')
        self.assertEqual(c.sys.read_health_status(method="GET").status_code, 429)
        self.assertTrue(c.sys.read_health_status(method="GET", standby_ok=True)["standby"])
        SIM.admin("POST", "/_sim/active")
        SIM.admin("POST", "/_sim/seal")
        self.assertTrue(c.sys.is_sealed())
        with self.assertRaises(hvac.exceptions.VaultDown):
            root().sys.list_mounted_secrets_engines()
        SIM.admin("POST", "/_sim/unseal")
        self.assertFalse(c.sys.is_sealed())

    def test_faults_and_counters(self):
        SIM.admin("DELETE", "/_sim/counters")
        SIM.admin("POST", "/_sim/faults", '{"prefix":"/v1/sys/mounts","status":502,"rate":1}')
        with self.assertRaises(hvac.exceptions.BadGateway):
            root().sys.list_mounted_secrets_engines()
        SIM.admin("DELETE", "/_sim/faults")
        root().sys.list_mounted_secrets_engines()
        status, body = SIM.admin("GET", "/_sim/counters?prefix=/v1/sys/mounts")
        self.assertEqual(json.loads(body)["paths"]["/v1/sys/mounts"]["GET"], 2)


class StateFileTest(unittest.TestCase):
    def test_state_survives_restart(self):
        state = os.path.join(tempfile.mkdtemp(), "vault-sim.json")
        first = common.start("--state-file", state)
        try:
            c = hvac.Client(url=first.url, token="root")
            c.sys.create_or_update_policy("kept", POLICY, pretty_print=False)
            c.sys.enable_secrets_engine("pki", path="pki-kept")
            root_pem = c.secrets.pki.generate_root("internal", "Kept Root", extra_params={"key_type": "ec", "ttl": "24h"},
                                                   mount_point="pki-kept")["data"]["certificate"]
            c.secrets.pki.create_or_update_role("r", extra_params={"allow_any_name": True, "key_type": "ec"},
                                                mount_point="pki-kept")
            token = c.auth.token.create(policies=["kept"], ttl="1h")["auth"]["client_token"]
        finally:
            first.stop()
        second = common.start("--state-file", state)
        try:
            c = hvac.Client(url=second.url, token="root")
            self.assertEqual(c.sys.read_policy("kept")["data"]["rules"], POLICY)
            self.assertEqual(c.secrets.pki.read_ca_certificate(mount_point="pki-kept"), root_pem)
            cert = c.secrets.pki.generate_certificate("r", "x.test", extra_params={"ttl": "1h"}, mount_point="pki-kept")
            self.assertIn("OK", common.verify_chain(cert["data"]["certificate"], [], root_pem))
            self.assertEqual(hvac.Client(url=second.url, token=token).auth.token.lookup_self()["data"]["policies"],
                             ["default", "kept"])
        finally:
            second.stop()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
