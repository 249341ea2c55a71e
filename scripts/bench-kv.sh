#!/usr/bin/env bash
# Benchmark of the KV cache: time to first token of a request whose
# 1,024-token prefix is pinned against one with nothing cached (nymphd on
# the bundled language model, default [kv] settings). Figures go to stdout
# and dist/bench-kv.json. Extra arguments go to nymph-bench-ttft (e.g.
# --runs 40).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd nymph-bench-ttft
cd "$root"
mkdir -p dist
source scripts/lib/bench-daemon.sh
start_bench_daemon
build/bin/nymph-bench-ttft --url "http://127.0.0.1:$port" \
  --out dist/bench-kv.json "$@"
