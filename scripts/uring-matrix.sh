#!/usr/bin/env bash
# Builds the addon (node-gyp, as `npm install` does) against each liburing release under
# test/fixtures, in throwaway directories, and runs the native tests on each build: proof that
# rawio builds and works with what other distributions ship (2.1: Ubuntu 22.04; 2.3: Debian 12).
#   bash scripts/uring-matrix.sh [2.1 2.3] [-- tests]   (default: test/native and the bench run tests)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
versions=()
while (($#)) && [ "$1" != "--" ]; do versions+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
tests=("$@")
((${#versions[@]})) || versions=(2.1 2.3)
((${#tests[@]})) || tests=(test/native test/bench/run-file.test.ts test/bench/run-loop.test.ts test/bench/verify.test.ts)
work=$(mktemp -d /tmp/rawio-uring-matrix.XXXXXX)
trap 'rm -rf "$work"' EXIT
for v in "${versions[@]}"; do
  echo "== liburing $v: build"
  prefix=$work/liburing-$v
  bash scripts/build-liburing.sh "test/fixtures/liburing-$v" "$prefix" >/dev/null
  # A throwaway project directory: the sources linked in, the build/ of its own.
  proj=$work/project-$v
  mkdir -p "$proj"
  for f in binding.gyp package.json native scripts node_modules; do ln -s "$root/$f" "$proj/$f"; done
  (cd "$proj" && RAWIO_LIBURING_PREFIX=$prefix npx node-gyp rebuild -j 2 >"$work/gyp-$v.log" 2>&1) ||
    { tail -40 "$work/gyp-$v.log"; exit 1; }
  addon=$proj/build/Release/rawio.node
  echo "== liburing $v: rawio -V"
  RAWIO_ADDON=$addon node bin/rawio.js -V | sed 's/^/   /'
  report=$(RAWIO_ADDON=$addon node bin/rawio.js -V)
  grep -q "^io_uring: built with liburing $v;" <<<"$report" ||
    { echo "uring-matrix: the $v build does not report liburing $v"; exit 1; }
  if [ "$v" = 2.1 ]; then
    grep -q "^io_uring: built with liburing 2.1: no DEFER_TASKRUN$" <<<"$report" ||
      { echo "uring-matrix: the 2.1 build does not report DEFER_TASKRUN missing"; exit 1; }
  fi
  echo "== liburing $v: ${tests[*]}"
  RAWIO_ADDON=$addon npx vitest run "${tests[@]}"
done
