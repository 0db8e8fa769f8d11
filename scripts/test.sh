#!/usr/bin/env bash
# The whole test suite: dependencies, a Debug build, every CTest test (unit, sockets, install).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${GLASSHUB_TEST_PRESET:-debug}
scripts/install-deps.sh
start=$(date +%s)
cmake --preset "$preset"
cmake --build --preset "$preset"
echo "test.sh: build took $(( $(date +%s) - start )) s"
ctest --preset "$preset" -j "$(nproc)" --timeout 300
