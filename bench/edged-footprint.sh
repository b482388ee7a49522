#!/usr/bin/env bash
# aziot-edged's footprint on a whole device run from a temporary folder: the IoT Hub emulator, aziotd keyd/certd/identityd
# (manual SAS provisioning) and aziot-edged (release builds) on the local Docker engine, its [agent] being the
# test-module image (`edge-test-module agent`, a stand-in edgeAgent that lists the modules through the management API).
#
# Prints, as text and as one JSON line in bench/results/edged-footprint-<time>.jsonl:
#   * the time from aziot-edged's start to the agent container running (Docker's State.StartedAt), median of RUNS runs
#     (each run: a fresh edged home, so the agent is created, not just started; keyd/certd/identityd keep running);
#   * edged's VmRSS and thread count after IDLE_SECONDS of idling with the agent running (last run);
#   * the sizes of the images scripts/build-images.sh builds.
#
#   bench/edged-footprint.sh                RUNS=5 IDLE_SECONDS=30
#   BENCH_BIN_DIR=DIR bench/edged-footprint.sh   use DIR's aziot-edged, aziotd and iothub-emulator instead of building
#   AZIOTD_BIN=… EMULATOR_BIN=…                   other aziotd / iothub-emulator binaries (they are not measured)
# Needs: a Docker engine (scripts/start-dockerd.sh), python3 (a free port), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
RUNS="${RUNS:-5}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
VERSION="$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/Protocol/AziotConfig/AziotVersion.swift)"
IMAGE="swift-iotedge/test-module:$VERSION"

# Release builds with the Swift runtime linked in (the scratch path scripts/build-images.sh uses by default).
if [ -z "${BENCH_BIN_DIR:-}" ]; then
  for product in aziot-edged aziotd iothub-emulator; do
    started=$SECONDS
    swift build -c release --static-swift-stdlib --scratch-path .build-static --product "$product" >&2
    echo "bench: release build of $product: $((SECONDS - started)) s" >&2
  done
  BENCH_BIN_DIR="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)"
fi
EDGED="$BENCH_BIN_DIR/aziot-edged"
AZIOTD="${AZIOTD_BIN:-$BENCH_BIN_DIR/aziotd}"
EMULATOR="${EMULATOR_BIN:-$BENCH_BIN_DIR/iothub-emulator}"
for binary in "$EDGED" "$AZIOTD" "$EMULATOR"; do [ -x "$binary" ] || { echo "bench: $binary is missing" >&2; exit 1; }; done
bash scripts/build-images.sh >&2

WORK="$(mktemp -d /tmp/edged-footprint-XXXXXX)"
INSTANCE="bench-$(basename "$WORK" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')"
AGENT="edgeAgent-$INSTANCE"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  docker rm -f "$AGENT" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for <seconds> <command…>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}
now_ns() { date +%s%N; }

# The emulator and the device (an edge device with a symmetric key that keyd holds as a preloaded file).
HTTPS_PORT="$(free_port)"
MQTT_PORT="$(free_port)"
mkdir -p "$WORK"/{emulator,run,keys} "$WORK"/etc/{keyd,certd,identityd,edged}/config.d
"$EMULATOR" start --data-dir "$WORK/emulator" --hostname localhost --mqtt-port "$MQTT_PORT" --https-port "$HTTPS_PORT" \
  >"$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_for 60 grep -qs "ready" "$WORK/emulator.log" || { echo "bench: the emulator did not start: $(tail -20 "$WORK/emulator.log")" >&2; exit 1; }
DEVICE="bench-device"
head -c 32 /dev/urandom >"$WORK/keys/device-id"
"$EMULATOR" device-identity create --device-id "$DEVICE" --edge-enabled --primary-key "$(base64 -w0 "$WORK/keys/device-id")" \
  --data-dir "$WORK/emulator" --https-port "$HTTPS_PORT" >/dev/null

cat >"$WORK/etc/keyd/config.toml" <<EOF
[aziot_keys]
homedir_path = "$WORK/var/keyd"

[preloaded_keys]
device-id = "file://$WORK/keys/device-id"

[endpoints]
aziot_keyd = "unix://$WORK/run/keyd.sock"
EOF
cat >"$WORK/etc/certd/config.toml" <<EOF
homedir_path = "$WORK/var/certd"

[cert_issuance]
aziot-edged-ca = { method = "self_signed", expiry_days = 90 }

[endpoints]
aziot_certd = "unix://$WORK/run/certd.sock"
aziot_keyd = "unix://$WORK/run/keyd.sock"
EOF
cat >"$WORK/etc/identityd/config.toml" <<EOF
hostname = "bench-host"
homedir = "$WORK/var/identityd"

[provisioning]
source = "manual"
iothub_hostname = "localhost"
device_id = "$DEVICE"

[provisioning.authentication]
method = "sas"
device_id_pk = "device-id"

[endpoints]
aziot_keyd = "unix://$WORK/run/keyd.sock"
aziot_certd = "unix://$WORK/run/certd.sock"
aziot_identityd = "unix://$WORK/run/identityd.sock"
EOF
mkdir -p "$WORK"/var/{keyd,certd,identityd}
service_env() {
  local upper
  upper="$(echo "$1" | tr 'a-z' 'A-Z')"
  # exec: the background job's pid ($!) is the daemon's own.
  exec env "AZIOT_${upper}_CONFIG=$WORK/etc/$1/config.toml" "AZIOT_${upper}_CONFIG_DIR=$WORK/etc/$1/config.d" \
    "AZIOT_IDENTITYD_TRUSTED_CA=$WORK/emulator/ca.pem" "AZIOT_IDENTITYD_HUB_PORT=$HTTPS_PORT" "AZIOT_EDGED_INSTANCE=$INSTANCE" \
    AZIOT_LOG=info "${@:2}"
}
for service in keyd certd identityd; do
  service_env "$service" "$AZIOTD" "$service" >"$WORK/$service.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 test -S "$WORK/run/$service.sock" || { echo "bench: aziotd $service did not start: $(tail -20 "$WORK/$service.log")" >&2; exit 1; }
done

write_edged_config() {
  cat >"$WORK/etc/edged/config.toml" <<EOF
hostname = "bench-host"
homedir = "$WORK/var/edged"

[agent]
name = "$AGENT"
type = "docker"
imagePullPolicy = "never"

[agent.config]
image = "$IMAGE"
createOptions = { Cmd = ["agent", "{\\"steps\\":[{\\"op\\":\\"list\\"}]}"], HostConfig = { NetworkMode = "host" } }

[connect]
workload_uri = "unix:///var/run/iotedge/workload.sock"
management_uri = "unix://$WORK/run/mgmt.sock"

[listen]
workload_uri = "unix://$WORK/run/workload.sock"
management_uri = "unix://$WORK/run/mgmt.sock"

[endpoints]
aziot_keyd_url = "unix://$WORK/run/keyd.sock"
aziot_certd_url = "unix://$WORK/run/certd.sock"
aziot_identityd_url = "unix://$WORK/run/identityd.sock"

[moby_runtime]
uri = "unix:///var/run/docker.sock"
network = "host"
EOF
}
write_edged_config

agent_started_ns() { # Docker's StartedAt of the agent container, in ns since the epoch (empty when not running)
  local state
  state="$(docker inspect --format '{{.State.Running}} {{.State.StartedAt}}' "$AGENT" 2>/dev/null || true)"
  [ "${state%% *}" = true ] || return 1
  date -d "${state#* }" +%s%N
}

EDGED_PID=""
times_ms=()
for run in $(seq 1 "$RUNS"); do
  docker rm -f "$AGENT" >/dev/null 2>&1 || true
  rm -rf "$WORK/var/edged"
  started="$(now_ns)"
  service_env edged "$EDGED" >"$WORK/edged-$run.log" 2>&1 &
  EDGED_PID=$!
  PIDS+=("$EDGED_PID")
  if ! wait_for 120 agent_started_ns >/dev/null; then
    echo "bench: the agent did not run in run $run: $(tail -30 "$WORK/edged-$run.log")" >&2
    exit 1
  fi
  ms=$(( ($(agent_started_ns) - started) / 1000000 ))
  times_ms+=("$ms")
  echo "bench: run $run: aziot-edged start → agent container running: $ms ms" >&2
  if [ "$run" -lt "$RUNS" ]; then
    kill -TERM "$EDGED_PID"
    wait "$EDGED_PID" || true
  fi
done
median_ms="$(printf '%s\n' "${times_ms[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')"

sleep "$IDLE_SECONDS"
kill -0 "$EDGED_PID" && grep -q aziot-edged "/proc/$EDGED_PID/cmdline" || { echo "bench: $EDGED_PID is not aziot-edged" >&2; exit 1; }
rss_kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$EDGED_PID/status")"
threads="$(awk '/^Threads:/ { print $2 }' "/proc/$EDGED_PID/status")"
rss_detail="$(grep -E '^(VmHWM|RssAnon|RssFile):' "/proc/$EDGED_PID/status" | tr -s ' \t' ' ' | paste -sd, -)"
agent_output="$(docker logs "$AGENT" 2>/dev/null | grep -c '"op":"done","steps":1,"failures":0' || true)"
image_size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
edged_size="$(stat -c %s "$EDGED")"

echo "aziot-edged start → agent running: median ${median_ms} ms over $RUNS runs (${times_ms[*]} ms)"
echo "aziot-edged idle after ${IDLE_SECONDS} s: VmRSS ${rss_kb} kB (${rss_detail}), ${threads} threads (binary ${edged_size} bytes, pid $EDGED_PID)"
echo "image $IMAGE: ${image_size} bytes; the agent listed the modules: $([ "$agent_output" -ge 1 ] && echo yes || echo no)"
for tag in $(docker image ls --format '{{.Repository}}:{{.Tag}}' 'swift-iotedge/*'); do
  echo "image $tag: $(docker image inspect --format '{{.Size}}' "$tag") bytes"
done

mkdir -p bench/results
result="bench/results/edged-footprint-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
printf '{"bench":"edged-footprint","runs":%s,"start_to_agent_ms":[%s],"median_ms":%s,"idle_seconds":%s,"vmrss_kb":%s,"threads":%s,"image":"%s","image_bytes":%s,"edged_binary_bytes":%s,"cpus":%s}\n' \
  "$RUNS" "$(IFS=,; echo "${times_ms[*]}")" "$median_ms" "$IDLE_SECONDS" "$rss_kb" "$threads" "$IMAGE" "$image_size" "$edged_size" "$(nproc)" >"$result"
echo "bench: written $ROOT/$result"
