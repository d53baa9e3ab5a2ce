#!/usr/bin/env bash
# Builds a liburing source tree (test/fixtures/liburing-X.Y) into PREFIX as a static, position
# independent library with its headers and pkg-config file, which scripts/probe-liburing.js reads
# through RAWIO_LIBURING_PREFIX. Only the library's own sources, as its Makefile compiles them.
#   bash scripts/build-liburing.sh test/fixtures/liburing-2.1 /tmp/liburing-2.1
set -euo pipefail
src=$(cd "$1" && pwd)
prefix=$2
version=${src##*liburing-}
cc=${CC:-cc}
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
for c in "$src"/src/setup.c "$src"/src/queue.c "$src"/src/register.c "$src"/src/syscall.c; do
  "$cc" -O2 -fPIC -D_GNU_SOURCE -DLIBURING_INTERNAL -Wno-unused-parameter -I"$src/src/include" \
    -include "$src/config-host.h" -c "$c" -o "$obj/$(basename "$c" .c).o"
done
rm -f "$prefix/lib/liburing.a"
ar rcs "$prefix/lib/liburing.a" "$obj"/*.o
cp -r "$src/src/include/." "$prefix/include/"
cat >"$prefix/lib/pkgconfig/liburing.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: liburing
Version: $version
Description: io_uring library
Libs: -L\${libdir} -luring
Cflags: -I\${includedir}
PC
echo "build-liburing: liburing $version in $prefix"
