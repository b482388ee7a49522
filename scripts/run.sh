#!/usr/bin/env bash
# The project's main job: the IoT Hub emulator with a demo edge device and a demo device, on 127.0.0.1 with IoT
# Hub's ports (MQTT/TLS 8883, HTTPS 443; binding 443 needs root), data kept in .iothub-emulator/. Prints the
# connection strings and the CA to trust. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product iothub-emulator
BIN="$(swift build --show-bin-path)/iothub-emulator"
HTTPS_PORT="${IOTHUB_EMULATOR_HTTPS_PORT:-443}"
cat <<MSG

Then, in another terminal:
  $BIN device-identity list --https-port $HTTPS_PORT
  $BIN monitor-events --https-port $HTTPS_PORT
  # a device with the official SDK (in .venv):
  .venv/bin/python -c 'from azure.iot.device import IoTHubDeviceClient as C, Message; c = C.create_from_connection_string("<demo-device connection string>", server_verification_cert=open(".iothub-emulator/ca.pem").read()); c.connect(); c.send_message(Message("hello")); c.shutdown()'

MSG
exec "$BIN" start --demo --data-dir .iothub-emulator --https-port "$HTTPS_PORT"
