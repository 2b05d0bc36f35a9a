#!/usr/bin/env bash
# The @aws-sdk/client-sfn test (tests/peers/sfn/sfn_sdk_test.mjs) against the fixture's server.
# SKIPPED (77) with the reason when Node or `npm ci` in tests/peers/sfn is missing.
set -euo pipefail
state=${1:?usage: sdk_test.sh STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null; then
  echo "[  SKIPPED ] node is not installed (scripts/setup.sh installs nodejs and runs npm ci in tests/peers/sfn)"
  exit 77
fi
if [ ! -d "$here/../peers/sfn/node_modules/@aws-sdk/client-sfn" ]; then
  echo "[  SKIPPED ] @aws-sdk/client-sfn is not installed: run npm ci in tests/peers/sfn"
  exit 77
fi
exec node "$here/../peers/sfn/sfn_sdk_test.mjs" "$(cat "$state/endpoint")"
