#!/usr/bin/env bash
# Installs every build, runtime and test dependency of Berth from Debian's packages. Idempotent: packages
# already present are skipped, so a second run does nothing and asks no registry.
set -euo pipefail

build=(build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev nlohmann-json3-dev libsqlite3-dev catch2 libssl-dev
  libcurl4-openssl-dev libarchive-dev libtomlplusplus-dev)
runtime=(runc conmon netavark aardvark-dns catatonit iproute2 iptables golang-github-containers-common)
tests=(busybox-static docker-registry podman curl jq python3-docker python3-requests tmux openssl
  apache2-utils clang-format)

missing=()
for p in "${build[@]}" "${runtime[@]}" "${tests[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# The docker CLI: keep one that is already on PATH; otherwise take Debian's docker.io for its client only.
docker_pkg=()
if ! command -v docker >/dev/null 2>&1; then
  docker_pkg=(docker.io)
fi

if ((${#missing[@]} + ${#docker_pkg[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} ${docker_pkg[*]}; run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Never let a package start a daemon (dockerd, registry) while we install it.
  policy=/usr/sbin/policy-rc.d
  had_policy=0
  [[ -e $policy ]] && had_policy=1
  if ((!had_policy)); then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  trap '((had_policy)) || rm -f "$policy"' EXIT
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" "${docker_pkg[@]}"
fi
echo "install-deps: all dependencies present"
