#!/usr/bin/env bash
# An arm64 Node.js to smoke-test the arm64 prebuild under qemu-aarch64 (qemu-user-static): Debian's
# nodejs:arm64 and the libraries it needs, fetched with `apt-get download` and unpacked into a
# directory (installing nodejs:arm64 would remove the host's nodejs). Prints the directory; run
#   qemu-aarch64-static -L DIR -E LD_LIBRARY_PATH=DIR/lib/aarch64-linux-gnu:DIR/usr/lib/aarch64-linux-gnu DIR/usr/bin/node
# Needs `dpkg --add-architecture arm64` and apt-get update (scripts/setup.sh does both).
#   bash scripts/arm64-node.sh [DIR]      (default /tmp/rawio-arm64-node)
set -euo pipefail
dir=${1:-/tmp/rawio-arm64-node}
if [ -x "$dir/usr/bin/node" ]; then
  echo "$dir"
  exit 0
fi
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
arm64=(nodejs libnode108 libuv1 libssl3 libicu72 libc-ares2 libnghttp2-14 libbrotli1 zlib1g libstdc++6 libgcc-s1 libc6
  libblkid1) # libblkid: the signature check, loaded at run time
all=(node-cjs-module-lexer node-undici node-acorn) # builtins Debian's node loads from /usr/share/nodejs
(cd "$debs" && chmod 777 . && apt-get download -qq "${arm64[@]/%/:arm64}" "${all[@]}" >&2)
mkdir -p "$dir.tmp"
for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$dir.tmp"; done
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
