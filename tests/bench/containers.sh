#!/usr/bin/env bash
# tests/bench/containers.sh: the container API cycle and listing, berthd vs a private `podman system service`.
#
#   tests/bench/containers.sh BUILD_DIR [--runs N] [--containers N] [--skip-podman]
#
# cycle = POST /containers/create (busybox `true`, NetworkMode none) + start + wait + DELETE, sequential, ms per
# cycle (median of --runs); list = GET /containers/json?all=1 with --containers created containers, ms (median of
# 20 requests). The floor of a cycle (overlay mount + conmon + runc create/start + exit + umount) is ~43 ms on the
# reference machine (../shared/engine/PRIMITIVES.md); targets: cycle <= 1.3 x that, list < 5 ms.
set -uo pipefail

die() { echo "containers.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
[[ $# -ge 1 && $1 != -* ]] || die "usage: containers.sh BUILD_DIR [--runs N] [--containers N] [--skip-podman]"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
RUNS=20 NCTR=1000 SKIP_PODMAN=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --containers) NCTR=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        *) die "unknown option $1" ;;
    esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BERTHD=$BUILD/berthd
[[ -x $BERTHD ]] || die "build berthd in $BUILD first"

D=$(mktemp -d /tmp/berth-bench-ctr.XXXXXX) || die "mktemp failed"
BERTHD_PID='' podman_started=0
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
ms_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

mkdir -p "$D/rootfs/bin"
cp /bin/busybox "$D/rootfs/bin/busybox"
ln -s busybox "$D/rootfs/bin/true"
ln -s busybox "$D/rootfs/bin/sh"
tar -C "$D/rootfs" -cf "$D/busybox.tar" .

"$BERTHD" --log-level warn --root "$D/root" --runroot "$D/run" "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 1 100); do curl -s --unix-socket "$D/berth.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
servers=(berthd)
declare -A SOCK=([berthd]=$D/berth.sock [podman]=$D/podman.sock)
if [[ $SKIP_PODMAN == 0 ]]; then
    podman_started=1
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" >&2 || die "podman service did not come up"
    servers+=(podman)
fi
api() {  # SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" "$@" "http://d/v1.41$p"
}

declare -A R=()
body='{"Image":"bench-busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}'
for s in "${servers[@]}"; do
    api "$s" POST "/images/create?fromSrc=-&repo=bench-busybox&tag=latest" --data-binary @"$D/busybox.tar" \
        -H 'Content-Type: application/x-tar' >/dev/null || die "$s: import failed"
    cycles=()
    for _ in $(seq 1 "$RUNS"); do
        t0=$(date +%s.%N)
        id=$(api "$s" POST /containers/create -H 'Content-Type: application/json' -d "$body" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
        api "$s" POST "/containers/$id/start" >/dev/null || die "$s: start failed"
        api "$s" POST "/containers/$id/wait" >/dev/null || die "$s: wait failed"
        api "$s" DELETE "/containers/$id" >/dev/null || die "$s: rm failed"
        cycles+=("$(ms_since "$t0")")
    done
    R[$s,cycle]=$(printf '%s\n' "${cycles[@]}" | median)
    log "== $s: cycle ms ${cycles[*]}"
    for i in $(seq 1 "$NCTR"); do
        api "$s" POST "/containers/create?name=bench$i" -H 'Content-Type: application/json' -d "$body" >/dev/null ||
            die "$s: create $i failed"
    done
    lists=()
    for _ in $(seq 1 20); do
        t0=$(date +%s.%N)
        api "$s" GET "/containers/json?all=1" >/dev/null || die "$s: list failed"
        lists+=("$(ms_since "$t0")")
    done
    R[$s,list]=$(printf '%s\n' "${lists[@]}" | median)
    rss=-
    [[ $s == berthd ]] && rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$BERTHD_PID/status")
    R[$s,rss]=$rss
    api "$s" POST /containers/prune >/dev/null
done

echo "cycle: create+start+wait+rm of true (--network none), ms, median of $RUNS; list: $NCTR containers, ms (curl)"
printf '%-10s %10s %12s %14s\n' server "cycle ms" "list ms" "RSS MiB (list)"
for s in "${servers[@]}"; do printf '%-10s %10s %12s %14s\n' "$s" "${R[$s,cycle]}" "${R[$s,list]}" "${R[$s,rss]}"; done
echo "targets (berthd): cycle <= 1.3 x the floor (~43 ms), list < 5 ms, RSS with 1000 containers <= 30 MiB"
