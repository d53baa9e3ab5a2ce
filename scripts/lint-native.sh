#!/usr/bin/env bash
# Lints native/: clang-format must have nothing to change.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "lint-native: clang-format is not installed (apt-get install clang-format)" >&2
  exit 1
fi
mapfile -t files < <(find native -name '*.cc' -o -name '*.h' | sort)
clang-format --dry-run --Werror "${files[@]}"
echo "lint-native: ${#files[@]} files clean"
