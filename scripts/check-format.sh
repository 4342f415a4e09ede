#!/usr/bin/env bash
# Fails, listing the files, when a C++ source differs from what clang-format makes of it
# (style in .clang-format). Fix with: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."

command -v clang-format >/dev/null || { echo "check-format: clang-format not found (apt-get install clang-format)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find bench daemon lib sim tests -name '*.cpp' -o -name '*.hpp' | sort)
fi

if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
# Few clang-format processes, each given many files (one per file cost a minute of CI); the
# files are named in its diagnostics ("path:line:col: error: code should be clang-formatted").
rc=0
out=$(printf '%s\0' "${files[@]}" | xargs -0 -P "$(nproc)" -n 40 clang-format --dry-run -Werror 2>&1) || rc=$?
mapfile -t bad < <(grep -oE '^[^: ]+\.(cpp|hpp):[0-9]+:[0-9]+: (error|warning)' <<<"$out" | cut -d: -f1 | sort -u)
if [ "$rc" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  echo "check-format: clang-format failed (exit $rc):"; echo "$out" | tail -20; exit 1
fi
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted (scripts/check-format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
