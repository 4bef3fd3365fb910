#!/usr/bin/env bash
# The README's second command (and CI's): installs what is missing, builds Berth twice (plain, and with
# ASan/UBSan) and runs every test (unit, server, integration) in both builds with ctest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/contrib/install-deps.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
echo "=== format ==="
mapfile -t sources < <(git -C "$repo" ls-files '*.cpp' '*.hpp')
if ((${#sources[@]})) && ! (cd "$repo" && clang-format --dry-run -Werror "${sources[@]}"); then
  echo "clang-format: the files above are not formatted (run: clang-format -i FILE)"
  status=1
fi
# Beast stays in server/net (DESIGN.md: compile time, and one place for the wire protocol).
if beast=$(cd "$repo" && git grep -l 'boost/beast' -- '*.cpp' '*.hpp' ':!server/net/*'); then
  echo "Beast included outside server/net: $beast"
  status=1
fi
for kind in asan plain; do
  echo "=== $kind build ==="
  "$repo/contrib/build.sh" "$kind"
  dir=$repo/build; [[ $kind == asan ]] && dir=$repo/build-asan
  echo "=== $kind tests ==="
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j "$(nproc)") || status=1
done
exit $status
