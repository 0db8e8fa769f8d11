#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang-14, ASan+UBSan) and runs each for a
# bounded time from its seed corpus (docs/fuzzing.md). Exits non-zero on any finding and prints
# the input that caused it.
#   scripts/fuzz.sh [seconds-per-target] [target...]     (default: 30 s; every target)
# Each run starts from the seeds alone, so its length does not grow with earlier runs; set
# GLASSHUB_FUZZ_KEEP_CORPUS=1 to start from what earlier runs found instead.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_frame fuzz_config fuzz_manifest fuzz_jwt)
# A copy of ../shared/protocol-catalog.json, so a clone alone builds the same seeds.
catalog=${GLASSHUB_PROTOCOL_CATALOG:-fuzz/protocol-catalog.json}
build=build/fuzz

scripts/install-deps.sh fuzz
start=$(date +%s)
mkdir -p "$build/logs"
if ! cmake --preset fuzz > "$build/logs/configure.log" 2>&1; then
  cat "$build/logs/configure.log"
  exit 1
fi
cmake --build --preset fuzz
[[ ${GLASSHUB_FUZZ_KEEP_CORPUS:-0} == 1 ]] || rm -rf "$build/corpus"
python3 fuzz/make_corpus.py "$catalog" . "$build"
echo "fuzz.sh: build took $(( $(date +%s) - start )) s"

mkdir -p "$build/findings"
status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/${t#fuzz_}"
  mkdir -p "$corpus"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$build/findings/$t-")
  [[ $t == fuzz_frame ]] && args+=(-dict="$build/frame.dict")
  log="$build/logs/$t.log"
  rc=0
  "$build/bin/$t" "${args[@]}" "$corpus" > "$log" 2>&1 || rc=$?
  summary=$(grep -E '^Done [0-9]+ runs' "$log" || true)
  if ((rc != 0)); then
    status=1
    echo "fuzz.sh: $t FOUND A PROBLEM (exit $rc); log: $log"
    grep -E 'ERROR:|runtime error|fuzz finding|SUMMARY' "$log" | head -n 5 || true
    grep -E 'Test unit written to' "$log" | sed 's/^/fuzz.sh:   /' || true
    echo "fuzz.sh:   replay: $build/bin/$t <that file> (docs/fuzzing.md)"
  else
    echo "fuzz.sh: $t ok: ${summary:-no summary} ($(find "$corpus" -type f | wc -l) corpus files)"
  fi
done
exit $status
