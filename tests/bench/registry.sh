#!/usr/bin/env bash
# tests/bench/registry.sh: pull of a 3-layer image from a local docker-registry and push to an empty one,
# berthd vs a private `podman system service`, side by side (MB/s of compressed layer bytes).
#
#   tests/bench/registry.sh BUILD_DIR [--runs N] [--layer-mb MB] [--skip-podman]
#
# The image: three gzip layers of MB random bytes each (busybox-static in the first), pushed into the source
# registry with curl. pull = POST /libpod/images/pull?reference=…&tlsVerify=false then DELETE of the image;
# push = POST /libpod/images/NAME/push?destination=<push registry>/bench/pushN:1, a fresh repository each run: the
# first run of a server goes to a registry without the blobs (every layer uploaded: "push new"), later runs find
# them in the repositories earlier runs made (a server that remembers where blobs are mounts them: "push again",
# median of runs 2..N; the registry is emptied between servers). Floor: sha256 of every compressed layer and of its decompressed bytes, the three
# layers in parallel (what a pull must at least do).
set -uo pipefail

die() { echo "registry.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
[[ $# -ge 1 && $1 != -* ]] || die "usage: registry.sh BUILD_DIR [--runs N] [--layer-mb MB] [--skip-podman]"
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
RUNS=3 LAYER_MB=35 SKIP_PODMAN=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --layer-mb) LAYER_MB=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        *) die "unknown option $1" ;;
    esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BERTHD=$BUILD/berthd
[[ -x $BERTHD ]] || die "build berthd in $BUILD first"
command -v docker-registry >/dev/null || die "docker-registry (Debian package) is needed"

D=$(mktemp -d /tmp/berth-bench-reg.XXXXXX) || die "mktemp failed"
PIDS=() podman_started=0
cleanup() {
    trap - EXIT INT TERM
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [[ $podman_started == 1 ]] && "$PODMAN_SERVICE" cleanup "$D/podman" >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_registry() {  # NAME [PORT] → sets REG (host:port) and REG_PID; run in this shell, not $(...), so PIDS keeps
    local name=$1 port=${2:-}  # the pid
    [[ -n $port ]] || port=$(free_port)
    mkdir -p "$D/$name"
    printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
        "$D/$name/data" "$port" >"$D/$name/config.yml"
    docker-registry serve "$D/$name/config.yml" >"$D/$name/log" 2>&1 &
    REG_PID=$!
    PIDS+=("$REG_PID")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
    REG="127.0.0.1:$port"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) print "-"; else printf "%.0f", b / 1048576 / s }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

start_registry src
SRC=$REG
start_registry dst
DST=$REG DST_PID=$REG_PID
log "== registries: source $SRC, push target $DST; making 3 layers of $LAYER_MB MB"
diff_ids=() layers=() sizes=()
for i in 1 2 3; do
    mkdir -p "$D/l$i"
    [[ $i == 1 ]] && mkdir -p "$D/l1/bin" && cp /bin/busybox "$D/l1/bin/busybox"
    head -c "$((LAYER_MB * 1048576))" /dev/urandom >"$D/l$i/data$i"
    tar -C "$D/l$i" -cf "$D/layer$i.tar" .
    diff_ids+=("sha256:$(sha "$D/layer$i.tar")")
    gzip -1 -n -c "$D/layer$i.tar" >"$D/layer$i.tar.gz"
    layers+=("sha256:$(sha "$D/layer$i.tar.gz")")
    sizes+=("$(stat -c %s "$D/layer$i.tar.gz")")
done
TOTAL=$((sizes[0] + sizes[1] + sizes[2]))
cat >"$D/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["${diff_ids[0]}","${diff_ids[1]}","${diff_ids[2]}"]},"history":[{"created_by":"bench"},{"created_by":"bench"},{"created_by":"bench"}]}
JSON
config="sha256:$(sha "$D/config.json")"
upload() {  # FILE DIGEST
    local loc
    loc=$(curl -sf -X POST -D - -o /dev/null "http://$SRC/v2/bench/big/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
    [[ $loc == http* ]] || loc="http://$SRC$loc"
    [[ $loc == *\?* ]] && sep='&' || sep='?'
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$1" "$loc${sep}digest=$2" >/dev/null ||
        die "upload of $1 failed"
}
upload "$D/config.json" "$config"
for i in 0 1 2; do upload "$D/layer$((i + 1)).tar.gz" "${layers[$i]}"; done
cat >"$D/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":$(stat -c %s "$D/config.json"),"digest":"$config"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":${sizes[0]},"digest":"${layers[0]}"},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":${sizes[1]},"digest":"${layers[1]}"},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":${sizes[2]},"digest":"${layers[2]}"}]}
JSON
curl -sf -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' --data-binary @"$D/manifest.json" \
    "http://$SRC/v2/bench/big/manifests/1" >/dev/null || die "manifest upload failed"
rm -rf "$D/l1" "$D/l2" "$D/l3"

floor=()
for _ in $(seq 1 "$RUNS"); do
    t0=$(now)
    jobs_=()
    for i in 1 2 3; do
        (sha256sum "$D/layer$i.tar.gz" >/dev/null; gzip -dc "$D/layer$i.tar.gz" | sha256sum >/dev/null) &
        jobs_+=($!)
    done
    wait "${jobs_[@]}"
    t1=$(now)
    floor+=("$(mbps "$TOTAL" "$(elapsed "$t0" "$t1")")")
done

printf '[[registry]]\nlocation = "%s"\ninsecure = true\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$SRC" "$DST" >"$D/registries.conf"
CONTAINERS_REGISTRIES_CONF=$D/registries.conf "$BERTHD" --log-level warn --root "$D/root" --runroot "$D/run" \
    "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s --unix-socket "$D/berth.sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
servers=(berthd)
declare -A SOCK=([berthd]=$D/berth.sock [podman]=$D/podman.sock)
if [[ $SKIP_PODMAN == 0 ]]; then
    podman_started=1
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 || die "podman service did not come up"
    servers+=(podman)
fi
api() {  # SERVER METHOD PATH [curl args...]
    local s=$1 m=$2 p=$3
    shift 3
    curl -sf --unix-socket "${SOCK[$s]}" -X "$m" "$@" "http://d/v4.3.1/libpod$p"
}

declare -A R=()
n=0
for s in "${servers[@]}"; do
    pulls=() pushes=()
    for _ in $(seq 1 "$RUNS"); do
        n=$((n + 1))
        t0=$(now)
        out=$(api "$s" POST "/images/pull?reference=$SRC/bench/big:1&tlsVerify=false&quiet=true") || die "$s: pull failed"
        t1=$(now)
        grep -q '"error"' <<<"$out" && die "$s: pull failed: $out"
        pulls+=("$(mbps "$TOTAL" "$(elapsed "$t0" "$t1")")")
        t0=$(now)
        api "$s" POST "/images/$SRC/bench/big:1/push?destination=$DST/bench/$s-push$n:1&tlsVerify=false" >"$D/push.out" ||
            die "$s: push failed: $(cat "$D/push.out")"
        t1=$(now)
        pushes+=("$(mbps "$TOTAL" "$(elapsed "$t0" "$t1")")")
        api "$s" DELETE "/images/$SRC/bench/big:1?force=true" >/dev/null || die "$s: rmi failed"
    done
    R[$s,pull]=$(printf '%s\n' "${pulls[@]}" | median)
    R[$s,push]=${pushes[0]}
    R[$s,again]=$(printf '%s\n' "${pushes[@]:1}" | median)
    log "== $s: pull MB/s ${pulls[*]}; push MB/s ${pushes[*]}"
    # The next server starts from an empty push registry.
    kill "$DST_PID" 2>/dev/null
    wait "$DST_PID" 2>/dev/null
    rm -rf "$D/dst"
    start_registry dst "${DST#*:}"
    DST_PID=$REG_PID
done

echo "image: 3 gzip layers, $((TOTAL / 1048576)) MB compressed in all; median of $RUNS; MB/s of compressed bytes"
printf '%-10s %10s %14s %16s\n' server "pull MB/s" "push new MB/s" "push again MB/s"
printf '%-10s %10s %14s %16s\n' floor "$(printf '%s\n' "${floor[@]}" | median)" "" ""
for s in "${servers[@]}"; do printf '%-10s %10s %14s %16s\n' "$s" "${R[$s,pull]}" "${R[$s,push]}" "${R[$s,again]}"; done
echo "targets (berthd): pull >= 2 x podman and bounded by the floor; push >= podman (both columns)"
