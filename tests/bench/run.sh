#!/usr/bin/env bash
# tests/bench/run.sh: compares a bare HTTP server, berthd and a private `podman system service` on this machine.
#
#   tests/bench/run.sh BUILD_DIR [--runs N] [--seconds S] [--requests N] [--slow-requests N] [--skip-podman]
#                      [--berthd-args "ARGS"] [--nice N] [--no-pin]
#
# Uses BUILD_DIR/berthd and BUILD_DIR/tests/berth_bench (it builds nothing). Every server gets its own socket in
# a temp dir; everything it starts is stopped and removed on exit. Prints one table (see tests/bench/README.md).
set -uo pipefail

die() { echo "run.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }
usage() { sed -n '3,5p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2; exit 2; }

[[ $# -ge 1 && $1 != -* ]] || usage
isnum() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]] || die "$2 needs a number"; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || die "no build dir $1"
shift
RUNS=1 SECONDS_TP=5 REQUESTS=20000 FAST_REQUESTS=2000 SLOW_REQUESTS=20 SKIP_PODMAN=0 BERTHD_ARGS='' NICE=-10 PIN=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --seconds) SECONDS_TP=$2; shift 2 ;;
        --requests) REQUESTS=$2; shift 2 ;;
        --slow-requests) SLOW_REQUESTS=$2; shift 2 ;;
        --skip-podman) SKIP_PODMAN=1; shift ;;
        --berthd-args) BERTHD_ARGS=$2; shift 2 ;;
        --nice) NICE=$2; shift 2 ;;
        --no-pin) PIN=0; shift ;;
        *) usage ;;
    esac
done
isnum "$RUNS" --runs; isnum "$SECONDS_TP" --seconds; isnum "$REQUESTS" --requests; isnum "$SLOW_REQUESTS" --slow-requests
[[ $NICE =~ ^-?[0-9]+$ ]] || die "--nice needs an integer"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PODMAN_SERVICE=${PODMAN_SERVICE:-$REPO/../shared/conformance/apiv2/podman-service.sh}
BENCH=$BUILD/tests/berth_bench
BERTHD=$BUILD/berthd
[[ -x $BENCH ]] || die "$BENCH missing (ninja berth_bench)"
[[ -x $BERTHD ]] || die "$BERTHD missing (ninja berthd)"
if [[ $SKIP_PODMAN == 0 ]]; then
    [[ -x $PODMAN_SERVICE ]] || die "$PODMAN_SERVICE missing (or pass --skip-podman)"
    command -v podman >/dev/null || die "podman not installed (pass --skip-podman)"
fi
command -v curl >/dev/null || die "curl is needed to wait for the sockets"

D=$(mktemp -d /tmp/berth-bench.XXXXXX) || die "mktemp failed"
declare -A PID=()   # server name -> pid of the process we started (podman: read from its state dir)
podman_started=0

stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
}

cleanup() {
    trap - EXIT INT TERM
    [[ -n ${PID[bare]:-} ]] && stop_pid "${PID[bare]}"
    [[ -n ${PID[bare-ev2]:-} ]] && stop_pid "${PID[bare-ev2]}"
    [[ -n ${PID[berthd]:-} ]] && stop_pid "${PID[berthd]}"
    [[ $podman_started == 1 ]] && "$PODMAN_SERVICE" cleanup "$D/podman" >/dev/null 2>&1
    wait 2>/dev/null
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until SOCKET answers any HTTP status (the route may not exist yet) while PID lives.
wait_http() {
    local sock=$1 pid=$2 code
    for _ in $(seq 1 150); do
        code=$(curl -s -m 5 --unix-socket "$sock" -o /dev/null -w '%{http_code}' http://localhost/_ping 2>/dev/null)
        [[ -n $code && $code != 000 ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

servers=(bare bare-ev2 berthd)

# Other work on a shared machine (a build) takes CPU from the client and the servers alike; a higher priority for
# this script and everything it starts (all three servers equally) keeps the figures comparable. Needs root.
if [[ $NICE != 0 ]] && ! renice -n "$NICE" -p $$ >/dev/null 2>&1; then
    log "warning: could not renice to $NICE (not root?); running at normal priority"
    NICE=0
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
awk '{ exit !($1 >= 1) }' /proc/loadavg && log "warning: load average $LOAD_BEFORE: other work on this machine will add noise"
log "== starting servers in $D"
"$BENCH" bare-server --socket "$D/bare.sock" >"$D/bare.log" 2>&1 &
PID[bare]=$!
wait_http "$D/bare.sock" "${PID[bare]}" || die "bare server did not come up: $(cat "$D/bare.log")"
# The same floor served the way berthd serves (an event loop on 2 threads, --io-threads' default) rather than a
# thread per connection: on a small machine the 16 client threads compete with the server's threads for CPU.
"$BENCH" bare-server --socket "$D/bare-ev2.sock" --mode epoll --threads 2 >"$D/bare-ev2.log" 2>&1 &
PID[bare-ev2]=$!
wait_http "$D/bare-ev2.sock" "${PID[bare-ev2]}" || die "bare server did not come up: $(cat "$D/bare-ev2.log")"

# shellcheck disable=SC2086  # BERTHD_ARGS is a list of flags
"$BERTHD" $BERTHD_ARGS --root "$D/root" --runroot "$D/run" "unix://$D/berth.sock" >"$D/berthd.log" 2>&1 &
PID[berthd]=$!
wait_http "$D/berth.sock" "${PID[berthd]}" || die "berthd did not come up: $(tail -5 "$D/berthd.log")"

if [[ $SKIP_PODMAN == 0 ]]; then
    printf 'unqualified-search-registries = []\n' >"$D/registries.conf"   # it never pulls here
    podman_started=1
    "$PODMAN_SERVICE" start "$D/podman" "unix://$D/podman.sock" "$D/registries.conf" >&2 ||
        die "podman service did not come up: $(tail -5 "$D/podman/service.log" 2>/dev/null)"
    PID[podman]=$(cat "$D/podman/service.pid")
    servers+=(podman)
fi

declare -A SOCK=([bare]=$D/bare.sock [bare-ev2]=$D/bare-ev2.sock [berthd]=$D/berth.sock [podman]=$D/podman.sock)
declare -A R=()   # "server,run,key" -> value

sleep 2   # let start-up settle before measuring idle RSS
for s in "${servers[@]}"; do
    R[$s,idle_rss]=$("$BENCH" rss --pid "${PID[$s]}" | grep -o 'vmrss_mib=[^ ]*' | cut -d= -f2)
done

kv() { grep -o " $2=[^ ]*" <<<"$1" | head -1 | cut -d= -f2; }

# Sequential latency on a 2-CPU machine is mostly where the scheduler puts the two ends: ~12us for a bare
# exchange when client and server share a CPU, ~50us when the wake-up crosses CPUs (as it does whenever anything
# else runs). Pinning the client and every thread of the server to one CPU for the latency measurements makes
# them measure the server's work per request; throughput is never pinned.
ALL_CPUS=$(taskset -p $$ | awk '{ print $NF }')
PIN_CPU=$(taskset -cp $$ | awk '{ print $NF }' | cut -d, -f1 | cut -d- -f1)

# measure SERVER RUN KEY COMMAND...: runs berth_bench, logs its line, keeps its figures and error summary.
measure() {
    local s=$1 run=$2 key=$3 out
    shift 3
    if [[ $PIN == 1 && $1 == latency ]]; then
        taskset -a -p -c "$PIN_CPU" "${PID[$s]}" >/dev/null
        out=$(taskset -c "$PIN_CPU" "$BENCH" "$@" --socket "${SOCK[$s]}" 2>&1)
        taskset -a -p "$ALL_CPUS" "${PID[$s]}" >/dev/null
    else
        out=$("$BENCH" "$@" --socket "${SOCK[$s]}" 2>&1)
    fi
    log "  $s: $out"
    R[$s,$run,$key,p50]=$(kv "$out" p50_us)
    R[$s,$run,$key,p99]=$(kv "$out" p99_us)
    R[$s,$run,$key,rps]=$(kv "$out" req_per_s)
    R[$s,$run,$key,errors]=$(kv "$out" errors)
    R[$s,$run,$key,statuses]=$(kv "$out" statuses)
}

for run in $(seq 1 "$RUNS"); do
    for s in "${servers[@]}"; do
        log "== run $run/$RUNS: $s"
        slow=$FAST_REQUESTS
        [[ $s == podman ]] && slow=$SLOW_REQUESTS
        measure "$s" "$run" ping latency --path /_ping --requests "$REQUESTS"
        measure "$s" "$run" tp throughput --path /_ping --connections 16 --seconds "$SECONDS_TP"
        measure "$s" "$run" version latency --path /version --requests "$slow" --warmup 2 --max-seconds 60
        measure "$s" "$run" info latency --path /info --requests "$slow" --warmup 2 --max-seconds 60
        measure "$s" "$run" libpod_info latency --path /v4.3.1/libpod/info --requests "$slow" --warmup 2 --max-seconds 60
    done
done
for s in "${servers[@]}"; do
    R[$s,after_rss]=$("$BENCH" rss --pid "${PID[$s]}" | grep -o 'vmrss_mib=[^ ]*' | cut -d= -f2)
done

# A latency in µs as "12.3us" or "245.1ms"; a trailing "!" when that measurement had errors.
lat() {
    local v=${R[$1,$2,$3,$4]:-} e=${R[$1,$2,$3,errors]:-}
    [[ -z $v ]] && { printf -- '-'; return; }
    awk -v v="$v" -v e="$e" 'BEGIN { printf (v >= 1000 ? "%.1fms" : "%.1fus"), (v >= 1000 ? v / 1000 : v); if (e != "" && e != "0") printf "!" }'
}
rps() {
    local v=${R[$1,$2,tp,rps]:-} e=${R[$1,$2,tp,errors]:-}
    [[ -z $v ]] && { printf -- '-'; return; }
    printf '%s%s' "$v" "$([[ -n $e && $e != 0 ]] && echo '!')"
}

echo
echo "berth bench: $(date -u +%FT%TZ), $(nproc) CPUs, kernel $(uname -r), load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg), nice $NICE"
echo "latency client and server $([[ $PIN == 1 ]] && echo "pinned to CPU $PIN_CPU" || echo "not pinned"), throughput never pinned"
echo "runs=$RUNS; _ping latency: $REQUESTS sequential requests on one keep-alive connection; _ping throughput: 16 connections for ${SECONDS_TP}s;"
echo "/version /info /v4.3.1/libpod/info: $FAST_REQUESTS sequential requests ($SLOW_REQUESTS for podman); latencies: us = microseconds, ms = milliseconds"
row() { printf '%-12s %10s %10s %12s %10s %10s %10s %10s %12s %9s %9s\n' "$@"; }
row server "ping p50" "ping p99" "ping req/s" "ver p50" "ver p99" "info p50" "info p99" "libpod/info" "RSS idle" "RSS end"
row "" "" "" "(16 conns)" "" "" "" "" "p50" "MiB" "MiB"
for run in $(seq 1 "$RUNS"); do
    for s in "${servers[@]}"; do
        name=$s
        [[ $RUNS -gt 1 ]] && name="$s #$run"
        row "$name" "$(lat "$s" "$run" ping p50)" "$(lat "$s" "$run" ping p99)" "$(rps "$s" "$run")" \
            "$(lat "$s" "$run" version p50)" "$(lat "$s" "$run" version p99)" "$(lat "$s" "$run" info p50)" \
            "$(lat "$s" "$run" info p99)" "$(lat "$s" "$run" libpod_info p50)" "${R[$s,idle_rss]:--}" \
            "${R[$s,after_rss]:--}"
    done
done

# Errors, spelled out: which measurement answered what.
notes=()
for run in $(seq 1 "$RUNS"); do
    for s in "${servers[@]}"; do
        for key in ping tp version info libpod_info; do
            e=${R[$s,$run,$key,errors]:-}
            [[ -n $e && $e != 0 ]] && notes+=("  ! $s run $run $key: $e errors (statuses ${R[$s,$run,$key,statuses]})")
        done
    done
done
[[ ${#notes[@]} -gt 0 ]] && printf '%s\n' "" "errors (the figures marked ! include them):" "${notes[@]}"

# The targets, judged on the median over runs of berthd against the bare server.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
over_runs() { for run in $(seq 1 "$RUNS"); do echo "${R[$1,$run,$2,$3]:-}"; done | grep -v '^$' | median; }
bare_p50=$(over_runs bare ping p50) berth_p50=$(over_runs berthd ping p50)
bare_rps=$(over_runs bare tp rps) berth_rps=$(over_runs berthd tp rps)
ver_p50=$(over_runs berthd version p50) info_p50=$(over_runs berthd info p50)
# A fast 404 is not a met target: each verdict also needs its measurements free of errors.
errs() { local n=0 run key; for run in $(seq 1 "$RUNS"); do for key in "$@"; do n=$((n + ${R[berthd,$run,$key,errors]:-0})); done; done; echo "$n"; }
echo
echo "targets (berthd${BERTHD_ARGS:+ $BERTHD_ARGS} against bare; median of $RUNS run(s)):"
awk -v bp="$bare_p50" -v p="$berth_p50" -v br="$bare_rps" -v r="$berth_rps" -v ver="$ver_p50" -v info="$info_p50" \
    -v rss="${R[berthd,idle_rss]}" -v e_ping="$(errs ping)" -v e_tp="$(errs tp)" -v e_vi="$(errs version info)" '
    function verdict(ok, errors) { return !ok ? "MISSED" : errors > 0 ? "MISSED (" errors " errors)" : "met" }
    BEGIN {
        printf "  _ping p50 %.1fus = %.2fx bare (%.1fus); target <= 1.5x: %s\n", p, p / bp, bp, verdict(p <= 1.5 * bp, e_ping)
        printf "  _ping throughput %d req/s = %.2fx bare (%d); target >= 0.7x: %s\n", r, r / br, br, verdict(r >= 0.7 * br, e_tp)
        printf "  /version p50 %.1fus, /info p50 %.1fus; target < 1000us: %s\n", ver, info, verdict(ver < 1000 && info < 1000, e_vi)
        printf "  idle RSS %.1f MiB; target <= 10 MiB: %s\n", rss, verdict(rss <= 10, 0)
    }'
