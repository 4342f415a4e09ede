#!/usr/bin/env bash
# Verifies systemd/nomad-certd.service with systemd-analyze (no running systemd needed): the unit
# is copied into a temporary folder with ExecStart pointing at the built binary. Any complaint
# (unknown key, bad value, missing executable) fails the test.
set -euo pipefail
unit=$1
binary=$(realpath "$2")
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found (apt-get install systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -q '^ExecStart=/usr/local/bin/nomad-certd ' "$unit" || { echo "unexpected ExecStart in $unit"; exit 1; }
sed "s#/usr/local/bin/nomad-certd#${binary}#g" "$unit" > "$tmp/nomad-certd.service"
set +e
output=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/nomad-certd.service" 2>&1)
status=$?
set -e
# Messages about other units (dependencies absent from a container) are not about this file.
relevant=$(printf '%s\n' "$output" | grep -E 'nomad-certd\.service' || true)
if [ "$status" -ne 0 ] || [ -n "$relevant" ]; then
  printf 'systemd-analyze verify failed (exit %s):\n%s\n' "$status" "$output"
  exit 1
fi
echo "systemd-analyze verify: nomad-certd.service OK"
