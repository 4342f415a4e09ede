#!/usr/bin/env bash
# Interim demo (until the simulator demo lands): builds nomad-certd if needed and validates the
# shipped configuration in config/ with `nomad-certd check-config`, in text and JSON.
# Exit status is check-config's: 0 ok, 2 warnings, 1 errors.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${NC_BUILD_DIR:-build}
if [ ! -x "$build/daemon/nomad-certd" ] || [ -n "$(find daemon lib/core lib/config -newer "$build/daemon/nomad-certd" -name '*.[ch]pp' -print -quit)" ]; then
  ./scripts/install-deps.sh  # idempotent: installs only what is missing
  echo "== building nomad-certd in $build/"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build" nomad-certd
fi

bin="$build/daemon/nomad-certd"
"$bin" version
echo
echo "== nomad-certd check-config --config config/config.yaml"
set +e
"$bin" check-config --config config/config.yaml
status=$?
set -e
echo
echo "== the same as JSON (--output json)"
"$bin" check-config --config config/config.yaml --output json || true
echo
case $status in
  0) echo "configuration OK: $(grep -c '^    - file:' config/desired-state.yaml) jobs, policies and PKI/JWT roles validated offline" ;;
  2) echo "configuration has warnings (exit 2)" ;;
  *) echo "configuration has errors (exit $status)" ;;
esac
exit $status
