#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for the container image and the chaos tests.
#
#   scripts/docker-engine.sh          # idempotent: does nothing when `docker info` already works
#
# When no engine runs it installs what is missing from Debian (docker.io for dockerd, iptables and
# iproute2 for the nemesis, which runs `nsenter -n iptables|tc` from the host into the containers'
# network namespaces), starts dockerd in the background (log: /tmp/dockerd.log) and waits for its
# socket. Default dockerd settings work in this sandbox: user-defined bridge networks resolve
# container names, and ports published on 127.0.0.1 are reachable (checked by the chaos fixture).
set -euo pipefail

LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

# Runs a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages named, when any of the given commands is missing.
# Usage: ensure_packages "cmd1 cmd2" pkg1 pkg2...
ensure_packages() {
  local cmds=$1; shift
  local missing=0 c
  for c in $cmds; do command -v "$c" >/dev/null 2>&1 || missing=1; done
  [ "$missing" -eq 0 ] && return 0
  echo "docker-engine: installing $*" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The host-side tools the chaos fixture uses even when the engine already runs.
ensure_packages "iptables" iptables
ensure_packages "tc ip" iproute2
ensure_packages "nsenter" util-linux

if docker info >/dev/null 2>&1; then
  docker version --format 'docker engine already running: server {{.Server.Version}} (API {{.Server.APIVersion}})'
  exit 0
fi

# docker.io brings dockerd, containerd and runc (and a docker client, unless one is installed).
ensure_packages "dockerd containerd runc" docker.io

# A socket left by a dead dockerd would make the wait below succeed too early or fail oddly.
pid=$(cat /var/run/docker.pid 2>/dev/null || true)
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
  as_root rm -f /var/run/docker.sock /var/run/docker.pid
  echo "docker-engine: starting dockerd (log: $LOG)" >&2
  # setsid + nohup: the engine outlives this script and the shell that ran it.
  as_root setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
else
  echo "docker-engine: dockerd is already starting; waiting for it" >&2
fi

# Bounded wait for the engine to answer.
deadline=$((SECONDS + WAIT_SECONDS))
until docker info >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "docker-engine: dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.5
done

docker version --format 'docker engine started: server {{.Server.Version}} (API {{.Server.APIVersion}})'
