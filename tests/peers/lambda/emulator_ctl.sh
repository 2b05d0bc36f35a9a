#!/bin/sh
# Start or stop the Lambda emulator for CTest (a fixture's setup and cleanup), by PID.
#   emulator_ctl.sh start DIR CONFIG   → DIR/pid, DIR/port (Invoke API port), DIR/emulator.log, DIR/env-*.log
#   emulator_ctl.sh stop DIR
set -eu
cmd=$1 dir=$2
case "$cmd" in
start)
  config=$3
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then kill "$(cat "$dir/pid")" || true; fi
  rm -f "$dir/port" "$dir/pid"
  command -v node >/dev/null || { echo "emulator_ctl: node is not installed (the Lambda emulator needs Node 18 or newer)" >&2; exit 1; }
  node "$(dirname "$0")/emulator.js" --config "$config" --port-file "$dir/port" --log-dir "$dir" >"$dir/emulator.log" 2>&1 &
  echo $! >"$dir/pid"
  i=0
  while [ ! -s "$dir/port" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "emulator_ctl: the emulator did not start; its log:" >&2; cat "$dir/emulator.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "emulator pid $(cat "$dir/pid") on 127.0.0.1:$(cat "$dir/port")" ;;
stop)
  [ -f "$dir/pid" ] || exit 0
  pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid" ;;
*) echo "usage: emulator_ctl.sh start DIR CONFIG | stop DIR" >&2; exit 2 ;;
esac
