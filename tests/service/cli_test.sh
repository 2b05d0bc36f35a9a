#!/usr/bin/env bash
# Debian's AWS CLI v2 (`aws stepfunctions … --endpoint-url`) against the fixture's server: every
# operation, paging, and the error shapes. SKIPPED (77) with the reason when no CLI v2 is installed.
# CLI v2 cannot turn off the `sync-` host prefix of StartSyncExecution, so that call goes through
# HTTP_PROXY pointing at the server itself (it accepts the proxy's absolute-form requests).
set -uo pipefail
state=${1:?usage: cli_test.sh STATE_DIR}
endpoint=$(cat "$state/endpoint")
aws_bin=${AWS_CLI_V2:-/usr/bin/aws}
if [ ! -x "$aws_bin" ] || ! "$aws_bin" --version 2>/dev/null | grep -q '^aws-cli/2\.'; then
  echo "[  SKIPPED ] AWS CLI v2 is not installed at $aws_bin (Debian package awscli; scripts/setup.sh installs it)"
  exit 77
fi
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_MAX_ATTEMPTS=1
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
sfn() { "$aws_bin" --endpoint-url "$endpoint" stepfunctions "$@"; }
P=arn:aws:states:us-east-1:123456789012
ROLE=arn:aws:iam::123456789012:role/cli-test
failures=0
pass() { echo "ok - $1"; }
bad() { echo "FAILED - $1" >&2; failures=$((failures + 1)); }
expect_eq() {  # NAME ACTUAL EXPECTED (runs of blanks, tabs and newlines compare equal)
  local a b
  a=$(tr -s ' \t\n' '   ' <<<"$2" | sed 's/ $//')
  b=$(tr -s ' \t\n' '   ' <<<"$3" | sed 's/ $//')
  if [ "$a" == "$b" ]; then pass "$1"; else bad "$1: got '$2', expected '$3'"; fi
}
expect_error() {  # NAME ERROR_TYPE MESSAGE_PART cmd...
  local name=$1 type=$2 part=$3 out rc
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc -eq 254 ] && grep -qF "An error occurred ($type)" <<<"$out" && grep -qF -- "$part" <<<"$out"; then
    pass "$name"
  else
    bad "$name: rc=$rc, output: $out"
  fi
}
flat() {  # JSON on stdin → its list items (or the value) separated by spaces
  python3 -c 'import json, sys; v = json.load(sys.stdin); print(" ".join(map(str, v)) if isinstance(v, list) else v)'
}
wait_done() {  # ARN → final status
  local s
  for _ in $(seq 1 200); do
    s=$(sfn describe-execution --execution-arn "$1" --query status --output text)
    [ "$s" != RUNNING ] && { echo "$s"; return; }
    sleep 0.05
  done
  echo RUNNING
}
TASK='{"StartAt":"Echo","States":{"Echo":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity","ResultPath":"$.echo","End":true}}}'
WAIT='{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}'
MAP='{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}'

# --- state machines ---
arn=$(sfn create-state-machine --name cli-task --definition "$TASK" --role-arn "$ROLE" --tags key=team,value=cosmic \
  --query stateMachineArn --output text)
expect_eq "create-state-machine" "$arn" "$P:stateMachine:cli-task"
created=$(sfn describe-state-machine --state-machine-arn "$arn" --query creationDate --output text)
[[ "$created" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T ]] && pass "creationDate parses as a timestamp ($created)" || bad "creationDate: $created"
expect_eq "describe-state-machine" "$(sfn describe-state-machine --state-machine-arn "$arn" --query '[name,type,status,roleArn]' --output text)" \
  "cli-task	STANDARD	ACTIVE	$ROLE"
expect_error "create-state-machine: a different definition is StateMachineAlreadyExists" StateMachineAlreadyExists "$arn" \
  sfn create-state-machine --name cli-task --definition "$WAIT" --role-arn "$ROLE"
expect_error "create-state-machine: InvalidDefinition" InvalidDefinition "SCHEMA_VALIDATION_FAILED" \
  sfn create-state-machine --name cli-bad --definition '{"StartAt":"X","States":{}}' --role-arn "$ROLE"
expect_error "describe-state-machine: unknown ARN" StateMachineDoesNotExist "State Machine Does Not Exist: '$P:stateMachine:ghost'" \
  sfn describe-state-machine --state-machine-arn "$P:stateMachine:ghost"
expect_error "describe-state-machine: invalid ARN" InvalidArn "Invalid ARN prefix" \
  sfn describe-state-machine --state-machine-arn nonsense
# ValidateStateMachineDefinition is newer than CLI 2.9.19's model (no such subcommand); the SDK test covers it.
rev=$(sfn update-state-machine --state-machine-arn "$arn" --role-arn "$ROLE-2" --query revisionId --output text)
expect_eq "update-state-machine" "$(sfn describe-state-machine --state-machine-arn "$arn" --query '[roleArn,revisionId]' --output text)" "$ROLE-2	$rev"
expect_error "update-state-machine: nothing to update" MissingRequiredParameter "must be specified" \
  sfn update-state-machine --state-machine-arn "$arn"
for i in 0 1 2 3 4; do sfn create-state-machine --name "cli-page-$i" --definition "$WAIT" --role-arn "$ROLE" >/dev/null; done
expect_eq "list-state-machines --page-size 2 (the CLI follows every nextToken)" \
  "$(sfn list-state-machines --page-size 2 --query 'length(stateMachines)' --output json)" 6
tok=$(sfn list-state-machines --max-items 4 --page-size 2 --query NextToken --output json | flat)
expect_eq "list-state-machines --starting-token continues after --max-items" \
  "$(sfn list-state-machines --starting-token "$tok" --page-size 2 --query 'stateMachines[].name' --output json | flat)" "cli-page-3 cli-page-4"
expect_error "list-state-machines: maxResults 1001" ValidationException "less than or equal to 1000" \
  sfn list-state-machines --max-results 1001 --no-paginate
expect_error "list-state-machines: foreign nextToken" InvalidToken "Invalid Token" \
  sfn list-state-machines --next-token bogus --no-paginate

# --- executions ---
ex=$(sfn start-execution --state-machine-arn "$arn" --name run-1 --input '{"a":1}' --query executionArn --output text)
expect_eq "start-execution" "$ex" "$P:execution:cli-task:run-1"
expect_eq "describe-execution: SUCCEEDED" "$(wait_done "$ex")" SUCCEEDED
expect_eq "describe-execution: output" "$(sfn describe-execution --execution-arn "$ex" --query output --output text)" '{"a":1,"echo":{"a":1}}'
expect_error "start-execution: same name, different input" ExecutionAlreadyExists "Execution Already Exists: '$ex'" \
  sfn start-execution --state-machine-arn "$arn" --name run-1 --input '{"a":2}'
expect_error "start-execution: malformed input" InvalidExecutionInput "Invalid State Machine Execution Input" \
  sfn start-execution --state-machine-arn "$arn" --input '{oops'
python3 -c 'import json; print(json.dumps({"x": "y" * 262144}))' >"$state/big-input.json"
expect_error "start-execution: oversized input" ValidationException "262144" \
  sfn start-execution --state-machine-arn "$arn" --input "file://$state/big-input.json"
expect_error "describe-execution: unknown ARN" ExecutionDoesNotExist "Execution Does Not Exist: '$P:execution:cli-task:nope'" \
  sfn describe-execution --execution-arn "$P:execution:cli-task:nope"
expect_eq "get-execution-history: every event, ids 1..7" \
  "$(sfn get-execution-history --execution-arn "$ex" --page-size 2 --query 'events[].id' --output json | flat)" "1 2 3 4 5 6 7"
expect_eq "get-execution-history --reverse-order" \
  "$(sfn get-execution-history --execution-arn "$ex" --reverse-order --max-items 2 --page-size 2 --query 'events[].type' --output json | flat)" \
  "ExecutionSucceeded	TaskStateExited"
expect_eq "get-execution-history --no-include-execution-data" \
  "$(sfn get-execution-history --execution-arn "$ex" --no-include-execution-data --query 'events[0].executionStartedEventDetails.input' --output text)" None
for i in 1 2 3; do sfn start-execution --state-machine-arn "$arn" --name "more-$i" >/dev/null; done
for i in 1 2 3; do wait_done "$P:execution:cli-task:more-$i" >/dev/null; done
expect_eq "list-executions --page-size 2: newest first" \
  "$(sfn list-executions --state-machine-arn "$arn" --page-size 2 --query 'executions[].name' --output json | flat)" "more-3 more-2 more-1 run-1"
wait_arn=$(sfn describe-state-machine --state-machine-arn "$P:stateMachine:cli-page-0" --query stateMachineArn --output text)
long=$(sfn start-execution --state-machine-arn "$wait_arn" --name long --query executionArn --output text)
sleep 0.2
expect_eq "list-executions --status-filter RUNNING" \
  "$(sfn list-executions --state-machine-arn "$wait_arn" --status-filter RUNNING --query 'executions[].name' --output text)" long
stop=$(sfn stop-execution --execution-arn "$long" --error User.Stop --cause test --query stopDate --output text)
[[ "$stop" =~ ^20 ]] && pass "stop-execution returns stopDate" || bad "stop-execution: $stop"
expect_eq "describe-execution after stop" "$(sfn describe-execution --execution-arn "$long" --query '[status,error]' --output text)" "ABORTED	User.Stop"
expect_eq "list-executions --status-filter ABORTED" \
  "$(sfn list-executions --state-machine-arn "$wait_arn" --status-filter ABORTED --query 'executions[].name' --output text)" long

# --- express, sync ---
xarn=$(sfn create-state-machine --name cli-express --type EXPRESS --definition "$TASK" --role-arn "$ROLE" --query stateMachineArn --output text)
expect_eq "start-sync-execution (through HTTP_PROXY)" \
  "$(HTTP_PROXY=$endpoint sfn start-sync-execution --state-machine-arn "$xarn" --input '{"q":1}' --query '[status,output]' --output text)" \
  'SUCCEEDED	{"q":1,"echo":{"q":1}}'
expect_error "start-sync-execution on STANDARD" StateMachineTypeNotSupported "not supported" \
  env HTTP_PROXY="$endpoint" "$aws_bin" --endpoint-url "$endpoint" stepfunctions start-sync-execution --state-machine-arn "$arn"

# --- Map Runs ---
marn=$(sfn create-state-machine --name cli-map --definition "$MAP" --role-arn "$ROLE" --query stateMachineArn --output text)
mex=$(sfn start-execution --state-machine-arn "$marn" --input '{"items":[1,2,3]}' --query executionArn --output text)
expect_eq "Distributed Map execution" "$(wait_done "$mex")" SUCCEEDED
mr=$(sfn list-map-runs --execution-arn "$mex" --query 'mapRuns[0].mapRunArn' --output text)
[[ "$mr" == "$P:mapRun:cli-map/M:"* ]] && pass "list-map-runs" || bad "list-map-runs: $mr"
expect_eq "describe-map-run" "$(sfn describe-map-run --map-run-arn "$mr" --query '[status,itemCounts.total,itemCounts.succeeded]' --output text)" \
  "SUCCEEDED	3	3"
expect_error "describe-map-run: unknown" ResourceNotFound "Resource not found" sfn describe-map-run --map-run-arn "$P:mapRun:cli-map/M:x"

# --- tags, delete ---
sfn tag-resource --resource-arn "$arn" --tags key=stage,value=test && pass "tag-resource" || bad "tag-resource"
expect_eq "list-tags-for-resource" "$(sfn list-tags-for-resource --resource-arn "$arn" --query 'tags[].key' --output text)" "stage	team"
sfn untag-resource --resource-arn "$arn" --tag-keys team && pass "untag-resource" || bad "untag-resource"
expect_eq "list-tags-for-resource after untag" "$(sfn list-tags-for-resource --resource-arn "$arn" --query 'tags[].key' --output text)" stage
expect_error "tag-resource: unknown resource" ResourceNotFound "Resource not found" \
  sfn tag-resource --resource-arn "$P:stateMachine:ghost" --tags key=a,value=b
sfn delete-state-machine --state-machine-arn "$xarn" && pass "delete-state-machine (empty reply)" || bad "delete-state-machine"
expect_error "describe-state-machine after delete" StateMachineDoesNotExist "$xarn" sfn describe-state-machine --state-machine-arn "$xarn"

if [ $failures -ne 0 ]; then
  echo "$failures checks failed" >&2
  exit 1
fi
echo "all checks passed"
