#!/usr/bin/env bash
# Benchmark of generation speed: nymphd on the bundled language model,
# nymph-bench-decode against it (API vs. a raw ONNX Runtime decode loop).
# Figures go to stdout and dist/bench-decode.json. Extra arguments go to
# nymph-bench-decode (e.g. --runs 10 --tokens 256).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd nymph-bench-decode
cd "$root"
mkdir -p dist
source scripts/lib/bench-daemon.sh
start_bench_daemon
build/bin/nymph-bench-decode --url "http://127.0.0.1:$port" \
  --model models/kjv-gqa.onnx --out dist/bench-decode.json "$@"
