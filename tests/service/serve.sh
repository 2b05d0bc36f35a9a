#!/usr/bin/env bash
# Start or stop a `cosmicai serve` for the tests (CTest fixtures), by PID.
#   serve.sh start STATE_DIR COSMICAI [serve options...]   fresh STATE_DIR; writes pid, port, endpoint, log
#   serve.sh stop STATE_DIR                                 stops that PID (TERM, then KILL after 5 s)
set -euo pipefail
cmd=${1:?usage: serve.sh start|stop STATE_DIR [COSMICAI args...]}
state=${2:?usage: serve.sh start|stop STATE_DIR [COSMICAI args...]}
case "$cmd" in
start)
  bin=${3:?serve.sh start needs the cosmicai binary}
  shift 3
  if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then kill "$(cat "$state/pid")" || true; fi
  rm -rf "$state"
  mkdir -p "$state"
  "$bin" serve --port 0 --port-file "$state/port" --db "$state/db.sqlite" "$@" >"$state/log" 2>&1 &
  echo $! >"$state/pid"
  for _ in $(seq 1 100); do
    if [ -s "$state/port" ]; then
      echo "http://127.0.0.1:$(cat "$state/port")" >"$state/endpoint"
      echo "serve.sh: $(cat "$state/endpoint") (pid $(cat "$state/pid"))"
      exit 0
    fi
    if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "serve.sh: cosmicai serve did not start:" >&2
  cat "$state/log" >&2
  exit 1
  ;;
stop)
  [ -f "$state/pid" ] || exit 0
  pid=$(cat "$state/pid")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/pid"
  ;;
*)
  echo "serve.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
