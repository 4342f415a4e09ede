#!/usr/bin/env bash
# Builds the Debian package with CPack from a configured and built tree, checks its metadata and
# layout, unpacks it with dpkg-deb -x into a staging root and runs the packaged binary there.
set -euo pipefail
bindir=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$bindir"
cpack -G DEB -B "$tmp/out" --config CPackConfig.cmake >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/out/*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb -f "$deb" Package | grep -qx nomad-certd
dpkg-deb -c "$deb" > "$tmp/contents"
for f in ./usr/bin/nomad-certd ./usr/lib/systemd/system/nomad-certd.service \
         ./usr/lib/sysusers.d/nomad-certd.conf ./usr/lib/tmpfiles.d/nomad-certd.conf \
         ./etc/nomad-certd/examples/config.yaml ./etc/nomad-certd/examples/desired-state.yaml \
         ./usr/share/nomad-certd/monitoring/nomad-certd.rules.yml; do
  grep -q " $f\$" "$tmp/contents" || { echo "missing $f in the package:"; cat "$tmp/contents"; exit 1; }
done
# Simulators and test binaries stay out of the package.
if grep -qE 'vault-sim|nomad-sim|_test$' "$tmp/contents"; then echo "test files packaged"; exit 1; fi
mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
out=$("$tmp/root/usr/bin/nomad-certd" version)
echo "$out"
grep -q "nomad-certd" <<<"$out"
unit="$tmp/root/usr/lib/systemd/system/nomad-certd.service"
grep -q '^ExecStart=/usr/bin/nomad-certd run ' "$unit" || { echo "ExecStart not rewritten"; grep ExecStart "$unit"; exit 1; }
# The packaged unit verifies against the packaged binary.
sed "s#/usr/bin/nomad-certd#$tmp/root/usr/bin/nomad-certd#g" "$unit" > "$tmp/nomad-certd.service"
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/nomad-certd.service" 2>&1 || true)
if printf '%s\n' "$out" | grep -q 'nomad-certd\.service'; then echo "$out"; exit 1; fi
echo "package OK"
