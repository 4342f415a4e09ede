#!/usr/bin/env bash
# The README's test command: install dependencies, build, run every test, then again under ASan+UBSan.
# Environment: NC_SKIP_SANITIZE=1 skips the sanitizer pass (local iteration only; CI runs both).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  ninja -C "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}

echo "== build and test: build/"
# Optimised, asserts kept, no debug info: debug info in coroutine-heavy code doubles build time.
run_suite build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2

if [ "${NC_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== build and test under ASan+UBSan: build-asan/"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # -O0 with line tables: the cheapest build that still gives readable sanitizer reports.
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
    -DNOMAD_CERTD_SANITIZE=ON
fi
