#!/usr/bin/env bash
# Installs glasshub's build and test dependencies from Debian 12 packages (run as root).
# `install-deps.sh fuzz` adds clang-14 and its libFuzzer runtime for the fuzz preset.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-url1.81-dev libboost-filesystem1.81-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev catch2
  libssl-dev libjwt-dev libsqlite3-dev libsqlitecpp-dev
  liblc3-dev liblc3-tools
)
if [[ "${1:-}" == fuzz ]]; then
  packages+=(clang-14 libclang-rt-14-dev python3)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for the e2e suite (tests/e2e). Checked by command, not by package: a machine
# whose nodejs package comes from another repository ships npm inside it and conflicts with
# Debian's npm package, which must then not be installed.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present, and node and npm"
fi
