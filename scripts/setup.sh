#!/usr/bin/env bash
# Installs what rawio needs on Debian/Ubuntu, then the npm packages (which build
# the addon and compile the TypeScript). Run as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(liburing-dev libblkid1 qemu-utils fio clang-format tmux util-linux e2fsprogs chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
