#!/usr/bin/env bash
# Installs dependencies, builds Release and runs the host with the default plugins and the
# embedded default configuration (port 8002). Extra arguments go to glasshub.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
exec build/release/bin/glasshub "$@"
