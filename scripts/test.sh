#!/usr/bin/env bash
# The README's test command: install dependencies, build, run every test, then again under ASan+UBSan.
# Environment: NC_SKIP_SANITIZE=1 skips the sanitizer pass (local iteration only; CI runs both).
# NC_TIME_BUDGET_MIN (default 40): the sanitizer pass starts only if the first pass finished
# within this many minutes, so a slow machine still ends inside CI's hard limit — loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1 targets=$2 ctest_args=$3; shift 3
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  # shellcheck disable=SC2086
  ninja -C "$dir" -j "$jobs" $targets
  # shellcheck disable=SC2086
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300 $ctest_args
}

echo "== build and test: build/"
# Optimised, asserts kept, no debug info: debug info in coroutine-heavy code doubles build time.
# With the benchmarks, so the scale harness's smoke mode runs as a test (bench_smoke).
run_suite build "" "" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 \
  -DNOMAD_CERTD_BENCH=ON
echo "== first pass done in $((SECONDS / 60)) min"

# A short libFuzzer run of every target (clang, its own build-fuzz/): catches regressions in the
# parsers of untrusted input; longer runs: scripts/fuzz.sh SECONDS. NC_SKIP_FUZZ=1 skips.
if [ "${NC_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz targets, 15 s each: build-fuzz/"
  ./scripts/fuzz.sh 15
  echo "== fuzz pass done at $((SECONDS / 60)) min"
fi

budget=${NC_TIME_BUDGET_MIN:-40}
if [ "${NC_SKIP_SANITIZE:-0}" != 1 ] && [ $((SECONDS / 60)) -ge "$budget" ]; then
  echo "== WARNING: sanitizer pass SKIPPED: the first pass took $((SECONDS / 60)) min (budget ${budget} min)"
elif [ "${NC_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test under ASan+UBSan: build-asan/"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # -O0 with line tables: the cheapest build that still gives readable sanitizer reports.
  # By default only the unit tests (every library, both simulators' engines) are built and run
  # under the sanitizers; NC_ASAN_ALL=1 builds everything and also runs the integration suites.
  asan_targets=unit_tests asan_tests="-L unit"
  [ "${NC_ASAN_ALL:-0}" = 1 ] && asan_targets="" asan_tests="-LE package"
  run_suite build-asan "$asan_targets" "$asan_tests" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
    -DNOMAD_CERTD_SANITIZE=ON
fi
echo "== all passes done in $((SECONDS / 60)) min $((SECONDS % 60)) s"
