#!/usr/bin/env bash
# The main job: run the seeds' Cosmic AI state machine with the world11-100MB payload (11 ranks ×
# 100 MB = 1 GB) on the local store, then print the performance table, accuracy and cost.
# Run after scripts/setup.sh (which builds into build/). Synthesizes ./data on first use.
#
# Environment: COSMICAI_BIN (default build/cosmicai), DATA_DIR (default data),
#              PAYLOAD (default examples/cosmic-ai/payloads/world11-100MB.json),
#              COSMICAI_MODEL (a --model for every rank; default: code folder, else built-in).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${COSMICAI_BIN:-build/cosmicai}
DATA=${DATA_DIR:-data}
PAYLOAD=${PAYLOAD:-examples/cosmic-ai/payloads/world11-100MB.json}
MACHINE=examples/cosmic-ai/cai-state-machine.json
if [ ! -x "$BIN" ]; then
  echo "main-job: $BIN not found; run scripts/setup.sh first" >&2
  exit 1
fi
mkdir -p "$DATA"
DATA_ABS=$(cd "$DATA" && pwd)
STORE="file://$DATA_ABS"

# 1. Data: 11 files of 100 MB (5,113 samples each) in the original format, made once.
if [ ! -f "$DATA_ABS/cosmicai-data/100MB/11.pt" ]; then
  echo "main-job: synthesizing 1 GB of 100 MB partitions under $DATA_ABS/cosmicai-data/100MB" >&2
  "$BIN" dataset synth --root "$DATA_ABS" --bucket cosmicai-data --partition-mb 100 --total-mb 1024
fi

# 2. The workflow: Initialize → Distributed Map (one Model Inference per rank) → Summarize.
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
model_args=()
if [ -n "${COSMICAI_MODEL:-}" ]; then model_args=(--model "$COSMICAI_MODEL"); fi
echo "main-job: running $MACHINE with $PAYLOAD on $STORE" >&2
start=$(date +%s.%N)
status=0
"$BIN" run "$MACHINE" --input "$PAYLOAD" --store "$STORE" "${model_args[@]}" >"$out_dir/run.json" || status=$?
end=$(date +%s.%N)
if [ "$status" -ne 0 ]; then
  echo "main-job: the execution did not succeed (exit $status):" >&2
  cat "$out_dir/run.json" >&2
  exit "$status"
fi

# 3. The performance table, accuracy and cost (also in RESULT_PATH/summary.json).
echo
"$BIN" report "$out_dir/run.json"
awk -v s="$start" -v e="$end" 'BEGIN { printf "execution wall time (Initialize to Summarize): %.1f s\n", e - s }'
