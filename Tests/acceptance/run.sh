#!/usr/bin/env bash
# Runs the acceptance tests: each test file in its own network + mount namespace, where only loopback exists, the
# hub's and DPS's host names resolve to 127.0.0.1 and IoT Hub's fixed ports (8883, 443) are free. Needs root (CI is root).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN_DIR="$(swift build --show-bin-path)"
export IOTHUB_EMULATOR_BIN="$BIN_DIR/iothub-emulator"
export AZIOTD_BIN="$BIN_DIR/aziotd"
export AZIOTCTL_BIN="$BIN_DIR/aziotctl"
export IOTHUB_EMULATOR_HOSTNAME="testhub.azure-devices.net"
export IOTHUB_EMULATOR_DPS_HOSTNAME="global.azure-devices-provisioning.net"
[ -x "$IOTHUB_EMULATOR_BIN" ] || { echo "acceptance: $IOTHUB_EMULATOR_BIN is not built (swift build --build-tests builds it)" >&2; exit 1; }
HOSTS="$(mktemp)"
trap 'rm -f "$HOSTS"' EXIT
printf '127.0.0.1 localhost %s %s\n::1 localhost\n' "$IOTHUB_EMULATOR_HOSTNAME" "$IOTHUB_EMULATOR_DPS_HOSTNAME" > "$HOSTS"
status=0
files=("$@")
[ "${#files[@]}" -gt 0 ] || files=(Tests/acceptance/test_*.py)
for file in "${files[@]}"; do
  unshare --net --mount bash -c '
    set -e
    mount --bind "$0" /etc/hosts
    ip link set lo up
    exec .venv/bin/python -m pytest -q -p no:cacheprovider "$1"
  ' "$HOSTS" "$file" || status=1
done
exit $status
