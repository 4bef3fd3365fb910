#!/usr/bin/env bash
# tests/bench/containers.sh: the container API cycle, concurrency, start-event latency, listing and RSS, berthd
# vs a private `podman system service`, against the floor measured on this machine.
#
#   tests/bench/containers.sh BUILD_DIR [--runs N] [--containers N] [--skip-podman]
#
# floor   = `berth_bench floor`: overlay mount + conmon/runc create + runc start + exit file + runc delete + unmount
#           with berthd's own drivers on the config.json berthd generated (with and without its seccomp filter).
# cycle   = `berth_bench cycle`: compat create (busybox `true`, NetworkMode none) + start + wait + DELETE on one
#           keep-alive connection, p50 ms; `4 clients` = cycles/s of four such clients at once.
# event   = `berth_bench event-latency`: ms from the start reply to the start event on an open /events stream.
# list    = `berth_bench latency` of GET /containers/json?all=1 with --containers containers (p50 ms).
# RSS     = the server's VmRSS with those containers, after listing them.
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
    : >"$D/registries.conf"  # nothing to pull from: the image is imported
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 ||
        die "podman service did not come up"
    servers+=(podman)
fi
api() {  # SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" "$@" "http://d/v1.41$p"
}

BENCH=$BUILD/tests/berth_bench
[[ -x $BENCH ]] || die "build berth_bench in $BUILD first"
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }  # KEY: a berth_bench output field

declare -A R=()
body='{"Image":"bench-busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}'
for s in "${servers[@]}"; do
    api "$s" POST "/images/create?fromSrc=-&repo=bench-busybox&tag=latest" --data-binary @"$D/busybox.tar" \
        -H 'Content-Type: application/x-tar' >/dev/null || die "$s: import failed"
    if [[ $s == berthd ]]; then
        # The floor runs berthd's own config.json: an initialized container lends it (and its /etc files).
        id=$(api "$s" POST /containers/create -H 'Content-Type: application/json' -d "$body" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
        curl -sf --unix-socket "${SOCK[$s]}" -X POST "http://d/v4.3.1/libpod/containers/$id/init" || die "init failed"
        lower=$(curl -sf --unix-socket "${SOCK[$s]}" "http://d/v4.3.1/libpod/containers/$id/json" |
            sed 's/.*"LowerDir":"\([^"]*\)".*/\1/')
        cp "$D/run/ctr/$id/config.json" "$D/floor.json"
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["linux"].pop("seccomp",None); json.dump(c,open(sys.argv[2],"w"))' \
            "$D/floor.json" "$D/floor-noseccomp.json"
        out=$("$BENCH" floor --config "$D/floor.json" --lower "$lower" --dir "$D/floor" --runs "$RUNS") || die "floor failed"
        log "$out"
        R[floor]=$(field p50_ms <<<"$out")
        out=$("$BENCH" floor --config "$D/floor-noseccomp.json" --lower "$lower" --dir "$D/floor" --runs "$RUNS") ||
            die "floor failed"
        log "$out (no seccomp)"
        R[floor_noseccomp]=$(field p50_ms <<<"$out")
        out=$("$BENCH" floor --config "$D/floor.json" --lower "$lower" --dir "$D/floor" --runs $(((RUNS + 3) / 4)) \
            --parallel 4) || die "floor failed"
        log "$out"
        R[floor4_rate]=$(field cycles_per_s <<<"$out")
        api "$s" DELETE "/containers/$id?force=1" >/dev/null
    fi
    out=$("$BENCH" cycle --socket "${SOCK[$s]}" --image bench-busybox --runs "$RUNS") || die "$s: cycle failed"
    log "== $s: $out"
    R[$s,cycle]=$(field p50_ms <<<"$out")
    R[$s,cycle1_rate]=$(field cycles_per_s <<<"$out")
    out=$("$BENCH" cycle --socket "${SOCK[$s]}" --image bench-busybox --runs $(((RUNS + 3) / 4)) --clients 4) ||
        die "$s: 4-client cycle failed"
    log "== $s: $out"
    R[$s,cycle4_rate]=$(field cycles_per_s <<<"$out")
    out=$("$BENCH" event-latency --socket "${SOCK[$s]}" --image bench-busybox --runs "$RUNS") ||
        die "$s: event latency failed"
    log "== $s: $out"
    R[$s,event]=$(field p50_ms <<<"$out")
    for i in $(seq 1 "$NCTR"); do
        api "$s" POST "/containers/create?name=bench$i" -H 'Content-Type: application/json' -d "$body" >/dev/null ||
            die "$s: create $i failed"
    done
    requests=200
    [[ $s == podman ]] && requests=20
    out=$("$BENCH" latency --socket "${SOCK[$s]}" --path "/v1.41/containers/json?all=1" --requests $requests) ||
        die "$s: list failed"
    log "== $s: $out"
    R[$s,list]=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^p50_us=/) { split($i, a, "="); printf "%.2f", a[2] / 1000 } }' <<<"$out")
    rss=-
    [[ $s == berthd ]] && rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$BERTHD_PID/status")
    R[$s,rss]=$rss
    api "$s" POST /containers/prune >/dev/null
done

echo "floor (overlay + conmon + runc, berthd's config.json): p50 ${R[floor]} ms; without seccomp ${R[floor_noseccomp]} ms;" \
    "4 at once ${R[floor4_rate]} cycles/s"
echo "cycle: create+start+wait+rm of true (--network none), p50 ms of $RUNS; 4 clients: cycles/s; event: start reply -> start event, p50 ms; list: $NCTR containers, p50 ms"
printf '%-8s %9s %12s %14s %9s %9s %9s\n' server "cycle ms" "1 client c/s" "4 clients c/s" "event ms" "list ms" "RSS MiB"
for s in "${servers[@]}"; do
    printf '%-8s %9s %12s %14s %9s %9s %9s\n' "$s" "${R[$s,cycle]}" "${R[$s,cycle1_rate]}" "${R[$s,cycle4_rate]}" \
        "${R[$s,event]}" "${R[$s,list]}" "${R[$s,rss]}"
done
echo "targets (berthd): cycle <= 1.3 x floor; 4 clients >= 0.8 x the floor's 4-at-once cycles/s; event < 5 ms;"
echo "                  list < 5 ms; RSS with $NCTR containers <= 30 MiB"
