#!/usr/bin/env bash
# Benchmark of the agent's /infer overhead: nymphd on the bundled tiny model,
# nymph-bench-infer against it (HTTP vs. in-process ONNX Runtime). Figures
# go to stdout and dist/bench-infer.json. Extra arguments go to
# nymph-bench-infer (e.g. --iterations 20000).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd nymph-bench-infer
cd "$root"
mkdir -p dist
source scripts/lib/bench-daemon.sh
start_bench_daemon
build/bin/nymph-bench-infer --url "http://127.0.0.1:$port" \
  --model models/affine.onnx --out dist/bench-infer.json "$@"
