#!/usr/bin/env bash
# Makes sure a Docker engine answers on /var/run/docker.sock (run by scripts/setup.sh; idempotent, needs root).
#
# - An engine that already answers `GET /_ping` is left alone, whoever started it: we never stop a dockerd we did not
#   start.
# - On a host booted with systemd whose docker.service exists, that service is started.
# - Otherwise (containers, CI sandboxes) dockerd is started here in the background, detached from this shell, with
#   its output appended to $DOCKERD_LOG (default /var/log/swift-iotedge-dockerd.log) and its PID in
#   /var/run/swift-iotedge-dockerd.pid. Flags:
#     --iptables=false   nothing here needs NAT or published ports (test containers use host networking and no
#                        registry is reachable), and it leaves the host's firewall as it was: Docker's rules set the
#                        FORWARD policy to DROP and turn on bridge netfilter, which would silently break tests that
#                        route between network namespaces of their own.
#   Storage: Docker's own choice (overlay2 where the kernel and backing file system allow it). If that engine does
#   not come up, it is started once more with --storage-driver=vfs (slow and disk-hungry, but works on any file
#   system, e.g. inside a container whose root is itself an overlay).
set -euo pipefail

SOCKET=/var/run/docker.sock
LOG="${DOCKERD_LOG:-/var/log/swift-iotedge-dockerd.log}"
PIDFILE=/var/run/swift-iotedge-dockerd.pid
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

ping_engine() {
  $SUDO curl -sf --max-time 5 --unix-socket "$SOCKET" http://localhost/_ping >/dev/null 2>&1
}

# Waits up to $1 seconds for the engine to answer; fails early when the process $2 has exited.
wait_for_engine() {
  local seconds="$1" pid="${2:-}"
  for _ in $(seq $((seconds * 4))); do
    if ping_engine; then return 0; fi
    if [ -n "$pid" ] && ! $SUDO kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.25
  done
  ping_engine
}

start_background() {
  echo "dockerd: starting dockerd --iptables=false${*:+ $*} (log: $LOG)"
  $SUDO mkdir -p "$(dirname "$LOG")"
  echo "=== $(date -u +%FT%TZ) scripts/start-dockerd.sh: dockerd --iptables=false $*" | $SUDO tee -a "$LOG" >/dev/null
  # setsid: its own session, so it outlives this shell and no signal sent to our process group reaches it.
  $SUDO setsid dockerd --iptables=false "$@" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  # With sudo, $! is sudo's PID; the PID dockerd writes is the engine's own.
  echo "$pid" | $SUDO tee "$PIDFILE" >/dev/null
  wait_for_engine 60 "$pid"
}

if ping_engine; then
  echo "dockerd: already answering on $SOCKET"
elif ! command -v dockerd >/dev/null; then
  echo "dockerd: not installed (scripts/setup.sh installs Debian's docker.io)" >&2
  exit 1
elif [ -d /run/systemd/system ] && systemctl cat docker.service >/dev/null 2>&1; then
  echo "dockerd: starting docker.service"
  $SUDO systemctl start docker.service
  wait_for_engine 60 || { echo "dockerd: docker.service started but $SOCKET does not answer; see journalctl -u docker" >&2; exit 1; }
elif start_background; then
  :
else
  echo "dockerd: the engine did not come up with the default storage driver; retrying with --storage-driver=vfs" >&2
  tail -n 20 "$LOG" >&2 || true
  if [ -f "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE")"
    # Only the process started just above, and only if it is still running.
    if $SUDO kill -0 "$pid" 2>/dev/null; then
      $SUDO kill "$pid"
      for _ in $(seq 60); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  fi
  start_background --storage-driver=vfs || {
    echo "dockerd: the engine did not answer on $SOCKET within 60 s; its log is $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
    exit 1
  }
fi
driver="$(docker info --format '{{.Driver}}' 2>/dev/null || echo unknown)"
version="$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo unknown)"
echo "dockerd: ok, engine $version, storage driver $driver"
