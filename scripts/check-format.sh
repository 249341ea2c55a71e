#!/usr/bin/env bash
# Fails if any C++ file differs from what clang-format (the repo's
# .clang-format) would write. Fix with: clang-format -i <files>.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
