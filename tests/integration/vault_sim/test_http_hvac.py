"""HTTP semantics of vault-sim over a real socket (Vault API reference §1-§2), with python3-hvac and requests."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

import hvac
import hvac.exceptions
import requests

import common

SIM = None


def setUpModule():
    global SIM
    SIM = common.start()


def tearDownModule():
    SIM.stop()


def root():
    return hvac.Client(url=SIM.url, token="root")


def raw(method, path, token="root", headers=None, body=None):
    """One request without any client library conventions (no X-Vault-Request unless given)."""
    h = dict(headers or {})
    if token is not None:
        h.setdefault("X-Vault-Token", token)
    return requests.request(method, SIM.url + path, headers=h, data=body, allow_redirects=False, timeout=10)


class HeadersTest(unittest.TestCase):
    def test_cache_control_on_every_kind_of_response(self):
        c = root()
        c.sys.create_or_update_policy("cc", 'path "x" { capabilities = ["read"] }', pretty_print=False)
        cases = [
            ("GET", "/v1/sys/policies/acl/cc", "root", 200),   # JSON envelope
            ("POST", "/v1/sys/policies/acl/cc2", "root", 400),  # error body (no policy)
            ("DELETE", "/v1/sys/policies/acl/cc", "root", 204),  # empty body
            ("GET", "/v1/sys/policies/acl/absent", "root", 404),
            ("GET", "/v1/sys/mounts", "hvs.unknown", 403),
            ("GET", "/v1/sys/health", None, 200),               # no envelope
            ("GET", "/v1/nope/x", "root", 404),                 # no route
        ]
        for method, path, token, status in cases:
            with self.subTest(method=method, path=path):
                r = raw(method, path, token=token, body="{}" if method == "POST" else None)
                self.assertEqual(r.status_code, status, r.text)
                self.assertEqual(r.headers.get("Cache-Control"), "no-store")

    def test_x_vault_request_is_sent_by_hvac_and_not_required(self):
        c = root()
        self.assertTrue(c.adapter.request_header)  # hvac adds X-Vault-Request: true to every request
        with_header = raw("GET", "/v1/auth/token/lookup-self", headers={"X-Vault-Request": "true"})
        without = raw("GET", "/v1/auth/token/lookup-self")
        self.assertEqual(with_header.status_code, 200)
        self.assertEqual(without.status_code, 200)
        self.assertEqual(with_header.json()["data"]["policies"], without.json()["data"]["policies"])

    def test_bearer_fallback_and_precedence(self):
        ok = raw("GET", "/v1/auth/token/lookup-self", token=None, headers={"Authorization": "Bearer root"})
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(ok.json()["data"]["policies"], ["root"])
        # X-Vault-Token wins over Authorization when both are present.
        both = raw("GET", "/v1/auth/token/lookup-self", token="hvs.bogus", headers={"Authorization": "Bearer root"})
        self.assertEqual(both.status_code, 403)
        self.assertEqual(both.json(), {"errors": ["permission denied"]})
        basic = raw("GET", "/v1/auth/token/lookup-self", token=None, headers={"Authorization": "Basic cm9vdDo="})
        self.assertEqual(basic.status_code, 403)
        none = raw("GET", "/v1/sys/mounts", token=None)
        self.assertEqual((none.status_code, none.json()), (403, {"errors": ["permission denied"]}))


class ListTest(unittest.TestCase):
    def test_list_verb_and_query_and_empty_404(self):
        c = root()
        c.sys.enable_secrets_engine("pki", path="pki-list")
        with self.assertRaises(hvac.exceptions.InvalidPath) as e:
            c.secrets.pki.list_roles(mount_point="pki-list")
        self.assertEqual(e.exception.errors, [])
        empty = raw("LIST", "/v1/pki-list/roles")
        self.assertEqual((empty.status_code, empty.json()), (404, {"errors": []}))
        self.assertEqual(raw("GET", "/v1/pki-list/certs?list=true").status_code, 404)
        for name in ("b", "a"):
            c.secrets.pki.create_or_update_role(name, extra_params={"allow_any_name": True}, mount_point="pki-list")
        by_verb = raw("LIST", "/v1/pki-list/roles").json()["data"]["keys"]
        by_query = raw("GET", "/v1/pki-list/roles?list=true").json()["data"]["keys"]
        with_slash = raw("LIST", "/v1/pki-list/roles/").json()["data"]["keys"]
        self.assertEqual(by_verb, ["a", "b"])
        self.assertEqual(by_query, by_verb)
        self.assertEqual(with_slash, by_verb)
        self.assertEqual(c.secrets.pki.list_roles(mount_point="pki-list")["data"]["keys"], by_verb)
        # ?list=false is a plain read (of a path that has no read handler here), a bad value is 400.
        self.assertNotEqual(raw("GET", "/v1/pki-list/roles?list=false").status_code, 200)
        bad = raw("GET", "/v1/pki-list/roles?list=maybe")
        self.assertEqual((bad.status_code, bad.json()), (400, {"errors": []}))


class LimitsTest(unittest.TestCase):
    def test_request_size_limit_is_413(self):
        small = common.start("--max-request-size", "4096")
        try:
            url = small.url + "/v1/sys/policies/acl/big"
            text = "# " + "x" * 3000 + '\npath "a" { capabilities = ["read"] }\n'
            ok = requests.post(url, headers={"X-Vault-Token": "root"}, json={"policy": text}, timeout=10)
            self.assertEqual(ok.status_code, 204, ok.text)
            too_big = requests.post(url, headers={"X-Vault-Token": "root"},
                                    json={"policy": "# " + "x" * 5000 + "\n"}, timeout=10)
            self.assertEqual(too_big.status_code, 413)
            self.assertIn("http: request body too large", too_big.json()["errors"][0])
            self.assertEqual(too_big.headers.get("Cache-Control"), "no-store")
            # The server keeps serving after refusing.
            read = hvac.Client(url=small.url, token="root").sys.read_policy("big")
            self.assertEqual(read["data"]["rules"], text)
        finally:
            small.stop()


class HealthTest(unittest.TestCase):
    def test_health_parameters_and_head(self):
        def health(query="", method="GET"):
            return raw(method, "/v1/sys/health" + query, token=None)

        r = health()
        self.assertEqual(r.status_code, 200)
        body = r.json()
        for key, kind in (("initialized", bool), ("sealed", bool), ("standby", bool), ("performance_standby", bool),
                          ("replication_performance_mode", str), ("replication_dr_mode", str),
                          ("server_time_utc", int), ("version", str), ("cluster_name", str), ("cluster_id", str)):
            self.assertIsInstance(body[key], kind, key)
        self.assertNotIn("request_id", body)
        self.assertEqual(health("?activecode=299").status_code, 299)
        head = health(method="HEAD")
        self.assertEqual((head.status_code, head.content), (200, b""))
        self.assertEqual(raw("GET", "/v1/sys/health?activecode=abc", token=None).json(), {"errors": []})
        SIM.admin("POST", "/_sim/seal")
        try:
            self.assertEqual(health().status_code, 503)
            self.assertEqual(health("?sealedcode=200").status_code, 200)
            self.assertIs(health().json()["sealed"], True)
            seal = raw("GET", "/v1/sys/seal-status", token=None)
            self.assertEqual(seal.status_code, 200)
            self.assertIs(seal.json()["sealed"], True)
            sealed = raw("GET", "/v1/sys/mounts")
            self.assertEqual((sealed.status_code, sealed.json()), (503, {"errors": ["Vault is sealed"]}))
        finally:
            SIM.admin("POST", "/_sim/unseal")
        SIM.admin("POST", "/_sim/standby", '{"active_address":"http://127.0.0.1:1"}')
        try:
            self.assertEqual(health().status_code, 429)
            self.assertEqual(health("?standbyok=true").status_code, 200)
            self.assertEqual(health("?standbyok").status_code, 429)  # empty value decodes to false
            self.assertEqual(health("?standbycode=201").status_code, 201)
            hv = hvac.Client(url=SIM.url)
            self.assertTrue(hv.sys.read_health_status(method="GET", standby_ok=True)["standby"])
        finally:
            SIM.admin("POST", "/_sim/active")


class StandbyTest(unittest.TestCase):
    def test_standby_redirects_with_307_when_asked_not_to_forward(self):
        active = common.start()
        standby = common.start()
        try:
            hvac.Client(url=active.url, token="root").sys.create_or_update_policy(
                "only-on-active", 'path "a" { capabilities = ["read"] }', pretty_print=False)
            standby.admin("POST", "/_sim/standby", '{"active_address":"%s"}' % active.url)
            h = {"X-Vault-Token": "root", "X-Vault-No-Request-Forwarding": "true"}
            r = requests.get(standby.url + "/v1/sys/policies/acl/only-on-active?x=1", headers=h,
                             allow_redirects=False, timeout=10)
            self.assertEqual(r.status_code, 307)
            self.assertEqual(r.headers["Location"], active.url + "/v1/sys/policies/acl/only-on-active?x=1")
            # Without the header the standby answers itself (as if it had forwarded the request).
            self.assertEqual(requests.get(standby.url + "/v1/sys/mounts", headers={"X-Vault-Token": "root"},
                                          allow_redirects=False, timeout=10).status_code, 200)
            # hvac (requests) follows the 307 for reads and writes, re-sending the body.
            client = hvac.Client(url=standby.url, token="root")
            client.session.headers["X-Vault-No-Request-Forwarding"] = "true"
            self.assertIn("capabilities", client.sys.read_policy("only-on-active")["data"]["rules"])
            client.sys.create_or_update_policy("written-via-standby", 'path "b" { capabilities = ["list"] }',
                                               pretty_print=False)
            self.assertEqual(hvac.Client(url=active.url, token="root").sys.read_policy("written-via-standby")
                             ["data"]["rules"], 'path "b" { capabilities = ["list"] }')
            standby.admin("POST", "/_sim/standby", '{"active_address":""}')
            none = requests.get(standby.url + "/v1/sys/mounts", headers=h, allow_redirects=False, timeout=10)
            self.assertEqual((none.status_code, none.json()), (503, {"errors": ["no active Vault instance found"]}))
        finally:
            standby.stop()
            active.stop()


class SysAuthTest(unittest.TestCase):
    def test_auth_methods_enable_list_and_conflict(self):
        c = root()
        c.sys.enable_auth_method("jwt", path="jwt-list")
        c.sys.enable_auth_method("approle", path="approle-list")
        methods = c.sys.list_auth_methods()["data"]
        self.assertEqual(methods["jwt-list/"]["type"], "jwt")
        self.assertEqual(methods["approle-list/"]["type"], "approle")
        self.assertEqual(methods["token/"]["type"], "token")
        self.assertTrue(methods["jwt-list/"]["accessor"].startswith("auth_jwt_"))
        self.assertEqual(methods["jwt-list/"]["config"]["token_type"], "default-service")
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.sys.enable_auth_method("jwt", path="jwt-list")
        self.assertEqual(e.exception.errors, ["path is already in use at jwt-list/"])


class JwtRoleTest(unittest.TestCase):
    def test_role_post_merges_role_type_resets_and_get_shows_nulls(self):
        c = root()
        c.sys.enable_auth_method("jwt", path="jwt-roles")
        c.adapter.post("/v1/auth/jwt-roles/role/Minimal",
                       json={"role_type": "jwt", "user_claim": "sub", "bound_subject": "web"})
        d = c.auth.jwt.read_role("minimal", path="jwt-roles")["data"]  # name lower-cased
        for key in ("bound_audiences", "bound_claims", "claim_mappings", "allowed_redirect_uris", "oidc_scopes"):
            self.assertIsNone(d[key], key)
        self.assertEqual(d["token_policies"], [])
        self.assertEqual(d["token_bound_cidrs"], [])
        self.assertEqual(d["token_type"], "default")
        self.assertEqual(d["bound_claims_type"], "string")
        self.assertEqual((d["expiration_leeway"], d["not_before_leeway"], d["clock_skew_leeway"]), (0, 0, 0))
        self.assertNotIn("policies", d)
        self.assertNotIn("ttl", d)
        # hvac sends role_type, bound_claims_type and verbose_oidc_logging itself; everything else merges.
        c.auth.jwt.create_role("minimal", user_claim="sub", allowed_redirect_uris=None, token_ttl="10m",
                               bound_claims={"nomad_namespace": "prod"}, path="jwt-roles")
        d = c.auth.jwt.read_role("minimal", path="jwt-roles")["data"]
        self.assertEqual(d["bound_subject"], "web")
        self.assertEqual(d["token_ttl"], 600)
        self.assertEqual(d["bound_claims"], {"nomad_namespace": "prod"})
        # A POST without role_type resets it to "oidc", which then needs redirect URIs: refused, nothing stored.
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            c.adapter.post("/v1/auth/jwt-roles/role/minimal", json={"token_ttl": "20m"})
        self.assertEqual(e.exception.errors,
                         ["'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."])
        self.assertEqual(c.auth.jwt.read_role("minimal", path="jwt-roles")["data"]["token_ttl"], 600)
        c.adapter.post("/v1/auth/jwt-roles/role/minimal",
                       json={"token_ttl": "20m", "allowed_redirect_uris": ["http://localhost:8250/oidc/callback"]})
        d = c.auth.jwt.read_role("minimal", path="jwt-roles")["data"]
        self.assertEqual((d["role_type"], d["token_ttl"], d["bound_subject"]), ("oidc", 1200, "web"))
        self.assertIn("minimal", c.auth.jwt.list_roles(path="jwt-roles")["data"]["keys"])
        c.auth.jwt.delete_role("minimal", path="jwt-roles")
        with self.assertRaises(hvac.exceptions.InvalidPath):
            c.auth.jwt.read_role("minimal", path="jwt-roles")


class TokenRenewTest(unittest.TestCase):
    def test_renew_up_to_max_ttl_periodic_and_not_renewable(self):
        c = root()
        tok = c.auth.token.create(ttl="10m", explicit_max_ttl="15m")["auth"]["client_token"]
        t = hvac.Client(url=SIM.url, token=tok)
        first = t.auth.token.renew_self(increment="5m")
        self.assertEqual(first["auth"]["lease_duration"], 300)
        self.assertIsNone(first["warnings"])
        capped = t.auth.token.renew_self(increment="1h")
        self.assertLessEqual(capped["auth"]["lease_duration"], 900)
        self.assertGreaterEqual(capped["auth"]["lease_duration"], 895)
        self.assertRegex(capped["warnings"][0],
                         r'^TTL of "1h0m0s" exceeded the effective max_ttl of "1[45]m[0-9]+s"; TTL value is capped accordingly$')
        self.assertLessEqual(t.auth.token.lookup_self()["data"]["ttl"], 900)
        periodic = hvac.Client(url=SIM.url, token=c.auth.token.create(period="30m")["auth"]["client_token"])
        self.assertEqual(periodic.auth.token.renew_self(increment="5m")["auth"]["lease_duration"], 1800)
        fixed = hvac.Client(url=SIM.url, token=c.auth.token.create(ttl="10m", renewable=False)["auth"]["client_token"])
        with self.assertRaises(hvac.exceptions.InvalidRequest) as e:
            fixed.auth.token.renew_self()
        self.assertEqual(e.exception.errors, ["lease is not renewable"])
        orphan = c.auth.token.create(policies=["default"], ttl="5m", no_parent=True)["auth"]
        self.assertIs(orphan["orphan"], True)
        via_path = c.adapter.post("/v1/auth/token/create-orphan", json={"ttl": "5m"})["auth"]
        self.assertIs(via_path["orphan"], True)
        self.assertIs(c.auth.token.create(ttl="5m")["auth"]["orphan"], False)
        # A revoked token is 403 on every path, including its own lookup.
        c.auth.token.revoke(orphan["client_token"])
        gone = raw("GET", "/v1/auth/token/lookup-self", token=orphan["client_token"])
        self.assertEqual((gone.status_code, gone.json()), (403, {"errors": ["permission denied"]}))


class FaultsTest(unittest.TestCase):
    def test_latency_reset_and_counters(self):
        sim = common.start()
        try:
            c = hvac.Client(url=sim.url, token="root")
            sim.admin("POST", "/_sim/faults", '{"prefix":"/v1/sys/policy","latency_ms":300}')
            t0 = time.monotonic()
            c.sys.list_policies()
            self.assertGreaterEqual(time.monotonic() - t0, 0.3)
            sim.admin("POST", "/_sim/faults", '{"prefix":"/v1/auth/token","method":"GET","reset":true,"rate":1}')
            with self.assertRaises(requests.exceptions.ConnectionError):
                c.auth.token.lookup_self()
            self.assertIn("request_id", c.adapter.post("/v1/auth/token/lookup-self", json={}))
            sim.admin("DELETE", "/_sim/faults")
            self.assertEqual(c.auth.token.lookup_self()["data"]["id"], "root")
            _, body = sim.admin("GET", "/_sim/counters?prefix=/v1/auth/token/lookup-self")
            paths = json.loads(body)["paths"]["/v1/auth/token/lookup-self"]
            self.assertEqual((paths["GET"], paths["POST"]), (2, 1))
            sim.admin("DELETE", "/_sim/counters")
            self.assertEqual(json.loads(sim.admin("GET", "/_sim/counters")[1])["total"], 0)
            sim.admin("POST", "/_sim/reset")
            with self.assertRaises(hvac.exceptions.InvalidPath):
                c.sys.read_policy("anything")
        finally:
            sim.stop()


class TlsTest(unittest.TestCase):
    """--tls-cert/--tls-key/--tls-client-ca with material made by the openssl command line."""

    @staticmethod
    def make_pki(tmp):
        def run(*args):
            common.openssl(*args)

        ext = os.path.join(tmp, "ext.cnf")
        with open(ext, "w") as f:
            f.write("[srv]\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                    "[cli]\nextendedKeyUsage=clientAuth\n")
        paths = {n: os.path.join(tmp, n) for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem",
                                                   "cli.key", "cli.csr", "cli.pem")}
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Test CA",
            "-days", "1", "-keyout", paths["ca.key"], "-out", paths["ca.pem"])
        for name, section in (("srv", "srv"), ("cli", "cli")):
            run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name,
                "-keyout", paths[name + ".key"], "-out", paths[name + ".csr"])
            run("x509", "-req", "-in", paths[name + ".csr"], "-CA", paths["ca.pem"], "-CAkey", paths["ca.key"],
                "-CAcreateserial", "-days", "1", "-extfile", ext, "-extensions", section, "-out", paths[name + ".pem"])
        return paths

    def test_mtls_with_hvac(self):
        tmp = tempfile.mkdtemp(prefix="vault-sim-tls-")
        try:
            p = self.make_pki(tmp)
            sim = common.start("--tls-cert", p["srv.pem"], "--tls-key", p["srv.key"], "--tls-client-ca", p["ca.pem"])
            try:
                self.assertTrue(sim.url.startswith("https://127.0.0.1:"))
                c = hvac.Client(url=sim.url, token="root", verify=p["ca.pem"], cert=(p["cli.pem"], p["cli.key"]))
                self.assertEqual(c.auth.token.lookup_self()["data"]["policies"], ["root"])
                self.assertFalse(c.sys.read_health_status(method="GET")["sealed"])
                no_cert = hvac.Client(url=sim.url, token="root", verify=p["ca.pem"])
                with self.assertRaises(requests.exceptions.RequestException):
                    no_cert.auth.token.lookup_self()
                untrusted = hvac.Client(url=sim.url, token="root", cert=(p["cli.pem"], p["cli.key"]))
                with self.assertRaises(requests.exceptions.SSLError):
                    untrusted.auth.token.lookup_self()
            finally:
                sim.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
