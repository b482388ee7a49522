#!/usr/bin/env bash
# Benchmark (not a test): QoS 1 publish -> subscribe through our broker and through Debian's mosquitto, back to back
# in one run, with the same neutral load generator (../shared/tools/mqttload), on loopback, 256-byte payloads,
# several publishers. Each broker is restarted before every run. Prints delivered msg/s, p50/p99 latency,
# broker CPU per 100k messages and RSS, and the ratio ours / mosquitto. Raw JSON lines go to bench/results/.
#
#   bench/broker-vs-mosquitto.sh            # default: 2 rounds of each scenario, 20 s each
#   ROUNDS=1 DURATION=10 bench/broker-vs-mosquitto.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-2}"
PUBS="${PUBS:-4}"
MQTTLOAD="$PWD/.build-tools/mqttload"
OUT="bench/results/broker-vs-mosquitto-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p bench/results

swift build -c release --product mqtt-broker >/dev/null
BROKER_BIN="$(swift build -c release --show-bin-path)/mqtt-broker"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "broker did not listen on $1" >&2; return 1; }

BROKER_PID=""
stop_broker() { if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; BROKER_PID=""; fi; }
trap stop_broker EXIT

start_broker() { # $1 = mosquitto | swift, $2 = port
  case "$1" in
    mosquitto)
      conf="$(mktemp)"
      printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nset_tcp_nodelay true\npersistence false\nlog_type none\n' "$2" > "$conf"
      mosquitto -c "$conf" >/dev/null 2>&1 & BROKER_PID=$! ;;
    swift)
      "$BROKER_BIN" --host 127.0.0.1 --port "$2" --log-level warning >/dev/null 2>&1 & BROKER_PID=$! ;;
  esac
  wait_port "$2"
}

# name | mqttload arguments (rates are per publisher)
SCENARIOS=(
  "fixed 4x1000/s|-r 1000"
  "fixed 4x4000/s|-r 4000"
  "flat (as fast as acks allow)|"
)

echo "mqttload: $PUBS publishers -> 1 subscriber, QoS 1, 256 B, ${DURATION}s (${WARMUP}s warm-up), $ROUNDS round(s); results in $OUT"
for round in $(seq 1 "$ROUNDS"); do
  for scenario in "${SCENARIOS[@]}"; do
    name="${scenario%%|*}"; args="${scenario#*|}"
    for broker in mosquitto swift; do
      port="$(free_port)"
      start_broker "$broker" "$port"
      # shellcheck disable=SC2086
      "$MQTTLOAD" -p "$port" -n "$PUBS" -q 1 -s 256 -d "$DURATION" -w "$WARMUP" $args \
        --broker-pid "$BROKER_PID" --label "$broker|$name|$round" --json >> "$OUT" || echo "run $broker/$name/$round: mqttload exit $?" >&2
      stop_broker
    done
  done
done

python3 - "$OUT" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    broker, name, _ = r["label"].split("|")
    by.setdefault(name, {}).setdefault(broker, []).append(r)
def med(xs): return statistics.median(xs) if xs else float("nan")
print()
print(f"{'scenario':<30} {'broker':<10} {'msg/s':>9} {'p50 us':>8} {'p99 us':>8} {'cpu-s/100k':>10} {'rss max MB':>10} {'lost':>5} {'dup':>4}")
for name, brokers in by.items():
    stats = {}
    for broker in ("mosquitto", "swift"):
        rs = brokers.get(broker, [])
        if not rs: continue
        cpu = [r["broker_cpu_per_100k"] for r in rs if isinstance(r.get("broker_cpu_per_100k"), (int, float))]
        s = dict(rate=med([r["recv_rate"] for r in rs]), p50=med([r["p50_us"] for r in rs]), p99=med([r["p99_us"] for r in rs]),
                 cpu=med(cpu), rss=max(r["broker_rss_max_kb"] for r in rs) / 1024, lost=sum(r["lost"] for r in rs), dup=sum(r["dup"] for r in rs))
        stats[broker] = s
        print(f"{name:<30} {broker:<10} {s['rate']:>9.0f} {s['p50']:>8.0f} {s['p99']:>8.0f} {s['cpu']:>10.2f} {s['rss']:>10.1f} {s['lost']:>5} {s['dup']:>4}")
    if len(stats) == 2:
        m, o = stats["mosquitto"], stats["swift"]
        print(f"{'':<30} {'ratio':<10} {o['rate']/m['rate']:>9.2f} {o['p50']/m['p50']:>8.2f} {o['p99']/m['p99']:>8.2f} {o['cpu']/m['cpu']:>10.2f} {o['rss']/m['rss']:>10.2f}")
print("\nratio = ours / mosquitto (msg/s: higher is better; latency, CPU, RSS: lower is better). Medians over rounds; RSS is the max.")
PY
