#!/usr/bin/env bash
# Builds the addon with ASan + UBSan (cmake-js, Debug) and runs the native tests
# against it. Node itself is not instrumented, so libasan is preloaded and leak
# checking (which would report Node's own allocations) is off.
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile -D -O build-asan --CDRAWIO_SANITIZE=ON >/tmp/rawio-asan-build.log 2>&1 ||
  { tail -30 /tmp/rawio-asan-build.log; exit 1; }
addon=build-asan/Debug/rawio.node
asan=$(g++ -print-file-name=libasan.so)
ubsan=$(g++ -print-file-name=libubsan.so)
export RAWIO_ADDON=$PWD/$addon
export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LD_PRELOAD="$asan $ubsan"
tests=${*:-test/native}
echo "sanitize: running $tests under ASan/UBSan ($addon)"
npx vitest run $tests
