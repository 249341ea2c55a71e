#!/usr/bin/env bash
# Set-up (packages, ONNX Runtime) and an incremental release build into
# build/. Other scripts call this first; it is idempotent. Arguments name
# targets to build (default: everything).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
if [ ! -f "$root/build/build.ninja" ]; then
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
cmake --build "$root/build" "${targets[@]}"
