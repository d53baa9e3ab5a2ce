#!/usr/bin/env bash
# Builds the prebuilt addons the npm package ships: prebuilds/linux-x64/ and prebuilds/linux-arm64/
# (glibc), with prebuildify (N-API, stripped), liburing and libstdc++ linked statically and glibc
# symbol versions kept at or below 2.28 (RAWIO_PORTABLE=1: binding.gyp, native/util/glibc_compat.cc).
# arm64 is cross-built with Debian's crossbuild-essential-arm64 and liburing-dev:arm64
# (scripts/setup.sh installs them). Each build runs in a throwaway project directory, so build/
# (the local build) is left alone.
# `npm pack` runs it with --stale (prepack): only missing or out-of-date prebuilds are built, then
# scripts/check-prebuilds.js fails the pack unless both are there and pass.
#   bash scripts/prebuild.sh [--stale] [x64] [arm64]        (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
stale=0
if [ "${1:-}" = "--stale" ]; then stale=1; shift; fi
wanted=("$@")
((${#wanted[@]})) || wanted=(x64 arm64)
archs=()
for arch in "${wanted[@]}"; do
  if ((stale)) && node scripts/check-prebuilds.js "$arch" >/dev/null 2>&1; then
    echo "prebuild: prebuilds/linux-$arch is current"
  else
    archs+=("$arch")
  fi
done
host=$(node -p process.arch)
work=$(mktemp -d /tmp/rawio-prebuild.XXXXXX)
trap 'rm -rf "$work"' EXIT
for arch in "${archs[@]}"; do
  proj=$work/$arch
  mkdir -p "$proj"
  for f in binding.gyp package.json native scripts node_modules; do ln -s "$root/$f" "$proj/$f"; done
  env=(RAWIO_PORTABLE=1)
  if [ "$arch" != "$host" ]; then
    case $arch in
      arm64) triple=aarch64-linux-gnu ;;
      x64) triple=x86_64-linux-gnu ;;
      *) echo "prebuild: no cross compiler known for $arch" >&2; exit 1 ;;
    esac
    command -v "$triple-g++" >/dev/null ||
      { echo "prebuild: $triple-g++ is missing (apt-get install crossbuild-essential-${arch/x64/amd64})" >&2; exit 1; }
    env+=(CC="$triple-gcc" CXX="$triple-g++" LINK="$triple-g++" AR="$triple-ar" PREBUILD_STRIP_BIN="$triple-strip")
  fi
  echo "== prebuild linux-$arch"
  rm -rf "prebuilds/linux-$arch"
  (cd "$proj" && env "${env[@]}" npx prebuildify --napi --strip --tag-libc --arch "$arch" --out "$root" \
    >"$work/$arch.log" 2>&1) || { tail -40 "$work/$arch.log"; exit 1; }
  ls -l "prebuilds/linux-$arch"
done
node scripts/check-prebuilds.js "${wanted[@]}"
