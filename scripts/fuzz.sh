#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/, clang with ASan+UBSan, no LibTorch) and run each for
# SECONDS (default 60) on a copy of its seed corpus. A developer tool, not part of CI.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 jsonata partition
#
# Environment: FUZZ_BUILD (build folder, default build-fuzz), FUZZ_JOBS (targets run at once,
# default 1), FUZZ_WORK (where corpora grow and crashes land, default $FUZZ_BUILD/runs).
# A crash, leak or sanitizer report stops that target; its reproducer is
# $FUZZ_WORK/TARGET/crash-* (rerun: build-fuzz/fuzz/fuzz_TARGET FILE). Exit status 1 when
# any target found something. Needs clang (Debian package: clang).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all=(asl_definition jsonpath payload_template intrinsic jsonata partition pickle store_keys)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
build=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-$build/runs}
jobs=${FUZZ_JOBS:-1}

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCOSMICAI_FUZZ=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

# Per-target input size limits: partitions need room for one sample (20 KiB of pixels).
max_len() {
  case $1 in
    partition) echo 65536 ;;
    pickle | asl_definition) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

run_one() {
  local t=$1 dir="$work/$1"
  mkdir -p "$dir/corpus"
  cp -n fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null || true
  # detect_leaks: a leak is a finding; the stores' temp folders live under $TMPDIR.
  if (cd "$dir" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$OLDPWD/$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
        -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 corpus >"log.txt" 2>&1); then
    echo "$t: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log.txt" | grep -o '[0-9]*$') executions in ${seconds} s"
  else
    echo "$t: FOUND SOMETHING, see $dir/log.txt and $dir/crash-* / leak-* / timeout-*"
    return 1
  fi
}

status=0
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
