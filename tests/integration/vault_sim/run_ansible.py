"""Runs the community.hashi_vault playbook against a fresh vault-sim; exits non-zero on failure."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main():
    sim = common.start()
    work = tempfile.mkdtemp(prefix="vault-sim-ansible-")
    try:
        env = dict(os.environ)
        env.update({
            "VAULT_ADDR": sim.url, "VAULT_TOKEN": "root",
            "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
            "ANSIBLE_LOCAL_TEMP": os.path.join(work, "tmp"), "ANSIBLE_REMOTE_TEMP": os.path.join(work, "tmp"),
            "ANSIBLE_HOME": os.path.join(work, "home"), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_DEPRECATION_WARNINGS": "0", "ANSIBLE_LOCALHOST_WARNING": "0",
        })
        playbook = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible", "playbook.yml")
        res = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", playbook,
                              "-e", "workdir=" + work], env=env)
        return res.returncode
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
