#!/usr/bin/env bash
# tests/bench/images.sh: image save/load throughput and GET /images/json with 50 images, berthd vs a private
# `podman system service`, side by side.
#
#   tests/bench/images.sh BUILD_DIR [--runs N] [--size-mb MB] [--images N] [--skip-podman]
#
# The image: one layer holding busybox-static and MB of random data (one file), imported through the libpod API.
# save = GET /libpod/images/NAME/get?format=docker-archive into /dev/null; load = POST /libpod/images/load of that
# archive (streamed from a file in /tmp, already in the page cache) after removing the image. MB/s use the
# archive's size. Median of --runs. Also the floors: sha256sum + tar -x of the same layer (load), tar -c (save).
set -uo pipefail

die() { echo "images.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
[[ $# -ge 1 && $1 != -* ]] || die "usage: images.sh BUILD_DIR [--runs N] [--size-mb MB] [--images N] [--skip-podman]"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
RUNS=3 SIZE_MB=100 NIMAGES=50 SKIP_PODMAN=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --images) NIMAGES=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        *) die "unknown option $1" ;;
    esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BENCH=$BUILD/tests/berth_bench
BERTHD=$BUILD/berthd
[[ -x $BENCH && -x $BERTHD ]] || die "build berthd and berth_bench in $BUILD first"
[[ -x /bin/busybox ]] || die "busybox-static is needed"

D=$(mktemp -d /tmp/berth-bench-img.XXXXXX) || die "mktemp failed"
BERTHD_PID='' podman_started=0
cleanup() {
    trap - EXIT INT TERM
    [[ -n $BERTHD_PID ]] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
    [[ $podman_started == 1 ]] && "$PODMAN_SERVICE" cleanup "$D/podman" >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) print "-"; else printf "%.0f", b / 1048576 / s }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

log "== making a ${SIZE_MB} MB one-layer image in $D"
mkdir -p "$D/rootfs/bin" "$D/small/bin"
cp /bin/busybox "$D/rootfs/bin/busybox"
head -c "$((SIZE_MB * 1048576))" /dev/urandom >"$D/rootfs/data"
tar -C "$D/rootfs" -cf "$D/layer.tar" .
cp /bin/busybox "$D/small/bin/busybox"

# Floors: what the machine does for the same bytes without any server.
floor_load=() floor_save=()
for _ in $(seq 1 "$RUNS"); do
    rm -rf "$D/x" && mkdir "$D/x"
    t0=$(now); sha256sum "$D/layer.tar" >/dev/null; tar -C "$D/x" -xf "$D/layer.tar"; t1=$(now)
    floor_load+=("$(mbps "$(stat -c %s "$D/layer.tar")" "$(elapsed "$t0" "$t1")")")
    t0=$(now); tar -C "$D/rootfs" -cf - . | cat >/dev/null; t1=$(now)
    floor_save+=("$(mbps "$(stat -c %s "$D/layer.tar")" "$(elapsed "$t0" "$t1")")")
done
rm -rf "$D/x"

"$BERTHD" --log-level warn --root "$D/root" --runroot "$D/run" "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
BERTHD_PID=$!
for _ in $(seq 1 100); do curl -s --unix-socket "$D/berth.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
servers=(berthd)
declare -A SOCK=([berthd]=$D/berth.sock [podman]=$D/podman.sock)
if [[ $SKIP_PODMAN == 0 ]]; then
    printf 'unqualified-search-registries = []\n' >"$D/registries.conf"
    podman_started=1
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 ||
        die "podman service did not come up"
    servers+=(podman)
fi

api() {  # api SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" -H 'Expect:' "$@" "http://d/v4.3.1/libpod$p"
}

declare -A R=()
for s in "${servers[@]}"; do
    log "== $s: import"
    api "$s" POST "/images/import?reference=localhost/bench:big" -T "$D/layer.tar" >/dev/null || die "$s: import failed"
    api "$s" GET "/images/localhost/bench:big/get?format=docker-archive" -o "$D/$s-saved.tar" || die "$s: save failed"
    size=$(stat -c %s "$D/$s-saved.tar")
    saves=() loads=()
    for _ in $(seq 1 "$RUNS"); do
        t=$(api "$s" GET "/images/localhost/bench:big/get?format=docker-archive" -o /dev/null -w '%{time_total}')
        saves+=("$(mbps "$size" "$t")")
        api "$s" DELETE "/images/localhost/bench:big?force=true" >/dev/null || die "$s: rmi failed"
        t=$(api "$s" POST /images/load -H 'Content-Type: application/x-tar' -T "$D/$s-saved.tar" -o /dev/null \
            -w '%{time_total}') || die "$s: load failed"
        loads+=("$(mbps "$size" "$t")")
    done
    R[$s,save]=$(printf '%s\n' "${saves[@]}" | median)
    R[$s,load]=$(printf '%s\n' "${loads[@]}" | median)
    log "   save MB/s: ${saves[*]}   load MB/s: ${loads[*]}"

    log "== $s: $NIMAGES images, GET /images/json"
    for i in $(seq 2 "$NIMAGES"); do
        echo "$i" >"$D/small/marker"
        tar -C "$D/small" -cf - . | api "$s" POST "/images/import?reference=localhost/small:$i" -T - >/dev/null ||
            die "$s: import $i failed"
    done
    n=$([[ $s == podman ]] && echo 20 || echo 2000)
    for path in /images/json /v4.3.1/libpod/images/json; do
        out=$("$BENCH" latency --socket "${SOCK[$s]}" --path "$path" --requests "$n" --warmup 5 2>&1)
        log "$out"
        R[$s,$path]=$(grep -o ' p50_us=[^ ]*' <<<"$out" | cut -d= -f2)
    done
    count=$(curl -s --unix-socket "${SOCK[$s]}" http://d/images/json | grep -o '"Id"' | wc -l)
    R[$s,count]=$count
done

fmt_us() { awk -v u="$1" 'BEGIN { if (u == "" || u == "-") print "-"; else if (u >= 1000) printf "%.1f ms", u / 1000; else printf "%.0f us", u }'; }
echo "image: one layer, ${SIZE_MB} MB + busybox; median of $RUNS; list with the count of images shown"
printf '%-10s %12s %12s %16s %22s\n' server "save MB/s" "load MB/s" "/images/json p50" "/libpod/images/json p50"
printf '%-10s %12s %12s %16s %22s\n' floor "${floor_save[*]:+$(printf '%s\n' "${floor_save[@]}" | median)}" \
    "$(printf '%s\n' "${floor_load[@]}" | median)" "" ""
for s in "${servers[@]}"; do
    printf '%-10s %12s %12s %16s %22s\n' "$s" "${R[$s,save]}" "${R[$s,load]}" \
        "$(fmt_us "${R[$s,/images/json]}") (${R[$s,count]})" "$(fmt_us "${R[$s,/v4.3.1/libpod/images/json]}")"
done
echo "targets (berthd): load >= 0.7 x floor load, save >= 1024 MB/s, /images/json with 50 images < 2 ms"
