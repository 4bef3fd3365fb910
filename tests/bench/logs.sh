#!/usr/bin/env bash
# tests/bench/logs.sh: reading a big container log back, berthd vs a private `podman system service`.
#
#   tests/bench/logs.sh BUILD_DIR [--mb N] [--runs N] [--skip-podman]
#
# A busybox container (log driver json-file, i.e. k8s-file) writes N MB (200) of ~100-byte lines to stdout and
# exits; then `curl GET .../containers/ID/logs?stdout=1 -o /dev/null` is timed --runs times (3) per variant:
#   compat      /v1.41/containers/ID/logs?stdout=1            (docker mux frames)
#   compat+ts   the same with timestamps=1
#   libpod      /v4.3.1/libpod/containers/ID/logs?stdout=1
#   libpod+ts   the same with timestamps=1
# Figures are MB/s of the container's output (N MB / median seconds); target (berthd): >= 500 MB/s.
set -uo pipefail

die() { echo "logs.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
[[ $# -ge 1 && $1 != -* ]] || die "usage: logs.sh BUILD_DIR [--mb N] [--runs N] [--skip-podman]"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
MB=200 RUNS=3 SKIP_PODMAN=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --mb) MB=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        *) die "unknown option $1" ;;
    esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BERTHD=$BUILD/berthd
[[ -x $BERTHD ]] || die "build berthd in $BUILD first"

D=$(mktemp -d /tmp/berth-bl.XXXXXX) || die "mktemp failed"
BERTHD_PID='' podman_started=0
servers=()
declare -A SOCK=([berthd]=$D/berth.sock [podman]=$D/podman.sock)
cleanup() {
    trap - EXIT INT TERM
    for s in "${servers[@]:-}"; do
        [[ -n $s ]] && curl -s --unix-socket "${SOCK[$s]}" -X POST "http://d/v1.41/containers/prune" >/dev/null 2>&1
    done
    [[ -n $BERTHD_PID ]] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
    [[ $podman_started == 1 ]] && "$PODMAN_SERVICE" cleanup "$D/podman" >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }

mkdir -p "$D/rootfs/bin"
cp /bin/busybox "$D/rootfs/bin/busybox"
for applet in sh yes head; do ln -s busybox "$D/rootfs/bin/$applet"; done
tar -C "$D/rootfs" -cf "$D/busybox.tar" .
printf 'unqualified-search-registries = []\n' >"$D/registries.conf"

"$BERTHD" --log-level warn --root "$D/root" --runroot "$D/run" "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 1 100); do curl -s --unix-socket "$D/berth.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
servers=(berthd)
if [[ $SKIP_PODMAN == 0 ]]; then
    podman_started=1
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 ||
        die "podman service did not come up"
    servers+=(podman)
fi
api() {  # SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" "$@" "http://d/v1.41$p"
}

line=$(printf 'a%.0s' $(seq 1 99))  # 99 letters + the newline yes adds: 100-byte lines
bytes=$((MB * 1024 * 1024))
body=$(printf '{"Image":"bench-busybox","Cmd":["sh","-c","yes %s | head -c %d"],"HostConfig":{"NetworkMode":"none","LogConfig":{"Type":"json-file"}}}' "$line" "$bytes")
variants=(compat compat+ts libpod libpod+ts)
declare -A PATHS=(
    [compat]='/v1.41/containers/ID/logs?stdout=1'
    [compat+ts]='/v1.41/containers/ID/logs?stdout=1&timestamps=1'
    [libpod]='/v4.3.1/libpod/containers/ID/logs?stdout=1'
    [libpod+ts]='/v4.3.1/libpod/containers/ID/logs?stdout=1&timestamps=1'
)
declare -A R=()
for s in "${servers[@]}"; do
    api "$s" POST "/images/create?fromSrc=-&repo=bench-busybox&tag=latest" --data-binary @"$D/busybox.tar" \
        -H 'Content-Type: application/x-tar' >/dev/null || die "$s: import failed"
    id=$(api "$s" POST /containers/create -H 'Content-Type: application/json' -d "$body" |
        sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
    [[ -n $id ]] || die "$s: create failed"
    api "$s" POST "/containers/$id/start" >/dev/null || die "$s: start failed"
    api "$s" POST "/containers/$id/wait" >/dev/null || die "$s: wait failed"
    for v in "${variants[@]}"; do
        p=${PATHS[$v]/ID/$id}
        times=()
        for _ in $(seq 1 "$RUNS"); do
            out=$(curl -sf --unix-socket "${SOCK[$s]}" -o /dev/null -w '%{time_total} %{size_download}' "http://d$p") ||
                die "$s $v: logs failed"
            read -r secs got <<<"$out"
            log "== $s $v: ${secs}s, $got bytes"
            # A short answer would make a fast figure meaningless.
            ((got >= bytes)) || die "$s $v: only $got bytes for $bytes bytes of output"
            times+=("$secs")
        done
        t=$(printf '%s\n' "${times[@]}" | median)
        R[$s,$v]=$(awk -v mb="$MB" -v t="$t" 'BEGIN { printf "%.0f", mb / t }')
    done
    api "$s" DELETE "/containers/$id?force=1" >/dev/null
done

echo "logs: GET .../containers/ID/logs?stdout=1 of $MB MB of 100-byte lines (exited container), MB/s, median of $RUNS"
printf '%-10s' server
for v in "${variants[@]}"; do printf ' %11s' "$v"; done
echo
for s in "${servers[@]}"; do
    printf '%-10s' "$s"
    for v in "${variants[@]}"; do printf ' %11s' "${R[$s,$v]}"; done
    echo
done
echo "target (berthd): >= 500 MB/s in every column"
