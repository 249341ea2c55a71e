#!/usr/bin/env bash
# Thermal stress: the agent holds the simulated card on its target under
# sustained real generation load. Builds, starts nymphd with --board sim
# (nymph-boardsim heated by nymphd's own CPU use, time-scaled), drives
# streaming completions through the API with nymph-bench for --duration
# real seconds, writes dist/thermal.log, then checks it: after --settle
# seconds of the card's time under load, the controlled (hottest) zone
# stays within ±1.5 °C of the target and ΔT to ambient within 25 °C, out of
# failsafe. Exits 0 on pass, 1 on fail, 2 on bad usage.
#
# Usage: tools/thermal_stress.sh [--duration S] [--time-scale K]
#          [--target C] [--policy NAME] [--settle S] [--streams N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

duration=180     # real seconds of load
time_scale=10    # card seconds per real second
target=55
policy=active
settle=900       # card seconds of load before the check starts
streams=2        # concurrent generations: both of this machine's cores
usage() {
  sed -n '/^# Usage/,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --duration) duration=$2 ;;
    --time-scale) time_scale=$2 ;;
    --target) target=$2 ;;
    --policy) policy=$2 ;;
    --settle) settle=$2 ;;
    --streams) streams=$2 ;;
    *) echo "thermal_stress: unknown argument '$1'" >&2; usage ;;
  esac
  shift 2
done
number='^[0-9]+([.][0-9]+)?$'
for value in "$duration" "$time_scale" "$target" "$settle" "$streams"; do
  [[ $value =~ $number ]] || { echo "thermal_stress: '$value' is not a number" >&2; usage; }
done
period_ms=$(awk -v k="$time_scale" 'BEGIN { printf "%d", 1000 / k }')
load_periods=$(awk -v d="$duration" -v k="$time_scale" 'BEGIN { printf "%d", d * k }')
settle_periods=$(awk -v s="$settle" 'BEGIN { printf "%d", s }')
if [ "$settle_periods" -ge "$load_periods" ]; then
  echo "thermal_stress: --settle $settle card seconds leaves nothing of" \
    "$duration s × $time_scale to check; lengthen --duration" >&2
  exit 2
fi

scripts/build.sh nymphd nymph-boardsim nymph-bench
mkdir -p dist
state=$(mktemp -d)
agent_pid=""
cleanup() {
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null &&
    { wait "$agent_pid" 2>/dev/null || true; }
  [ -f "$state/nymphd.log" ] && cp "$state/nymphd.log" dist/thermal-stress-nymphd.log
  rm -rf "$state"
}
trap cleanup EXIT

# One control period per card second, the period the policies are tuned for.
cat >"$state/nymphd.toml" <<TOML
[server]
listen = "127.0.0.1:0"
http = true
[models]
dir = "$root/models"
[state]
dir = "$state"
[board]
kind = "sim"
sim_args = ["--time-scale", "$time_scale"]
[thermal]
policy = "$policy"
target_c = $target
period_ms = $period_ms
log_file = "$root/dist/thermal.log"
TOML
build/bin/nymphd --config "$state/nymphd.toml" >"$state/nymphd.log" 2>&1 &
agent_pid=$!
url=""
for _ in $(seq 300); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$state/nymphd.log" |
    sed 's/.*://' | head -n 1 || true)
  if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/ready" >/dev/null; then
    url="http://127.0.0.1:$port"
    break
  fi
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "thermal_stress: nymphd did not get ready:" >&2
  cat "$state/nymphd.log" >&2
  exit 1
fi

periods() {
  curl -sf "$url/thermal/status" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["counters"]["periods"])'
}

echo "thermal_stress: $streams streams of real generation for ${duration}s" \
  "(${load_periods} s of the card's time at ${time_scale}×), policy $policy," \
  "target $target °C"
first=$(periods)
build/bin/nymph-bench --url "$url" --out "$state/bench.json" \
  --scenario "concurrent:$streams" --duration "$duration" --warmup 0 \
  --max-tokens 256 --ttft-samples 0 >"$state/bench.out"
last=$(periods)
kill -TERM "$agent_pid"
wait "$agent_pid" || { echo "thermal_stress: nymphd exited badly" >&2; exit 1; }
agent_pid=""

grep '^# summary' dist/thermal.log || true
/usr/bin/python3 tools/check-thermal-log.py dist/thermal.log --target-c "$target" \
  --from-line $((first + settle_periods)) --to-line "$last"
