#!/usr/bin/env bash
# The standard benchmark in one command: builds, starts nymphd over HTTPS on
# the bundled models with the board simulator as the card and tracing on,
# runs nymph-bench's standard suite against it (single
# stream, 4 concurrent streams, Poisson arrivals, 4 streams on a pinned
# shared prefix, 2 clients of /infer, then the decode and prefix-TTFT
# baselines), writes
# dist/bench.json and dist/trace.perfetto (checked by tools/trace/check_trace.py)
# and prints the summary table. Takes about 3 minutes.
#
# Usage: tools/bench-run.sh [--board sim|mcu|hwmon|none] [--mcu-device PATH]
#                           [--duration S] [-- extra nymph-bench flags]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

board=sim
mcu_device=""
duration=30
while [ $# -gt 0 ]; do
  case "$1" in
    --board) board=$2; shift 2 ;;
    --mcu-device) mcu_device=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "bench-run: unknown argument '$1' (see the usage at the top of $0)" >&2
       exit 2 ;;
  esac
done

targets=(nymphd nymph-bench)
[ "$board" = sim ] && targets+=(nymph-boardsim)
case "$board" in
  sim | mcu | hwmon | none) ;;
  *) echo "bench-run: --board must be sim, mcu, hwmon or none" >&2; exit 2 ;;
esac
scripts/build.sh "${targets[@]}"
mkdir -p dist

state=$(mktemp -d)
agent_pid=""
stop_agent() {
  # SIGTERM lets the agent finish its requests and write its trace.
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null &&
    { wait "$agent_pid" 2>/dev/null || true; }
  agent_pid=""
}
cleanup() {
  stop_agent
  [ -f "$state/nymphd.log" ] && cp "$state/nymphd.log" dist/bench-nymphd.log
  rm -rf "$state"
}
trap cleanup EXIT

# The trace is written where the agent can write atomically (same file
# system as its temporary file), then checked and moved into dist/.
agent_args=(--listen 127.0.0.1:0 --models models --state-dir "$state"
  --board "$board" --trace-out "$state/trace.perfetto"
  --thermal-log dist/bench-thermal.log)
# With --board sim, nymphd starts nymph-boardsim itself (real time, the
# host's CPU use heating the simulated card).
[ -n "$mcu_device" ] && agent_args+=(--mcu-device "$mcu_device")

build/bin/nymphd "${agent_args[@]}" >"$state/nymphd.log" 2>&1 &
agent_pid=$!
port=""
for _ in $(seq 300); do
  port=$(grep -o 'listening on https://127.0.0.1:[0-9]*' "$state/nymphd.log" |
    sed 's/.*://' | head -n 1 || true)
  [ -n "$port" ] && curl -sf --cacert "$state/tls/cert.pem" \
    "https://127.0.0.1:$port/ready" >/dev/null && break
  kill -0 "$agent_pid" 2>/dev/null || break
  port=""
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "bench-run: nymphd did not get ready:" >&2
  cat "$state/nymphd.log" >&2
  exit 1
fi

build/bin/nymph-bench --url "https://127.0.0.1:$port" \
  --cacert "$state/tls/cert.pem" --out dist/bench.json \
  --model kjv-gqa --model-file models/kjv-gqa.onnx \
  --duration "$duration" --warmup 2 --seed 1 --decode-runs 6 \
  --scenario single --scenario concurrent:4 --scenario poisson:2 \
  --scenario concurrent:4:shared-prefix --scenario concurrent:2:infer \
  --agent-command "nymphd ${agent_args[*]}" "$@"

stop_agent
if [ ! -s "$state/trace.perfetto" ]; then
  echo "bench-run: nymphd wrote no trace; its log is in dist/bench-nymphd.log" >&2
  exit 1
fi
/usr/bin/python3 tools/trace/check_trace.py --quiet "$state/trace.perfetto"
mv "$state/trace.perfetto" dist/trace.perfetto
echo "bench-run: dist/bench.json, dist/trace.perfetto (open in ui.perfetto.dev)," \
  "dist/bench-thermal.log"
