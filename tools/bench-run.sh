#!/usr/bin/env bash
# The standard benchmark in one command: builds, starts nymphd over HTTPS on
# the bundled models, runs nymph-bench's standard suite against it (single
# stream, 4 concurrent streams, Poisson arrivals, 4 streams on a pinned
# shared prefix, then the decode and prefix-TTFT baselines), writes
# dist/bench.json and prints the summary table. Takes about 2.5 minutes.
#
# Usage: tools/bench-run.sh [--board sim|mcu|hwmon|none] [--duration S]
#                           [-- extra nymph-bench flags]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# TODO: set to 1 once nymphd has --trace-out (it is being added on another
# branch). With 1, the agent writes dist/trace.perfetto and a nymphd
# without the flag fails the run; with 0, the run says loudly that it has
# no trace.
trace_supported=0

board=""
duration=30
while [ $# -gt 0 ]; do
  case "$1" in
    --board) board=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "bench-run: unknown argument '$1' (see the usage at the top of $0)" >&2
       exit 2 ;;
  esac
done

targets=(nymphd nymph-bench)
[ "$board" = sim ] && targets+=(nymph-boardsim)
scripts/build.sh "${targets[@]}"
mkdir -p dist

state=$(mktemp -d)
agent_pid=""
sim_pid=""
cleanup() {
  # SIGTERM lets the agent finish its requests and close its trace.
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  [ -f "$state/nymphd.log" ] && cp "$state/nymphd.log" dist/bench-nymphd.log
  rm -rf "$state"
}
trap cleanup EXIT

agent_args=(--listen 127.0.0.1:0 --models models --state-dir "$state")
if [ "$trace_supported" = 1 ]; then
  agent_args+=(--trace-out dist/trace.perfetto)
else
  echo "bench-run: WARNING: no trace this run: nymphd has no --trace-out yet" \
    "(set trace_supported=1 in $0 once it has)" >&2
fi

# --- board --------------------------------------------------------------
# TODO: check against nymph-boardsim's and nymphd's final flags when they
# land: SPEC says the simulator links the serial device it serves
# (--link PATH) and the agent opens it (--board sim --mcu-device PATH).
case "$board" in
  "") ;;
  sim)
    build/bin/nymph-boardsim --link "$state/mcu" >"$state/boardsim.log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 100); do [ -e "$state/mcu" ] && break; sleep 0.1; done
    [ -e "$state/mcu" ] || { echo "bench-run: nymph-boardsim made no $state/mcu:" >&2
                             cat "$state/boardsim.log" >&2; exit 1; }
    agent_args+=(--board sim --mcu-device "$state/mcu") ;;
  *) agent_args+=(--board "$board") ;;
esac
# -------------------------------------------------------------------------

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
  --duration "$duration" --warmup 2 --seed 1 \
  --scenario single --scenario concurrent:4 --scenario poisson:2 \
  --scenario concurrent:4:shared-prefix \
  --agent-command "nymphd ${agent_args[*]}" "$@"
