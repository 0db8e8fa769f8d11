#!/usr/bin/env bash
# The one benchmark command of issue 8 (docs/benchmarks.md): builds glasshub and the load
# generator (Release), installs the anchors' npm packages, runs scenarios (a) to (d) against
# glasshub, Bun, Node ws and the floor (bench/anchors/floor, a minimal C++ relay) — each server
# pinned to CPU 0, the load generator to CPU 1 — and appends a table to docs/benchmarks.md (and
# prints it).
#
#   bench/run.sh                 # everything, ~11 minutes once built
#   BENCH_SCENARIOS="a c" BENCH_SERVERS="glasshub bun" bench/run.sh   # a subset
#   BENCH_NO_APPEND=1 bench/run.sh                                    # print, do not append
#   BENCH_ROUNDS=1 bench/run.sh                  # (a) and (b) once each instead of 3 rounds
#
# build/bench is a Release build with GLASSHUB_BUILD_TESTS=ON because the load generator's
# set-up needs the test_app_starter test plugin, which the `release` preset does not build; only
# the six targets the run needs are built.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
command="bench/run.sh${BENCH_SCENARIOS:+ (BENCH_SCENARIOS=\"$BENCH_SCENARIOS\")}${BENCH_SERVERS:+ (BENCH_SERVERS=\"$BENCH_SERVERS\")}${BENCH_WINDOW:+ (BENCH_WINDOW=$BENCH_WINDOW)}${BENCH_ROUNDS:+ (BENCH_ROUNDS=$BENCH_ROUNDS)}"
scenarios=${BENCH_SCENARIOS:-a b c d}
servers=${BENCH_SERVERS:-glasshub bun ws floor}
duration=${BENCH_DURATION:-10}
# Events in flight per user in (c): enough that every server, not the round trip, sets the pace
# (docs/benchmarks.md, "Scenario (c)'s window").
window=${BENCH_WINDOW:-64}
warmup=${BENCH_WARMUP:-2}
build=build/bench

echo "== build ($build, Release)" >&2
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGLASSHUB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target glasshub glasshub-loadgen glasshub_keepalive glasshub_audio \
  test_app_starter glasshub-floor-relay >/dev/null
echo "== anchors (npm ci in bench/anchors)" >&2
(cd bench/anchors && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
bun=bench/anchors/node_modules/.bin/bun

# One socket per connection on each side: scenario (d) needs 2 × users descriptors per process.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)
read -r port_lo port_hi < /proc/sys/net/ipv4/ip_local_port_range
idle_users=${BENCH_IDLE_USERS:-10000}
max_by_fd=$(( (nofile - 256) / 2 ))
max_by_ports=$(( (port_hi - port_lo - 256) / 2 ))
(( idle_users > max_by_fd )) && idle_users=$max_by_fd
(( idle_users > max_by_ports )) && idle_users=$max_by_ports

results=$build/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$results"
"$bun" --version > "$results/version-bun.txt"
node --version > "$results/version-node.txt"
node -p "require('./bench/anchors/node_modules/ws/package.json').version" > "$results/version-ws.txt"

# Measurements only on a quiet machine: wait (up to 5 minutes) for the 1-minute load < 1.0.
wait_quiet() {
  [[ -n ${BENCH_NO_WAIT:-} ]] && return 0
  local i
  for i in $(seq 1 60); do
    awk '{exit !($1 < 1.0)}' /proc/loadavg && return 0
    (( i == 1 )) && echo "   waiting for load < 1.0 ($(cut -d' ' -f1 /proc/loadavg))" >&2
    sleep 5
  done
  echo "   machine still loaded ($(cut -d' ' -f1 /proc/loadavg)); measuring anyway (the table says so)" >&2
}

server_args() {
  case $1 in
    glasshub) echo "--glasshub $build/bin/glasshub" ;;
    bun) echo "--server-cmd '$bun bench/anchors/bun/server.js'" ;;
    ws) echo "--server-cmd 'node bench/anchors/ws/server.js'" ;;
    floor) echo "--server-cmd '$build/bin/glasshub-floor-relay'" ;;
  esac
}

scenario_args() {
  local common="--warmup $warmup --duration $duration"
  case $1 in
    a) echo "--users 200 --apps 3 --rate 20000 $common --drain 3" ;;
    # (b) uses ~0.12 of a core: a window three times as long, or its CPU ratio scatters by ±0.3.
    b) echo "--users 200 --apps 3 --rate 2000 --audio-bytes 3200 --warmup $warmup --duration $(( duration * 3 )) --drain 3" ;;
    c) echo "--users 50 --apps 2 --rate 0 --window $window $common --drain 3" ;;
    d) echo "--users $idle_users --apps 1 --idle --duration 3 --connect-concurrency 256 --setup-timeout 180" ;;
  esac
}

# (a) and (b) run in rounds, the servers taking turns: at a fixed rate a server uses a fraction
# of its core, and this VM moves such a run's CPU-µs by ±10 % from one minute to the next, so the
# median of the rounds stands for each server (bench/report.py). (c) and (d) are steadier.
rounds_of() {
  case $1 in
    a|b) echo "${BENCH_ROUNDS:-3}" ;;
    *) echo 1 ;;
  esac
}

for sc in $scenarios; do
  rounds=$(rounds_of "$sc")
  for r in $(seq 1 "$rounds"); do
    for s in $servers; do
      wait_quiet
      out=$sc-$s
      round=""
      if (( rounds > 1 )); then out=$sc-$s.r$r; round=" (round $r of $rounds)"; fi
      echo "== scenario $sc: $s$round" >&2
      cmd="$build/bin/glasshub-loadgen --spawn $(server_args "$s") --pin $(scenario_args "$sc") --label $sc-$s --json"
      echo "$cmd" > "$results/$out.cmd"
      eval "$cmd" > "$results/$out.json" 2> "$results/$out.txt" || true
      grep -E "deliveries/s|CPU-us per|latency|per connection|lost|note|error" "$results/$out.txt" | sed 's/^/   /' >&2 || true
    done
  done
done

table=$(python3 bench/report.py "$results" "$command" "$servers" "$scenarios")
echo "$table"
if [[ -z ${BENCH_NO_APPEND:-} ]]; then
  grep -q '^## Runs of bench/run.sh' docs/benchmarks.md ||
    printf '\n## Runs of bench/run.sh\n\nEvery run of the one command, appended by it (raw JSON under `%s/results/`).\n' "$build" >> docs/benchmarks.md
  printf '\n%s\n' "$table" >> docs/benchmarks.md
  echo "== appended to docs/benchmarks.md; raw results in $results" >&2
fi
