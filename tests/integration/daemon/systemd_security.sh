#!/usr/bin/env bash
# Scores systemd/nomad-certd.service with `systemd-analyze security --offline=true` and fails when
# the overall exposure is above the limit (default 2.0); also checks the required settings, the
# sysusers entry, and applies the tmpfiles entries to a staging root.
set -euo pipefail
dir=$1
limit=${2:-2.0}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$dir/nomad-certd.service" "$tmp/nomad-certd.service"
out=$(systemd-analyze security --offline=true --no-pager "$tmp/nomad-certd.service" 2>&1) || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for nomad-certd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { printf 'no exposure score in:\n%s\n' "$out"; exit 1; }
echo "exposure level: $score (limit $limit)"
awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s <= l) }' || {
  printf '%s\n' "$out" | grep -E '^✗' || true
  echo "exposure $score is above $limit"; exit 1; }
# Required service settings.
for key in '^Type=notify$' '^ExecReload=' '^Restart=on-failure$' '^WatchdogSec=' \
           '^LoadCredential=vault-token:' '^LoadCredential=nomad-token:' '^StateDirectory=nomad-certd$' \
           '^User=nomad-certd$'; do
  grep -qE "$key" "$dir/nomad-certd.service" || { echo "missing $key"; exit 1; }
done
grep -qE '^u nomad-certd ' "$dir/nomad-certd.sysusers" || { echo "sysusers: no nomad-certd user"; exit 1; }
if command -v systemd-tmpfiles >/dev/null; then
  # Apply the tmpfiles entries to a staging root that knows the sysusers user.
  mkdir -p "$tmp/root/etc"
  echo 'nomad-certd:x:990:990::/var/lib/nomad-certd:/usr/sbin/nologin' > "$tmp/root/etc/passwd"
  echo 'nomad-certd:x:990:' > "$tmp/root/etc/group"
  systemd-tmpfiles --root="$tmp/root" --create "$dir/nomad-certd.tmpfiles"
  [ "$(stat -c '%u %a' "$tmp/root/var/lib/nomad-certd/spool")" = "990 700" ] || {
    echo "tmpfiles: spool not created 0700 for nomad-certd"; exit 1; }
fi
echo "systemd unit sandboxing OK"
