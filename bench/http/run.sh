#!/usr/bin/env bash
# Builds (Release) and runs the lib/http keep-alive micro-benchmark; prints a table.
# Usage: bench/http/run.sh [REQUESTS]   (BUILD_DIR overrides the build directory)
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$src/build-bench}"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNOMAD_CERTD_BENCH=ON \
  -DNOMAD_CERTD_TESTS=OFF >/dev/null
ninja -C "$build" -j"${JOBS:-2}" http_bench >/dev/null
"$build/bench/http/http_bench" "${1:-20000}"
