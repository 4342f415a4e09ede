"""Shared helpers for the vault-sim conformance suite: the simulator process, openssl calls."""
import os
import subprocess
import tempfile

from simproc import VaultSim

BIN = os.environ.get("VAULT_SIM_BIN", "vault-sim")


def start(*extra):
    return VaultSim(BIN, *extra)


def openssl(*args, stdin=None):
    res = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), res.stderr))
    return res.stdout


def write_tmp(text, suffix=".pem"):
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def verify_chain(cert_pem, chain_pems, root_pem):
    """`openssl verify` of a leaf against the root with the intermediates untrusted."""
    leaf = write_tmp(cert_pem + "\n")
    root = write_tmp(root_pem + "\n")
    untrusted = write_tmp("\n".join(chain_pems) + "\n")
    try:
        args = ["verify", "-CAfile", root]
        if chain_pems:
            args += ["-untrusted", untrusted]
        return openssl(*args, leaf)
    finally:
        for p in (leaf, root, untrusted):
            os.unlink(p)


def x509_text(cert_pem):
    return openssl("x509", "-noout", "-text", stdin=cert_pem + "\n")


def x509_field(cert_pem, *flags):
    return openssl("x509", "-noout", *flags, stdin=cert_pem + "\n").strip()
