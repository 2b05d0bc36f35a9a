#!/bin/sh
# A rank of the crash test's Distributed Map: marks itself started, waits for DIR/gate when its
# rank is >= GATE_FROM, then appends one line to DIR/done/RANK (the side effect that must happen
# exactly once) and returns {"rank": RANK}; fails instead (exit 1) while DIR/fail/RANK exists. Event: {"rank": N, "dir": "...", "gate_from": M}.
input=$(cat)
rank=$(printf '%s' "$input" | sed -n 's/.*"rank": *\([0-9][0-9]*\).*/\1/p')
dir=$(printf '%s' "$input" | sed -n 's/.*"dir": *"\([^"]*\)".*/\1/p')
gate_from=$(printf '%s' "$input" | sed -n 's/.*"gate_from": *\([0-9][0-9]*\).*/\1/p')
echo started >>"$dir/started/$rank"
if [ "$rank" -ge "$gate_from" ]; then
  while [ ! -e "$dir/gate" ]; do sleep 0.01; done
fi
sleep 0.02
if [ -e "$dir/fail/$rank" ]; then
  echo "rank $rank fails (fail/$rank exists)" >&2
  exit 1
fi
echo done >>"$dir/done/$rank"
printf '{"rank":%s}\n' "$rank"
