#!/usr/bin/env bash
# Installs everything the build, the tests and the benchmarks need on a fresh Debian 12 machine.
# Idempotent: a second run checks and does nothing. Runs as root (CI does) or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  curl mosquitto mosquitto-clients libmosquitto-dev   # reference broker, independent clients, load generator's library
  openssl ca-certificates                       # test PKI and certificate checks
  build-essential                               # builds ../shared/tools/mqttload
  iproute2 util-linux                           # network namespaces for the Python SDK tests (unshare, ip)
  python3-venv
  libsqlite3-dev                                # SQLite for GRDB (the IoT Hub emulator's registry)
  docker.io                                     # the container engine modules run on (dockerd, containerd, runc)
  busybox-static                                # the static binary in the locally built test images
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts mosquitto as a system service on install; tests start their own brokers on their
# own ports, so the packaged service is not needed. Leave it as it is: we stop nothing we did not start.

# Python venv with the official Azure IoT SDKs (independent clients for the acceptance tests).
VENV="${IOTEDGE_VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import azure.iot.device, azure.iot.hub, six, pytest' 2>/dev/null; then
  echo "setup: installing Python packages into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements.txt
fi

# The neutral MQTT load generator used by bench/.
MQTTLOAD_SRC="$(cd .. && pwd)/shared/tools/mqttload"
MQTTLOAD_BIN="$PWD/.build-tools/mqttload"
if [ -f "$MQTTLOAD_SRC/mqttload.c" ] && [ ! -x "$MQTTLOAD_BIN" -o "$MQTTLOAD_SRC/mqttload.c" -nt "$MQTTLOAD_BIN" ]; then
  mkdir -p .build-tools
  cc -O2 -Wall -o "$MQTTLOAD_BIN" "$MQTTLOAD_SRC/mqttload.c" -lmosquitto -lpthread
fi
# The Docker engine (started in the background when nothing answers on /var/run/docker.sock) and the test images
# built locally from scratch (no registry is reachable).
bash scripts/start-dockerd.sh
bash scripts/test-images.sh
# Our own images from release binaries (FROM scratch + the binary + the libraries it needs); skipped when up to date.
bash scripts/build-images.sh
echo "setup: ok"
