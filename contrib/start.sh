#!/usr/bin/env bash
# The README's first command: installs what is missing, builds berthd and starts it with its defaults
# (unix:///run/podman/podman.sock, --root /var/lib/berth, --runroot /run/berth), then waits until it answers.
# Extra arguments go to berthd. --foreground keeps it attached to this terminal instead.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
foreground=0
args=()
for a in "$@"; do
  if [[ $a == --foreground ]]; then foreground=1; else args+=("$a"); fi
done

"$repo/contrib/install-deps.sh"
"$repo/contrib/build.sh" plain berthd
berthd=$repo/build/berthd
((foreground)) && exec "$berthd" "${args[@]}"

pidfile=/run/berth/berthd.pid
log=/var/log/berthd.log
if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "berthd is already running (pid $(cat "$pidfile")); stop it with: kill $(cat "$pidfile")"
  exit 0
fi
mkdir -p /run/berth "$(dirname "$log")"
setsid "$berthd" "${args[@]}" </dev/null >>"$log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

# The socket: the first unix:// argument, else the default.
sock=/run/podman/podman.sock
for a in "${args[@]}"; do
  if [[ $a == unix://* ]]; then sock=${a#unix://}; break; fi
done
for _ in $(seq 100); do
  if curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
    echo "berthd $("$berthd" --version | awk '{print $3}') is serving on unix://$sock (pid $pid, log $log)"
    echo "try: curl --unix-socket $sock http://d/v1.41/version"
    echo "     DOCKER_HOST=unix://$sock docker info"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "berthd did not come up; the end of $log:" >&2
tail -n 20 "$log" >&2
exit 1
