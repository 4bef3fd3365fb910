#!/usr/bin/env bash
# The README's second command (and CI's): installs what is missing, builds Berth twice (plain, and with
# ASan/UBSan) and runs every test (unit, server, integration) in both builds with ctest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/contrib/install-deps.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for kind in asan plain; do
  echo "=== $kind build ==="
  "$repo/contrib/build.sh" "$kind"
  dir=$repo/build; [[ $kind == asan ]] && dir=$repo/build-asan
  echo "=== $kind tests ==="
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j "$(nproc)") || status=1
done
exit $status
