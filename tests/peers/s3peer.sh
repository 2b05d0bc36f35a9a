#!/usr/bin/env bash
# Start or stop the loopback S3 peer for the tests: s3rver and the verifying fault proxy.
#   s3peer.sh start STATE_DIR   -> STATE_DIR/env holds S3RVER_PORT, PROXY_PORT and their PIDs;
#                                  exit 77 (CTest: skipped) with STATE_DIR/skip naming the reason
#                                  when Node or the npm packages (npm ci in tests/peers) are missing
#   s3peer.sh stop STATE_DIR    -> stops both by PID and removes the data folder
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?start|stop}
state=${2:?state dir}
mkdir -p "$state"

stop() {
  [ -f "$state/env" ] || return 0
  # shellcheck disable=SC1091
  . "$state/env"
  for p in ${PROXY_PID:-} ${S3RVER_PID:-}; do kill -TERM "$p" 2>/dev/null || true; done
  for p in ${PROXY_PID:-} ${S3RVER_PID:-}; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$state/data" "$state/env"
}

wait_port() {  # LOG PID -> prints the port from "... listening on 127.0.0.1:PORT"
  local log=$1 pid=$2 port=
  for _ in $(seq 1 400); do  # up to ~20 s on a loaded machine
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" 2>/dev/null | head -1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

case "$cmd" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop STATE_DIR" >&2; exit 2 ;;
esac

stop  # a previous run that was interrupted
rm -f "$state/skip"
skip() { echo "$1" > "$state/skip"; echo "SKIPPED: $1"; exit 77; }
command -v node >/dev/null || skip "node is not installed (the S3 peer needs Node 18 or 20)"
[ -f "$here/node_modules/s3rver/bin/s3rver.js" ] || skip "s3rver is not installed: run 'npm ci' in $here (scripts/setup.sh does)"
[ -d "$here/node_modules/@smithy/signature-v4" ] || skip "@smithy/signature-v4 is not installed: run 'npm ci' in $here"

mkdir -p "$state/data"
NODE_OPTIONS=--openssl-legacy-provider node "$here/node_modules/s3rver/bin/s3rver.js" \
  -d "$state/data" -a 127.0.0.1 -p 0 --silent --service-endpoint localhost \
  </dev/null >"$state/s3rver.log" 2>&1 &
s3_pid=$!
if ! s3_port=$(wait_port "$state/s3rver.log" "$s3_pid"); then
  cat "$state/s3rver.log" >&2; kill "$s3_pid" 2>/dev/null; echo "s3rver did not start" >&2; exit 1
fi
UPSTREAM=http://127.0.0.1:$s3_port node "$here/s3proxy.mjs" </dev/null >"$state/s3proxy.log" 2>&1 &
px_pid=$!
if ! px_port=$(wait_port "$state/s3proxy.log" "$px_pid"); then
  cat "$state/s3proxy.log" >&2; kill "$s3_pid" "$px_pid" 2>/dev/null; echo "s3proxy did not start" >&2; exit 1
fi
cat > "$state/env" <<ENV
S3RVER_PORT=$s3_port
S3RVER_PID=$s3_pid
PROXY_PORT=$px_port
PROXY_PID=$px_pid
ENV
echo "s3rver on 127.0.0.1:$s3_port (pid $s3_pid), verifying proxy on 127.0.0.1:$px_port (pid $px_pid)"
