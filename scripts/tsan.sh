#!/usr/bin/env bash
# The concurrency tests under ThreadSanitizer: a TSan Debug build of only what they need (host,
# plugins, the tests; no load generator, no e2e), hosts on several I/O threads (the test config's
# server.threads is 2), and a failure when any process they start writes a TSan report.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=tsan
# Several users, sockets and threads at once: ordering, backpressure, sessions, app sockets,
# shutdown, faults (reconnect storm, SIGTERM mid-traffic) and the limits.
tests=(test_ordering test_backpressure test_phone_session test_app_socket test_drain test_faults
       test_connection_limits)
scripts/install-deps.sh

start=$(date +%s)
cmake --preset "$preset"
cmake --build --preset "$preset" --target "${tests[@]}"
echo "tsan.sh: build took $(( $(date +%s) - start )) s"

# Every process the tests start inherits this: a race in a glasshub child lands in $reports.
reports="$PWD/build/$preset/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=0:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"

status=0
start=$(date +%s)
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
ctest --preset "$preset" -R "$regex" -j "$(nproc)" --timeout 300 || status=$?
echo "tsan.sh: tests took $(( $(date +%s) - start )) s"
if compgen -G "$reports/*" > /dev/null; then
  echo "tsan.sh: TSan reports were written:"
  for f in "$reports"/*; do echo "== $f"; head -n 80 "$f"; done
  status=1
fi
exit $status
