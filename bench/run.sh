#!/usr/bin/env bash
# Scale benchmarks B1-B5 (issue 11): builds Release (unless --build-dir names an existing build),
# then runs bench/scale/harness.py: simulators, population, scenarios, one table + a JSON file.
# Usage: bench/run.sh [--build-dir DIR] [--smoke] [harness options, see --help]
#   --smoke       small sizes, under 2 minutes; checks the harness works (no timing verdicts)
#   --build-dir   use this build (needs nomad-certd, vault-sim, nomad-sim, naive_resync and
#                 cert_bench, i.e. configured with -DNOMAD_CERTD_BENCH=ON); nothing is built
#   BUILD_DIR / JOBS  build directory (default build-bench) and ninja jobs when building here
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build=""
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --build-dir=*) build=${1#*=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
targets=(nomad-certd vault-sim nomad-sim naive_resync cert_bench)
if [ -z "$build" ]; then
  build="${BUILD_DIR:-$src/build-bench}"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 \
    -DNOMAD_CERTD_BENCH=ON >/dev/null
  ninja -C "$build" -j"${JOBS:-2}" "${targets[@]}" >/dev/null
fi
for b in daemon/nomad-certd sim/vault/vault-sim sim/nomad/nomad-sim bench/scale/naive_resync \
         bench/certs/cert_bench; do
  [ -x "$build/$b" ] || { echo "bench/run.sh: $build/$b missing (configure with -DNOMAD_CERTD_BENCH=ON and build ${targets[*]})" >&2; exit 1; }
done
exec /usr/bin/python3 "$src/bench/scale/harness.py" --build-dir "$build" "${args[@]}"
