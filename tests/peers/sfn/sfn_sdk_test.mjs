// Drives `cosmicai serve` with the AWS SDK for JavaScript v3 (@aws-sdk/client-sfn): every
// operation the server offers, paging, and each error shape. Usage:
//   node sfn_sdk_test.mjs http://127.0.0.1:PORT
// Exit 0 when every check passes, 1 on the first failure, 77 (skip) without node_modules.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, "node_modules", "@aws-sdk", "client-sfn"))) {
  console.log("[  SKIPPED ] @aws-sdk/client-sfn is not installed: run `npm ci` in tests/peers/sfn");
  process.exit(77);
}
const sfn = await import("@aws-sdk/client-sfn");
const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node sfn_sdk_test.mjs http://127.0.0.1:PORT");
  process.exit(2);
}

const client = new sfn.SFNClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  maxAttempts: 1,
  disableHostPrefix: true, // StartSyncExecution's "sync-" host prefix
});
const send = (Command, input) => client.send(new Command(input));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROLE = "arn:aws:iam::123456789012:role/sdk-test";
const ACCOUNT_PREFIX = "arn:aws:states:us-east-1:123456789012";

let checks = 0;
async function check(name, fn) {
  try {
    await fn();
    checks++;
    console.log(`ok - ${name}`);
  } catch (e) {
    console.error(`FAILED - ${name}:`, e);
    process.exit(1);
  }
}
async function expectError(promise, name, messagePart) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `error name (message: ${e.message})`);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    assert.equal(e.$fault, "client");
    if (messagePart) assert.ok(e.message.includes(messagePart), `message '${e.message}' lacks '${messagePart}'`);
    return e;
  }
  assert.fail(`expected ${name}`);
}
async function waitDone(executionArn, timeoutMs = 20000) {
  const t0 = Date.now();
  for (;;) {
    const d = await send(sfn.DescribeExecutionCommand, { executionArn });
    if (d.status !== "RUNNING") return d;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${executionArn} still RUNNING`);
    await sleep(20);
  }
}

const taskDef = {
  Comment: "one Lambda task",
  StartAt: "Echo",
  States: {
    Echo: { Type: "Task", Resource: "arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity", ResultPath: "$.echo", End: true },
  },
};
const failDef = {
  StartAt: "F",
  States: { F: { Type: "Fail", Error: "Custom.Error", CausePath: "States.Format('because {}', $$.Execution.RedriveCount)" } },
};
const waitDef = { StartAt: "W", States: { W: { Type: "Wait", Seconds: 3600, End: true } } };
const mapDef = {
  StartAt: "M",
  States: {
    M: {
      Type: "Map",
      ItemsPath: "$.items",
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
        StartAt: "Double",
        States: { Double: { Type: "Pass", Parameters: { "v.$": "States.MathAdd($, $)" }, End: true } },
      },
      End: true,
    },
  },
};

let smArn, waitArn, mapArn, expressArn;

await check("CreateStateMachine (STANDARD, tags) returns ARN and epoch creationDate", async () => {
  const r = await send(sfn.CreateStateMachineCommand, {
    name: "sdk-task", definition: JSON.stringify(taskDef), roleArn: ROLE, tags: [{ key: "team", value: "cosmic" }],
  });
  smArn = r.stateMachineArn;
  assert.equal(smArn, `${ACCOUNT_PREFIX}:stateMachine:sdk-task`);
  assert.ok(r.creationDate instanceof Date && Math.abs(r.creationDate - Date.now()) < 60000);
});

await check("CreateStateMachine is idempotent; a different definition is StateMachineAlreadyExists", async () => {
  const again = await send(sfn.CreateStateMachineCommand, { name: "sdk-task", definition: JSON.stringify(taskDef), roleArn: ROLE });
  assert.equal(again.stateMachineArn, smArn);
  await expectError(send(sfn.CreateStateMachineCommand, { name: "sdk-task", definition: JSON.stringify(failDef), roleArn: ROLE }),
    "StateMachineAlreadyExists", smArn);
});

await check("CreateStateMachine errors: InvalidDefinition, InvalidName, missing roleArn", async () => {
  const e = await expectError(send(sfn.CreateStateMachineCommand, {
    name: "sdk-bad", definition: JSON.stringify({ StartAt: "X", States: { X: { Type: "Bogus" } } }), roleArn: ROLE,
  }), "InvalidDefinition", "Invalid State Machine Definition");
  assert.ok(e.message.includes("/States/X"), e.message);
  await expectError(send(sfn.CreateStateMachineCommand, { name: "sdk-bad", definition: "{not json", roleArn: ROLE }),
    "InvalidDefinition", "INVALID_JSON_DESCRIPTION");
  await expectError(send(sfn.CreateStateMachineCommand, { name: "bad name", definition: JSON.stringify(taskDef), roleArn: ROLE }),
    "InvalidName", "Invalid Name: 'bad name'");
  await expectError(send(sfn.CreateStateMachineCommand, { name: "sdk-norole", definition: JSON.stringify(taskDef) }),
    "ValidationException", "'roleArn'");
});

await check("DescribeStateMachine, unknown ARN, invalid ARN", async () => {
  const d = await send(sfn.DescribeStateMachineCommand, { stateMachineArn: smArn });
  assert.equal(d.name, "sdk-task");
  assert.equal(d.type, "STANDARD");
  assert.equal(d.status, "ACTIVE");
  assert.equal(d.roleArn, ROLE);
  assert.deepEqual(JSON.parse(d.definition), taskDef);
  assert.ok(d.creationDate instanceof Date);
  await expectError(send(sfn.DescribeStateMachineCommand, { stateMachineArn: `${ACCOUNT_PREFIX}:stateMachine:nope` }),
    "StateMachineDoesNotExist", `State Machine Does Not Exist: '${ACCOUNT_PREFIX}:stateMachine:nope'`);
  await expectError(send(sfn.DescribeStateMachineCommand, { stateMachineArn: "not-an-arn" }), "InvalidArn", "Invalid ARN prefix");
});

await check("ValidateStateMachineDefinition: OK and FAIL with diagnostics", async () => {
  const ok = await send(sfn.ValidateStateMachineDefinitionCommand, { definition: JSON.stringify(taskDef) });
  assert.equal(ok.result, "OK");
  assert.deepEqual(ok.diagnostics, []);
  const bad = await send(sfn.ValidateStateMachineDefinitionCommand, {
    definition: JSON.stringify({ StartAt: "Missing", States: { A: { Type: "Pass", End: true } } }),
  });
  assert.equal(bad.result, "FAIL");
  assert.ok(bad.diagnostics.length >= 1);
  assert.equal(bad.diagnostics[0].severity, "ERROR");
  assert.equal(bad.diagnostics[0].code, "SCHEMA_VALIDATION_FAILED");
});

await check("UpdateStateMachine changes the definition; nothing to change is MissingRequiredParameter", async () => {
  const u = await send(sfn.UpdateStateMachineCommand, { stateMachineArn: smArn, definition: JSON.stringify(taskDef), roleArn: ROLE + "2" });
  assert.ok(u.updateDate instanceof Date);
  assert.ok(u.revisionId);
  const d = await send(sfn.DescribeStateMachineCommand, { stateMachineArn: smArn });
  assert.equal(d.roleArn, ROLE + "2");
  assert.equal(d.revisionId, u.revisionId);
  await expectError(send(sfn.UpdateStateMachineCommand, { stateMachineArn: smArn }), "MissingRequiredParameter");
});

let execArn;
await check("StartExecution runs the Task; DescribeExecution shows output and epoch dates", async () => {
  const s = await send(sfn.StartExecutionCommand, { stateMachineArn: smArn, name: "run-1", input: JSON.stringify({ a: 1 }) });
  execArn = s.executionArn;
  assert.equal(execArn, `${ACCOUNT_PREFIX}:execution:sdk-task:run-1`);
  assert.ok(s.startDate instanceof Date);
  const d = await waitDone(execArn);
  assert.equal(d.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d.output), { a: 1, echo: { a: 1 } });
  assert.deepEqual(JSON.parse(d.input), { a: 1 });
  assert.ok(d.stopDate >= d.startDate);
});

await check("StartExecution: same name + same input of a finished execution and different input are ExecutionAlreadyExists", async () => {
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: smArn, name: "run-1", input: JSON.stringify({ a: 2 }) }),
    "ExecutionAlreadyExists", `Execution Already Exists: '${execArn}'`);
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: smArn, name: "run-1", input: JSON.stringify({ a: 1 }) }),
    "ExecutionAlreadyExists");
});

await check("StartExecution errors: bad input JSON, oversized input, unknown machine", async () => {
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: smArn, input: "{oops" }), "InvalidExecutionInput",
    "Invalid State Machine Execution Input");
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: smArn, input: JSON.stringify({ big: "x".repeat(262144) }) }),
    "ValidationException", "262144");
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: `${ACCOUNT_PREFIX}:stateMachine:ghost` }), "StateMachineDoesNotExist");
});

await check("GetExecutionHistory: events in order, paging, reverseOrder, includeExecutionData=false", async () => {
  const all = await send(sfn.GetExecutionHistoryCommand, { executionArn: execArn });
  const types = all.events.map((e) => e.type);
  assert.deepEqual(types, ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]);
  all.events.forEach((e, i) => {
    assert.equal(e.id, i + 1);
    assert.ok(e.timestamp instanceof Date);
  });
  assert.deepEqual(JSON.parse(all.events[0].executionStartedEventDetails.input), { a: 1 });
  const paged = [];
  for await (const page of sfn.paginateGetExecutionHistory({ client, pageSize: 2 }, { executionArn: execArn })) {
    assert.ok(page.events.length <= 2);
    paged.push(...page.events.map((e) => e.id));
  }
  assert.deepEqual(paged, [1, 2, 3, 4, 5, 6, 7]);
  const rev = [];
  for await (const page of sfn.paginateGetExecutionHistory({ client, pageSize: 3 }, { executionArn: execArn, reverseOrder: true })) {
    rev.push(...page.events.map((e) => e.id));
  }
  assert.deepEqual(rev, [7, 6, 5, 4, 3, 2, 1]);
  const noData = await send(sfn.GetExecutionHistoryCommand, { executionArn: execArn, includeExecutionData: false });
  assert.equal(noData.events[0].executionStartedEventDetails.input, undefined);
  assert.equal(noData.events[6].executionSucceededEventDetails.output, undefined);
  await expectError(send(sfn.GetExecutionHistoryCommand, { executionArn: execArn, nextToken: "bogus" }), "InvalidToken", "Invalid Token");
  await expectError(send(sfn.GetExecutionHistoryCommand, { executionArn: execArn, maxResults: 1001 }), "ValidationException",
    "Member must have value less than or equal to 1000");
  await expectError(send(sfn.GetExecutionHistoryCommand, { executionArn: `${ACCOUNT_PREFIX}:execution:sdk-task:nope` }),
    "ExecutionDoesNotExist", `Execution Does Not Exist: '${ACCOUNT_PREFIX}:execution:sdk-task:nope'`);
});

await check("ListStateMachines pages through every machine once", async () => {
  for (let i = 0; i < 5; i++) {
    await send(sfn.CreateStateMachineCommand, { name: `sdk-page-${i}`, definition: JSON.stringify(failDef), roleArn: ROLE });
  }
  const names = [];
  let pages = 0;
  for await (const page of sfn.paginateListStateMachines({ client, pageSize: 2 }, {})) {
    pages++;
    assert.ok(page.stateMachines.length <= 2);
    for (const m of page.stateMachines) {
      assert.ok(m.creationDate instanceof Date);
      names.push(m.name);
    }
  }
  assert.ok(pages >= 3);
  assert.equal(new Set(names).size, names.length);
  for (let i = 0; i < 5; i++) assert.ok(names.includes(`sdk-page-${i}`));
});

await check("ListExecutions: newest first, status filter, paging", async () => {
  const failArn = `${ACCOUNT_PREFIX}:stateMachine:sdk-page-0`;
  const started = [];
  for (let i = 0; i < 5; i++) {
    started.push((await send(sfn.StartExecutionCommand, { stateMachineArn: failArn, name: `f-${i}` })).executionArn);
  }
  for (const arn of started) assert.equal((await waitDone(arn)).status, "FAILED");
  const d = await send(sfn.DescribeExecutionCommand, { executionArn: started[0] });
  assert.equal(d.error, "Custom.Error");
  assert.equal(d.cause, "because 0"); // $$.Execution.RedriveCount before any redrive
  assert.equal(d.output, undefined);
  const seen = [];
  for await (const page of sfn.paginateListExecutions({ client, pageSize: 2 }, { stateMachineArn: failArn, statusFilter: "FAILED" })) {
    assert.ok(page.executions.length <= 2);
    seen.push(...page.executions.map((e) => e.name));
  }
  assert.deepEqual(seen, ["f-4", "f-3", "f-2", "f-1", "f-0"]);
  const none = await send(sfn.ListExecutionsCommand, { stateMachineArn: failArn, statusFilter: "SUCCEEDED" });
  assert.deepEqual(none.executions, []);
  await expectError(send(sfn.ListExecutionsCommand, { stateMachineArn: failArn, statusFilter: "BOGUS" }), "ValidationException");
});

await check("RedriveExecution runs a FAILED execution again; a SUCCEEDED one is ExecutionNotRedrivable", async () => {
  const failed = `${ACCOUNT_PREFIX}:execution:sdk-page-0:f-0`;
  const before = await send(sfn.DescribeExecutionCommand, { executionArn: failed });
  assert.equal(before.redriveStatus, "REDRIVABLE");
  const r = await send(sfn.RedriveExecutionCommand, { executionArn: failed });
  assert.ok(r.redriveDate instanceof Date);
  const d = await waitDone(failed);
  assert.equal(d.status, "FAILED"); // a Fail state fails again
  assert.equal(d.redriveCount, 1);
  assert.equal(d.cause, "because 1"); // the redriven attempt sees $$.Execution.RedriveCount 1
  assert.ok(d.redriveDate instanceof Date);
  const h = await send(sfn.GetExecutionHistoryCommand, { executionArn: failed });
  const types = h.events.map((e) => e.type);
  assert.deepEqual(types, ["ExecutionStarted", "FailStateEntered", "ExecutionFailed", "ExecutionRedriven", "FailStateEntered", "ExecutionFailed"]);
  assert.deepEqual(h.events.map((e) => e.id), [1, 2, 3, 4, 5, 6]);
  assert.equal(h.events[3].executionRedrivenEventDetails.redriveCount, 1);
  await expectError(send(sfn.RedriveExecutionCommand, { executionArn: execArn }), "ExecutionNotRedrivable", "SUCCEEDED");
});

await check("StopExecution aborts a running execution; StartExecution is idempotent while it runs", async () => {
  waitArn = (await send(sfn.CreateStateMachineCommand, { name: "sdk-wait", definition: JSON.stringify(waitDef), roleArn: ROLE })).stateMachineArn;
  const s = await send(sfn.StartExecutionCommand, { stateMachineArn: waitArn, name: "long", input: "{}" });
  const again = await send(sfn.StartExecutionCommand, { stateMachineArn: waitArn, name: "long", input: "{}" });
  assert.equal(again.executionArn, s.executionArn);
  assert.equal(again.startDate.getTime(), s.startDate.getTime());
  await sleep(100);
  const running = await send(sfn.ListExecutionsCommand, { stateMachineArn: waitArn, statusFilter: "RUNNING" });
  assert.deepEqual(running.executions.map((e) => e.name), ["long"]);
  const stop = await send(sfn.StopExecutionCommand, { executionArn: s.executionArn, error: "User.Stop", cause: "test" });
  assert.ok(stop.stopDate instanceof Date);
  const d = await send(sfn.DescribeExecutionCommand, { executionArn: s.executionArn });
  assert.equal(d.status, "ABORTED");
  assert.equal(d.error, "User.Stop");
  await sleep(100);
  const h = await send(sfn.GetExecutionHistoryCommand, { executionArn: s.executionArn, reverseOrder: true, maxResults: 1 });
  assert.equal(h.events[0].type, "ExecutionAborted");
  assert.ok(h.nextToken);
});

await check("StartSyncExecution runs an EXPRESS machine; a STANDARD one is StateMachineTypeNotSupported", async () => {
  expressArn = (await send(sfn.CreateStateMachineCommand, {
    name: "sdk-express", type: "EXPRESS", definition: JSON.stringify(taskDef), roleArn: ROLE,
  })).stateMachineArn;
  const r = await send(sfn.StartSyncExecutionCommand, { stateMachineArn: expressArn, input: JSON.stringify({ q: "z" }) });
  assert.equal(r.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(r.output), { q: "z", echo: { q: "z" } });
  assert.ok(r.executionArn.startsWith(`${ACCOUNT_PREFIX}:express:sdk-express:`));
  assert.ok(r.startDate instanceof Date && r.stopDate instanceof Date);
  assert.ok(r.billingDetails.billedDurationInMilliseconds >= 100);
  await expectError(send(sfn.StartSyncExecutionCommand, { stateMachineArn: smArn }), "StateMachineTypeNotSupported");
});

await check("DescribeMapRun and ListMapRuns for a Distributed Map", async () => {
  mapArn = (await send(sfn.CreateStateMachineCommand, { name: "sdk-map", definition: JSON.stringify(mapDef), roleArn: ROLE })).stateMachineArn;
  const s = await send(sfn.StartExecutionCommand, { stateMachineArn: mapArn, input: JSON.stringify({ items: [1, 2, 3, 4, 5] }) });
  const d = await waitDone(s.executionArn);
  assert.equal(d.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d.output), [{ v: 2 }, { v: 4 }, { v: 6 }, { v: 8 }, { v: 10 }]);
  const runs = await send(sfn.ListMapRunsCommand, { executionArn: s.executionArn });
  assert.equal(runs.mapRuns.length, 1);
  assert.ok(runs.mapRuns[0].mapRunArn.startsWith(`${ACCOUNT_PREFIX}:mapRun:sdk-map/M:`));
  assert.equal(runs.mapRuns[0].stateMachineArn, `${ACCOUNT_PREFIX}:stateMachine:sdk-map/M`);
  const m = await send(sfn.DescribeMapRunCommand, { mapRunArn: runs.mapRuns[0].mapRunArn });
  assert.equal(m.status, "SUCCEEDED");
  assert.equal(m.executionArn, s.executionArn);
  assert.equal(m.maxConcurrency, 2);
  assert.equal(m.itemCounts.total, 5);
  assert.equal(m.itemCounts.succeeded, 5);
  assert.equal(m.itemCounts.failed, 0);
  assert.ok(m.startDate instanceof Date && m.stopDate instanceof Date);
  const h = await send(sfn.GetExecutionHistoryCommand, { executionArn: s.executionArn });
  assert.ok(h.events.some((e) => e.type === "MapRunStarted" && e.mapRunStartedEventDetails.mapRunArn === runs.mapRuns[0].mapRunArn));
  await expectError(send(sfn.DescribeMapRunCommand, { mapRunArn: `${ACCOUNT_PREFIX}:mapRun:sdk-map/M:nope` }), "ResourceNotFound");
});

await check("SFN_MOCK_CONFIG test cases: stateMachineArn#Case mocks the Lambda Task (Return, Throw, retries)", async () => {
  // FunctionName names no function: without a mock the Task fails with Lambda.ResourceNotFoundException.
  const def = {
    StartAt: "Invoke",
    States: {
      Invoke: {
        Type: "Task", Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: "not-deployed", "Payload.$": "$" }, OutputPath: "$.Payload",
        Retry: [{ ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    },
  };
  const arn = (await send(sfn.CreateStateMachineCommand, { name: "sdk-mocked", definition: JSON.stringify(def), roleArn: ROLE })).stateMachineArn;
  const happy = await send(sfn.StartExecutionCommand, { stateMachineArn: `${arn}#HappyPath` });
  assert.ok(happy.executionArn.startsWith(`${ACCOUNT_PREFIX}:execution:sdk-mocked:`));
  let d = await waitDone(happy.executionArn);
  assert.equal(d.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d.output), { mocked: true });
  d = await waitDone((await send(sfn.StartExecutionCommand, { stateMachineArn: `${arn}#RetryPath` })).executionArn);
  assert.equal(d.status, "SUCCEEDED");
  assert.deepEqual(JSON.parse(d.output), { attempt: 2 });
  const h = await send(sfn.GetExecutionHistoryCommand, { executionArn: d.executionArn });
  assert.deepEqual(h.events.filter((e) => e.type.startsWith("Task") && e.type !== "TaskStateEntered" && e.type !== "TaskStateExited")
    .map((e) => e.type), ["TaskScheduled", "TaskStarted", "TaskFailed", "TaskScheduled", "TaskStarted", "TaskSucceeded"]);
  d = await waitDone((await send(sfn.StartExecutionCommand, { stateMachineArn: `${arn}#FailPath` })).executionArn);
  assert.equal(d.status, "FAILED");
  assert.equal(d.error, "Custom.Broken");
  d = await waitDone((await send(sfn.StartExecutionCommand, { stateMachineArn: arn })).executionArn);
  assert.equal(d.status, "FAILED");
  assert.equal(d.error, "Lambda.ResourceNotFoundException");
  await expectError(send(sfn.StartExecutionCommand, { stateMachineArn: `${arn}#NoSuchCase` }), "InvalidName",
    "Invalid mock test case name 'NoSuchCase' for state machine 'sdk-mocked'");
});

await check("TagResource, UntagResource, ListTagsForResource", async () => {
  await send(sfn.TagResourceCommand, { resourceArn: smArn, tags: [{ key: "stage", value: "test" }] });
  let t = await send(sfn.ListTagsForResourceCommand, { resourceArn: smArn });
  assert.deepEqual(t.tags, [{ key: "stage", value: "test" }, { key: "team", value: "cosmic" }]);
  await send(sfn.UntagResourceCommand, { resourceArn: smArn, tagKeys: ["team"] });
  t = await send(sfn.ListTagsForResourceCommand, { resourceArn: smArn });
  assert.deepEqual(t.tags, [{ key: "stage", value: "test" }]);
  await expectError(send(sfn.ListTagsForResourceCommand, { resourceArn: `${ACCOUNT_PREFIX}:stateMachine:ghost` }), "ResourceNotFound");
});

await check("DeleteStateMachine: empty reply, then StateMachineDoesNotExist", async () => {
  const r = await send(sfn.DeleteStateMachineCommand, { stateMachineArn: expressArn });
  assert.equal(r.$metadata.httpStatusCode, 200);
  await expectError(send(sfn.DescribeStateMachineCommand, { stateMachineArn: expressArn }), "StateMachineDoesNotExist");
});

await check("raw protocol: unknown operation, malformed JSON body, any Host header, request id", async () => {
  const post = (target, body, headers = {}) => fetch(endpoint + "/", {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": target, ...headers },
    body,
  });
  let r = await post("AWSStepFunctions.NoSuchOperation", "{}");
  assert.equal(r.status, 400);
  assert.equal((await r.json()).__type, "UnknownOperationException");
  r = await post("AWSStepFunctions.ListStateMachines", "{not json");
  assert.equal(r.status, 400);
  assert.equal((await r.json()).__type, "SerializationException");
  r = await post("AWSStepFunctions.ListStateMachines", "");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/x-amz-json-1.0");
  assert.ok(r.headers.get("x-amzn-requestid"));
  assert.ok(Array.isArray((await r.json()).stateMachines));
});

console.log(`all ${checks} checks passed`);
