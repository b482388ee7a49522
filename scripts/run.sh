#!/usr/bin/env bash
# The project's main job for now: an MQTT broker on 127.0.0.1, plain TCP on 1883 and TLS on 8883, with a demo
# PKI made on first run. Prints how to connect with mosquitto's clients. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product mqtt-broker
PORT="${MQTT_PORT:-1883}"
TLS_PORT="${MQTT_TLS_PORT:-8883}"
PKI=".build-demo/pki"
bash scripts/make-test-pki.sh "$PKI" >/dev/null
cat <<MSG

Broker starting on 127.0.0.1:$PORT (plain) and 127.0.0.1:$TLS_PORT (TLS). Try, in another terminal:
  mosquitto_sub -h 127.0.0.1 -p $PORT -t 'demo/#' -q 1 -v
  mosquitto_pub -h 127.0.0.1 -p $PORT -t demo/hello -m 'hi' -q 1
  mosquitto_sub -h localhost -p $TLS_PORT --cafile $PWD/$PKI/ca.pem -t 'demo/#' -q 1 -v

MSG
exec .build/debug/mqtt-broker --host 127.0.0.1 --port "$PORT" --tls-port "$TLS_PORT" \
  --cert "$PKI/server-chain.pem" --key "$PKI/server.key"
