#!/usr/bin/env bash
# Builds (Release) and runs the lib/http keep-alive micro-benchmark: against lib/http's own
# server in-process, then against vault-sim in its own process (a real peer); prints a table.
# Usage: bench/http/run.sh [REQUESTS]   (BUILD_DIR overrides the build directory)
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$src/build-bench}"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOMAD_CERTD_BENCH=ON \
  -DNOMAD_CERTD_TESTS=OFF >/dev/null
ninja -C "$build" -j"${JOBS:-2}" http_bench vault-sim >/dev/null

log=$(mktemp)
"$build/sim/vault/vault-sim" --listen 127.0.0.1:0 --root-token bench-token >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log" | head -1)
[ -n "$url" ] || { echo "vault-sim did not start:"; cat "$log"; exit 1; }
"$build/bench/http/http_bench" "${1:-20000}" "$url"
