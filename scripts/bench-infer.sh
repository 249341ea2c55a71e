#!/usr/bin/env bash
# Benchmark of the agent's /infer overhead: starts nymphd (plain HTTP, a
# free loopback port) on the bundled tiny model, runs nymph-bench-infer
# against it, stops the daemon. Figures go to stdout and dist/bench-infer.json.
# Extra arguments go to nymph-bench-infer (e.g. --iterations 20000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd nymph-bench-infer
cd "$root"
mkdir -p dist
state=$(mktemp -d)
log="$state/nymphd.log"
# Default log level on purpose: one log line per request is part of what
# the agent costs.
build/bin/nymphd --http --listen 127.0.0.1:0 --models models \
  --state-dir "$state" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$state"' EXIT

# The kernel picks the port; the daemon's log says which.
port=""
for _ in $(seq 100); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" |
    sed 's/.*://' | head -n 1 || true)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break
  sleep 0.1
done
[ -n "$port" ] || { echo "bench-infer: nymphd did not start:"; cat "$log"; exit 1; }

build/bin/nymph-bench-infer --url "http://127.0.0.1:$port" \
  --model models/affine.onnx --out dist/bench-infer.json "$@"
