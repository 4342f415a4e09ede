"""B3: converge from empty with `nomad-certd apply`, against an Ansible playbook that writes the
same PKI roles and policies with community.hashi_vault's vault_write."""
import json
import os
import shutil
import subprocess
import time

import fixture
from scenarios import median


def reset(env):
    env.vault.ok("POST", "/_sim/reset")
    env.nomad.ok("POST", "/_sim/reset")
    env.bootstrap_vault()


def apply_once(build, cfg, timeout):
    t0 = time.monotonic()
    out = subprocess.run([os.path.join(build, "daemon/nomad-certd"), "apply", "--yes", "--config", cfg],
                         env=fixture.daemon_env(), capture_output=True, text=True, timeout=timeout)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError(f"apply failed ({out.returncode}): {out.stderr[-1500:]}")
    return wall


def live_counts(env):
    roles = env.vault.ok("LIST", f"/v1/{fixture.MOUNT}/roles")["data"]["keys"]
    pols = env.vault.ok("LIST", "/v1/sys/policies/acl")["data"]["keys"]
    return (len([r for r in roles if r.startswith("role-")]),
            len([p for p in pols if p.startswith("pol-")]))


PLAYBOOK = """# Applies PKI roles and ACL policies with community.hashi_vault (the playbook approach).
- hosts: localhost
  connection: local
  gather_facts: false
  vars_files: [vars.json]
  module_defaults:
    community.hashi_vault.vault_write:
      url: "{{ vault_url }}"
      auth_method: token
      token: "{{ vault_token }}"
  tasks:
    - name: PKI roles
      community.hashi_vault.vault_write:
        path: "{{ mount }}/roles/{{ item.name }}"
        data: "{{ item.config }}"
      loop: "{{ roles }}"
    - name: ACL policies
      community.hashi_vault.vault_write:
        path: "sys/policies/acl/{{ item.name }}"
        data:
          policy: "{{ item.text }}"
      loop: "{{ policies }}"
"""


def ansible_available():
    if not shutil.which("ansible-playbook"):
        return "ansible-playbook not found"
    out = subprocess.run(["ansible-galaxy", "collection", "list", "community.hashi_vault"],
                         capture_output=True, text=True)
    if "community.hashi_vault" not in out.stdout:
        return "collection community.hashi_vault not installed"
    return None


def ansible_once(env, a, wd):
    pdir = os.path.join(wd, "ansible")
    os.makedirs(pdir, exist_ok=True)
    with open(os.path.join(pdir, "playbook.yml"), "w") as f:
        f.write(PLAYBOOK)
    with open(os.path.join(pdir, "vars.json"), "w") as f:
        json.dump({"vault_url": env.vault_url, "vault_token": fixture.ROOT_TOKEN, "mount": fixture.MOUNT,
                   "roles": [{"name": fixture.role_name(i), "config": fixture.role_config(i)}
                             for i in range(a.converge_roles)],
                   "policies": [{"name": fixture.policy_name(i), "text": fixture.policy_text(i)}
                                for i in range(a.converge_policies)]}, f)
    env_ = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3", ANSIBLE_NOCOLOR="1",
                ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
                ANSIBLE_HOME=os.path.join(pdir, ".ansible"))
    t0 = time.monotonic()
    out = subprocess.run(["ansible-playbook", "-i", "localhost,", "playbook.yml"], cwd=pdir, env=env_,
                         capture_output=True, text=True, timeout=a.timeout)
    wall = time.monotonic() - t0
    if out.returncode != 0:
        raise RuntimeError(f"ansible-playbook failed: {out.stdout[-1500:]}{out.stderr[-500:]}")
    return wall


def b3(env, a, res, build, wd):
    d_dir = os.path.join(wd, "b3")
    variants = {}
    for name, jobs in (("full", a.converge_jobs), ("vault", 0)):
        vdir = os.path.join(d_dir, name)
        os.makedirs(vdir, exist_ok=True)
        desired = os.path.join(vdir, "desired-state.yaml")
        fixture.write_desired(desired, a.converge_roles, a.converge_policies, jobs, 1, "", False)
        cfg = os.path.join(vdir, "config.yaml")
        fixture.write_config(cfg, env, desired, "5m", "1h", a.concurrency, None, writes_per_second=1000)
        variants[name] = cfg
    walls = {"full": [], "vault": [], "ansible": []}
    why_not = ansible_available()
    for _ in range(a.repeats):
        for name in ("full", "vault"):
            reset(env)
            walls[name].append(apply_once(build, variants[name], a.timeout))
            got = live_counts(env)
            if got != (a.converge_roles, a.converge_policies):
                raise RuntimeError(f"apply ({name}) left {got} roles/policies")
    for _ in range(a.ansible_repeats if not why_not else 0):
        reset(env)
        walls["ansible"].append(ansible_once(env, a, d_dir))
        got = live_counts(env)
        if got != (a.converge_roles, a.converge_policies):
            raise RuntimeError(f"the playbook left {got} roles/policies")
    res.details["b3_walls"] = walls
    sizes = f"{a.converge_roles} roles, {a.converge_policies} policies"
    full, vault = median(walls["full"]), median(walls["vault"])
    res.add("B3", "nomad-certd apply from empty (roles+policies+jobs)", full, "s",
            note=f"{sizes}, {a.converge_jobs} jobs; median of {a.repeats}")
    res.add("B3", "nomad-certd apply from empty (roles+policies)", vault, "s", note=sizes)
    if why_not:
        res.add("B3", "Ansible vault_write playbook", float("nan"), "s", note=f"skipped: {why_not}")
        return
    ans = median(walls["ansible"])
    res.add("B3", "Ansible vault_write playbook (roles+policies)", ans, "s",
            note=f"{sizes}; median of {a.ansible_repeats}")
    ratio = ans / vault
    res.add("B3", "ratio Ansible / nomad-certd (same objects)", ratio, "x", ">= 100x", ratio >= 100)
    res.add("B3", "ratio Ansible (Vault only) / nomad-certd (incl. jobs)", ans / full, "x")
