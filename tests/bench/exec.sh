#!/usr/bin/env bash
# tests/bench/exec.sh: exec latency and exec stdin/stdout throughput, berthd vs a private `podman system service`,
# against bare runc on this machine.
#
#   tests/bench/exec.sh BUILD_DIR [--runs N] [--mb N] [--pipe-runs N] [--pipe-data random|zero] [--skip-podman]
#
# floor   = `berth_bench exec-floor`: `runc --root RUNROOT/runc exec CTR true` into berthd's own container (its
#           runc root), spawned and waited for; p50 ms. Pipe floor: `runc exec CTR cat < FILE > /dev/null`, MB/s.
# exec    = `berth_bench exec`: POST /containers/CTR/exec (`true`), POST /exec/ID/start hijacked and read to the
#           end of the stream, GET /exec/ID/json for the exit code; p50 ms over --runs (a keep-alive connection for
#           create and inspect, a new one per start, as the docker CLI does).
# cli     = `docker exec CTR true` with DOCKER_HOST on the server, wall time p50 ms (includes the CLI's own start).
# pipe    = `docker exec -i CTR cat < FILE > /dev/null` of --mb MB random bytes (--pipe-data zero: zero bytes), MB/s,
#           median of --pipe-runs; "!" when `docker exec -i CTR wc -c < FILE` did not count every byte.
set -uo pipefail

die() { echo "exec.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
[[ $# -ge 1 && $1 != -* ]] ||
    die "usage: exec.sh BUILD_DIR [--runs N] [--mb N] [--pipe-runs N] [--pipe-data random|zero] [--skip-podman]"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
RUNS=30 MB=100 PIPE_RUNS=3 PIPE_DATA=random SKIP_PODMAN=0 CLI_RUNS=10
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --mb) MB=$2; shift 2 ;;
        --pipe-runs) PIPE_RUNS=$2; shift 2 ;;
        --pipe-data) PIPE_DATA=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        *) die "unknown option $1" ;;
    esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BERTHD=$BUILD/berthd
[[ -x $BERTHD ]] || die "build berthd in $BUILD first"
BENCH=$BUILD/tests/berth_bench
[[ -x $BENCH ]] || die "build berth_bench in $BUILD first"
DOCKER=${DOCKER:-/usr/local/bin/docker}
RUNC=${RUNC:-/usr/sbin/runc}

# A short dir: berthd puts the attach socket under RUNROOT/ctr/ID, which must fit in a sockaddr_un.
D=$(mktemp -d /tmp/bexec.XXXXXX) || die "mktemp failed"
BERTHD_PID='' podman_started=0
declare -A CTR=()
cleanup() {
    trap - EXIT INT TERM
    for s in "${servers[@]:-}"; do
        [[ -n $s && -n ${CTR[$s]:-} ]] &&
            curl -s --unix-socket "${SOCK[$s]}" -X DELETE "http://d/v1.41/containers/${CTR[$s]}?force=1" >/dev/null 2>&1
    done
    [[ -n $BERTHD_PID ]] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
    [[ $podman_started == 1 ]] && "$PODMAN_SERVICE" cleanup "$D/podman" >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
mbps_since() { awk -v a="$1" -v b="$(now)" -v mb="$MB" 'BEGIN { printf "%.0f", mb / (b - a) }'; }
field() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p"; }  # KEY: a berth_bench output field
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

mkdir -p "$D/rootfs/bin" "$D/docker-config"
echo '{}' >"$D/docker-config/config.json"
cp /bin/busybox "$D/rootfs/bin/busybox"
for a in true sh cat sleep wc; do ln -s busybox "$D/rootfs/bin/$a"; done
tar -C "$D/rootfs" -cf "$D/busybox.tar" .
case $PIPE_DATA in
    random) head -c "${MB}M" /dev/urandom >"$D/pipe.bin" ;;
    zero) head -c "${MB}M" /dev/zero >"$D/pipe.bin" ;;
    *) die "--pipe-data random|zero" ;;
esac
SIZE=$(stat -c %s "$D/pipe.bin")

"$BERTHD" --log-level warn --root "$D/root" --runroot "$D/run" "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 1 100); do curl -s --unix-socket "$D/berth.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
servers=(berthd)
declare -A SOCK=([berthd]=$D/berth.sock [podman]=$D/podman.sock)
[[ $SKIP_PODMAN == 0 ]] && servers+=(podman)
# The podman service starts only once berthd is measured: running beside it, it cost berthd's pipe ~25%.
start_podman() {
    podman_started=1
    : >"$D/registries.conf"  # nothing to pull from: the image is imported
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 ||
        die "podman service did not come up"
}
api() {  # SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" "$@" "http://d/v1.41$p"
}
dock() {  # SERVER ARGS...: the docker CLI against that server, none of the machine's settings
    local s=$1
    shift
    env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH DOCKER_CONFIG="$D/docker-config" \
        DOCKER_HOST="unix://${SOCK[$s]}" "$DOCKER" "$@"
}

declare -A R=()
body='{"Image":"bench-busybox","Cmd":["sleep","1000000"],"HostConfig":{"NetworkMode":"none"}}'
for s in "${servers[@]}"; do
    [[ $s == podman ]] && start_podman
    api "$s" POST "/images/create?fromSrc=-&repo=bench-busybox&tag=latest" --data-binary @"$D/busybox.tar" \
        -H 'Content-Type: application/x-tar' >/dev/null || die "$s: import failed"
    id=$(api "$s" POST /containers/create -H 'Content-Type: application/json' -d "$body" |
        sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
    [[ $id =~ ^[0-9a-f]{64}$ ]] || die "$s: create failed"
    CTR[$s]=$id
    api "$s" POST "/containers/$id/start" >/dev/null || die "$s: start failed"

    if [[ $s == berthd ]]; then
        # The floor: runc exec straight into berthd's container, in berthd's runc root.
        "$RUNC" --root "$D/run/runc" state "$id" >/dev/null 2>&1 || die "no runc container $id under $D/run/runc"
        out=$("$BENCH" exec-floor --runc-root "$D/run/runc" --container "$id" --runc "$RUNC" --runs "$RUNS") ||
            die "exec floor failed"
        log "== floor: $out"
        R[floor]=$(field p50_ms <<<"$out")
        rates=()
        for _ in $(seq 1 "$PIPE_RUNS"); do
            t0=$(now)
            "$RUNC" --root "$D/run/runc" exec "$id" cat <"$D/pipe.bin" >/dev/null || die "runc exec cat failed"
            rates+=("$(mbps_since "$t0")")
        done
        log "== floor pipe MB/s: ${rates[*]}"
        R[floor_pipe]=$(printf '%s\n' "${rates[@]}" | median)
    fi

    out=$("$BENCH" exec --socket "${SOCK[$s]}" --container "$id" --runs "$RUNS") || die "$s: exec failed"
    log "== $s: $out"
    R[$s,exec]=$(field p50_ms <<<"$out")
    R[$s,p90]=$(field p90_ms <<<"$out")
    R[$s,steps]="$(field create_p50_ms <<<"$out")/$(field start_p50_ms <<<"$out")/$(field inspect_p50_ms <<<"$out")"

    times=()
    dock "$s" exec "$id" true || die "$s: docker exec failed"
    for _ in $(seq 1 "$CLI_RUNS"); do
        t0=$(now)
        dock "$s" exec "$id" true || die "$s: docker exec failed"
        times+=("$(ms_since "$t0")")
    done
    log "== $s: docker exec true ms: ${times[*]}"
    R[$s,cli]=$(printf '%s\n' "${times[@]}" | median)

    got=$(dock "$s" exec -i "$id" wc -c <"$D/pipe.bin" | tr -d ' \r\n')
    [[ $got == "$SIZE" ]] || log "!! $s: docker exec -i wc -c saw $got bytes of $SIZE"
    rates=()
    for _ in $(seq 1 "$PIPE_RUNS"); do
        t0=$(now)
        if dock "$s" exec -i "$id" cat <"$D/pipe.bin" >/dev/null; then
            rates+=("$(mbps_since "$t0")")
        else
            log "!! $s: docker exec -i cat failed"
        fi
    done
    log "== $s: docker exec -i cat MB/s: ${rates[*]}"
    R[$s,pipe]=$(printf '%s\n' "${rates[@]}" | median)
    R[$s,pipe_ok]=$([[ $got == "$SIZE" ]] && echo "" || echo "!")
    api "$s" DELETE "/containers/$id?force=1" >/dev/null
    CTR[$s]=''
done

echo "floor: runc --root RUNROOT/runc exec CTR true, p50 ${R[floor]} ms of $RUNS; runc exec CTR cat < $MB MB ($PIPE_DATA): ${R[floor_pipe]} MB/s"
echo "exec: API create+start(hijack, to the end)+inspect of true, p50/p90 ms of $RUNS (steps: create/start/inspect p50);"
echo "cli: docker exec CTR true, p50 ms of $CLI_RUNS; pipe: docker exec -i CTR cat, $MB MB, median MB/s of $PIPE_RUNS"
printf '%-8s %11s %9s %20s %11s %10s %10s\n' server "exec p50 ms" "p90 ms" "create/start/insp" "x floor" "cli ms" "pipe MB/s"
for s in "${servers[@]}"; do
    printf '%-8s %11s %9s %20s %11s %10s %10s\n' "$s" "${R[$s,exec]}" "${R[$s,p90]}" "${R[$s,steps]}" \
        "$(ratio "${R[$s,exec]}" "${R[floor]}")" "${R[$s,cli]}" "${R[$s,pipe]}${R[$s,pipe_ok]}"
done
echo "targets (berthd): exec p50 <= 1.5 x floor; docker exec -i cat >= 200 MB/s"
verdict() { awk -v ok="$1" 'BEGIN { print (ok == 1 ? "met" : "MISSED") }'; }
echo "  exec p50 ${R[berthd,exec]} ms vs 1.5 x ${R[floor]} ms: $(verdict "$(awk -v a="${R[berthd,exec]}" -v f="${R[floor]}" 'BEGIN { print (a <= 1.5 * f) ? 1 : 0 }')")"
echo "  pipe ${R[berthd,pipe]} MB/s vs 200 MB/s: $(verdict "$(awk -v a="${R[berthd,pipe]}" 'BEGIN { print (a >= 200) ? 1 : 0 }')")"
