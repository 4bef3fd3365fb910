#!/usr/bin/env bash
# Configures and builds Berth into a build directory (ccache when present). Usage: contrib/build.sh [plain|asan] [TARGET...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-plain}
shift || true
case $kind in
  plain) dir=$repo/build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=$repo/build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DBERTH_SANITIZE=ON) ;;
  *) echo "usage: $0 [plain|asan] [TARGET...]" >&2; exit 2 ;;
esac
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S "$repo" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$dir" --parallel "$(nproc)" ${1:+--target "$@"}
