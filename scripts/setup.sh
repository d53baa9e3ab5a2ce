#!/usr/bin/env bash
# Installs what rawio needs on Debian/Ubuntu, then the npm packages (which build the addon and
# compile the TypeScript). Run as root, or with sudo available. The arm64 cross toolchain,
# liburing-dev:arm64 and qemu-user-static build and smoke-test the arm64 prebuild
# (scripts/prebuild.sh, test/pkg/prebuilds.test.ts); an arm64 Node.js for qemu comes unpacked
# from Debian's packages (scripts/arm64-node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
pkgs=(liburing-dev libblkid1 qemu-utils fio gnuplot-nox python3-pandas clang-format tmux util-linux e2fsprogs
  chromium binutils crossbuild-essential-arm64 liburing-dev:arm64 qemu-user-static)
updated=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  updated=1
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  ((updated)) || $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash scripts/arm64-node.sh >/dev/null || echo "setup: no arm64 Node.js for the qemu smoke test (scripts/arm64-node.sh failed)"
npm ci --no-audit --no-fund
