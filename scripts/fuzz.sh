#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, ASan+UBSan) and runs each for N seconds
# on a scratch copy of its committed seed corpus (tests/fuzz/corpus/<name>/); crashes are saved
# to build-fuzz/crashes/<name>/ and fail the run.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [target ...]
# Environment: NC_FUZZ_BUILD (default build-fuzz), NC_FUZZ_JOBS (ninja -j, default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all=(desired_state vault_json nomad_json pem ndjson)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
build=${NC_FUZZ_BUILD:-build-fuzz}

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
  -DNOMAD_CERTD_SANITIZE=ON -DNOMAD_CERTD_TESTS=OFF -DNOMAD_CERTD_FUZZ=ON >/dev/null
ninja -C "$build" -j "${NC_FUZZ_JOBS:-$(nproc)}" "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
printf '%-14s %8s %12s %s\n' TARGET SECONDS EXECS RESULT
for t in "${targets[@]}"; do
  work=$(mktemp -d "/tmp/nc-fuzz-$t.XXXXXX")
  cp -r "tests/fuzz/corpus/$t/." "$work/"
  mkdir -p "$build/crashes/$t"
  log="$build/crashes/$t/last-run.log"
  set +e
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/crashes/$t/" -print_final_stats=1 "$work" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then result=ok; else result="FAILED (exit $rc, see $log)"; status=1; fi
  printf '%-14s %8s %12s %s\n' "$t" "$seconds" "${execs:-?}" "$result"
  [ $rc -eq 0 ] || grep -m3 -E 'ERROR|SUMMARY|Test unit written' "$log" || true
  rm -rf "$work"
done
exit $status
