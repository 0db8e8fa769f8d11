#!/usr/bin/env bash
# The README's test command: dependencies, an ASan+UBSan Debug build, every CTest test (unit,
# sockets, processes, install, e2e) and a check that no sanitizer report was written by any
# process. CI (.ci/run) adds the TSan and fuzz stages after it.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${GLASSHUB_TEST_PRESET:-asan}
scripts/install-deps.sh

# The e2e suite's npm packages (@mentra/sdk 2.1.29 and ws, pinned by tests/e2e/package-lock.json):
# installed again only when the lock file changed or node_modules is missing.
e2e_lock_sum=$(sha256sum tests/e2e/package-lock.json | cut -d' ' -f1)
e2e_stamp=tests/e2e/node_modules/.glasshub-lock-sha256
if [[ ! -d tests/e2e/node_modules || "$(cat "$e2e_stamp" 2>/dev/null)" != "$e2e_lock_sum" ]]; then
  npm ci --prefix tests/e2e --no-audit --no-fund
  echo "$e2e_lock_sum" > "$e2e_stamp"
fi

start=$(date +%s)
cmake --preset "$preset"
cmake --build --preset "$preset"
echo "test.sh: build took $(( $(date +%s) - start )) s"

# Every glasshub the tests start inherits these: a sanitizer finding in any child process lands
# in $reports even when the test itself only sees a dead socket.
reports="$PWD/build/$preset/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"

status=0
ctest --preset "$preset" -j "$(nproc)" --timeout 300 || status=$?
if compgen -G "$reports/*" > /dev/null; then
  echo "test.sh: sanitizer reports were written:"
  for f in "$reports"/*; do echo "== $f"; head -n 60 "$f"; done
  status=1
fi
exit $status
