#!/usr/bin/env node
// A Lambda emulator for the test suite: the Invoke API on one port, and per execution environment a
// Runtime API (2018-06-01) port that the spawned runtime process (the real `cosmicai lambda-runtime`)
// talks to. No dependencies: Node's http, child_process and crypto only (Node 18 and 20).
//
//   node emulator.js --config CONFIG.json --port-file FILE [--port N] [--log-dir DIR]
//
// CONFIG: {"functions": {"NAME": {"command": [argv...], "env": {...}, "unset_env": [...],
//          "timeout_ms": 30000, "memory_mb": 1769, "max_environments": 2}}}
//
// Invoke API (what Step Functions' lambda:invoke calls):
//   POST /2015-03-31/functions/NAME/invocations[?Qualifier=Q]   body = event
//     200 + body = the function's response; with X-Amz-Function-Error: Unhandled when it failed
//     (the body is the posted {errorType, errorMessage, stackTrace}, a timeout's body has no errorType,
//     a crashed runtime gives Runtime.ExitError). 404 ResourceNotFoundException for an unknown name,
//     400 InvalidRequestContentException for a body that is not JSON (unless X-Emulator-Raw: 1,
//     which hands the bytes to the runtime as they are). X-Emulator-Timeout-Ms overrides the timeout;
//     X-Emulator-Post-Status: 500 answers the runtime's result POST with 500 (the runtime must exit).
//     Reply headers X-Emulator-Environment (environment id) and X-Emulator-Cold (true on a cold start).
//   GET /_emulator/log     every finished invocation and init error, with the headers the runtime sent
// Runtime API (per environment): GET .../runtime/invocation/next (held until an event exists; headers
// Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn, -Trace-Id), POST
// .../invocation/ID/response (202; 403 InvalidStateTransition for an unknown or answered id; 413 over
// 6 MB), POST .../invocation/ID/error (202), POST .../runtime/init/error (202).
'use strict';
const http = require('http');
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.config || !args['port-file']) {
  console.error('usage: emulator.js --config CONFIG.json --port-file FILE [--port N] [--log-dir DIR]');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(args.config, 'utf8'));
const MAX_RESPONSE = 6 * 1024 * 1024;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const log = [];
let nextEnvId = 1;

const functions = {};
for (const [name, f] of Object.entries(config.functions || {})) {
  functions[name] = {
    name, command: f.command, env: f.env || {}, unset: f.unset_env || [],
    timeout_ms: f.timeout_ms || 30000, memory_mb: f.memory_mb || 1769,
    max: f.max_environments || 1, envs: [], queue: [],
  };
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function send(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': buf.length, ...headers });
  res.end(buf);
}

function traceId() {
  const t = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${t}-${crypto.randomBytes(12).toString('hex')};Parent=${crypto.randomBytes(8).toString('hex')};Sampled=0`;
}

// Finish an invocation once: answer the invoker and record it.
function finish(inv, outcome, body, extra = {}) {
  if (inv.done) return false;
  inv.done = true;
  clearTimeout(inv.timer);
  const record = {
    request_id: inv.id, function: inv.fn.name, environment: inv.env ? inv.env.id : null, cold: inv.cold,
    outcome, trace_id: inv.trace, deadline_ms: inv.deadline, body: body.toString('utf8'), ...extra,
  };
  log.push(record);
  const headers = {
    'X-Amz-Executed-Version': '$LATEST', 'X-Amz-Request-Id': inv.id,
    'X-Emulator-Environment': String(record.environment), 'X-Emulator-Cold': String(!!inv.cold),
  };
  if (outcome !== 'response') headers['X-Amz-Function-Error'] = 'Unhandled';
  send(inv.res, 200, body, headers);
  if (inv.env && inv.env.current === inv) inv.env.current = null;
  return true;
}

function deliver(env, inv) {
  const res = env.waiting;
  env.waiting = null;
  env.current = inv;
  inv.env = env;
  inv.cold = env.invocations === 0;
  env.invocations++;
  inv.deadline = Date.now() + inv.timeout_ms;
  inv.trace = traceId();
  const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${inv.fn.name}` + (inv.qualifier ? `:${inv.qualifier}` : '');
  res.writeHead(200, {
    'Content-Type': 'application/json', 'Content-Length': inv.event.length,
    'Lambda-Runtime-Aws-Request-Id': inv.id, 'Lambda-Runtime-Deadline-Ms': String(inv.deadline),
    'Lambda-Runtime-Invoked-Function-Arn': arn, 'Lambda-Runtime-Trace-Id': inv.trace,
  });
  res.end(inv.event);
  // Lambda stops an environment at the deadline: kill it and report the timeout as AWS words it.
  inv.timer = setTimeout(() => {
    const secs = (inv.timeout_ms / 1000).toFixed(2);
    const msg = `${new Date().toISOString()} ${inv.id} Task timed out after ${secs} seconds`;
    if (finish(inv, 'timeout', JSON.stringify({ errorMessage: msg }))) kill(env);
  }, inv.timeout_ms + 200);
}

function kill(env) {
  if (env.proc && env.proc.exitCode === null) {
    try { process.kill(env.proc.pid, 'SIGKILL'); } catch (e) { /* gone */ }
  }
}

function dispatch(fn) {
  for (;;) {
    if (!fn.queue.length) return;
    const env = fn.envs.find((e) => e.waiting && !e.current);
    if (!env) break;
    deliver(env, fn.queue.shift());
  }
  let starting = fn.envs.filter((e) => e.state === 'init').length;
  while (fn.queue.length > starting && fn.envs.length < fn.max) {
    startEnvironment(fn);
    starting++;
  }
}

function startEnvironment(fn) {
  const env = { id: `${fn.name}#${nextEnvId++}`, fn, state: 'init', waiting: null, current: null, invocations: 0 };
  fn.envs.push(env);
  const server = http.createServer((req, res) => runtimeApi(env, req, res));
  server.keepAliveTimeout = 0;
  env.server = server;
  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    const childEnv = {
      PATH: process.env.PATH, LANG: 'en_US.UTF-8', TZ: 'UTC',
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory_mb),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION,
      ...fn.env,
    };
    for (const k of fn.unset) delete childEnv[k];
    const proc = spawn(fn.command[0], fn.command.slice(1), { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    env.proc = proc;
    const out = args['log-dir'] ? fs.createWriteStream(path.join(args['log-dir'], `${env.id.replace('#', '-')}.log`)) : process.stderr;
    proc.stdout.pipe(out, { end: false });
    proc.stderr.pipe(out, { end: false });
    proc.on('error', (e) => onExit(env, `spawn failed: ${e.message}`));
    proc.on('exit', (code, signal) => onExit(env, signal ? `signal ${signal}` : `exit status ${code}`));
  });
}

function onExit(env, how) {
  if (env.state === 'dead') return;
  const wasInit = env.state === 'init';
  env.state = 'dead';
  env.server.close();
  const fn = env.fn;
  fn.envs = fn.envs.filter((e) => e !== env);
  if (env.current) {
    finish(env.current, 'exit', JSON.stringify({
      errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${env.current.id} Error: Runtime exited with error: ${how}`,
    }));
  }
  if (wasInit && fn.queue.length) {
    // The environment never became ready: the waiting invocations fail with its init error (or the exit).
    const body = env.initError || JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init: ${how}` });
    for (const inv of fn.queue.splice(0)) finish(inv, 'init_error', body, { error_type_header: env.initErrorType || null });
  }
  dispatch(fn);
}

async function runtimeApi(env, req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const body = await readBody(req);
  const typeHeader = req.headers['lambda-runtime-function-error-type'] || null;
  if (req.method === 'GET' && p === '/2018-06-01/runtime/invocation/next') {
    env.state = 'ready';
    if (env.waiting) send(env.waiting, 500, { errorType: 'Emulator.DoubleNext', errorMessage: 'second GET next' });
    env.waiting = res;
    return dispatch(env.fn);
  }
  if (req.method === 'POST' && p === '/2018-06-01/runtime/init/error') {
    env.initError = body.toString('utf8');
    env.initErrorType = typeHeader;
    log.push({ function: env.fn.name, environment: env.id, outcome: 'init_error_posted', body: env.initError, error_type_header: typeHeader });
    return send(res, 202, { status: 'OK' });
  }
  const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(p);
  if (req.method === 'POST' && m) {
    const inv = env.current;
    if (!inv || inv.id !== decodeURIComponent(m[1]) || inv.done) {
      return send(res, 403, { errorMessage: 'Invalid request ID', errorType: 'InvalidStateTransition' });
    }
    if (inv.post_status === 500) {  // "Container error. Non-recoverable state. Runtime should exit promptly."
      return send(res, 500, { errorMessage: 'injected container error', errorType: 'ServiceException' });
    }
    if (m[2] === 'response') {
      if (body.length > MAX_RESPONSE) {
        return send(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE} bytes).`, errorType: 'RequestEntityTooLarge' });
      }
      send(res, 202, { status: 'OK' });
      return finish(inv, 'response', body);
    }
    send(res, 202, { status: 'OK' });
    return finish(inv, 'error', body, { error_type_header: typeHeader });
  }
  send(res, 404, { errorType: 'NotFound', errorMessage: `${req.method} ${p}` });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/_emulator/log') return send(res, 200, log);
  const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  if (req.method !== 'POST' || !m) return send(res, 404, { Type: 'User', Message: `no route ${req.method} ${url.pathname}` });
  const name = decodeURIComponent(m[1]);
  const fn = functions[name];
  const body = await readBody(req);
  if (!fn) {
    return send(res, 404, { Type: 'User', Message: `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` },
      { 'X-Amzn-ErrorType': 'ResourceNotFoundException' });
  }
  if (req.headers['x-emulator-raw'] !== '1') {
    try { JSON.parse(body.toString('utf8') || 'null'); } catch (e) {
      return send(res, 400, { Type: 'User', message: 'Could not parse request body into json' },
        { 'X-Amzn-ErrorType': 'InvalidRequestContentException' });
    }
  }
  const timeout = Number(req.headers['x-emulator-timeout-ms'] || fn.timeout_ms);
  fn.queue.push({
    id: crypto.randomUUID(), fn, event: body, res, timeout_ms: timeout, qualifier: url.searchParams.get('Qualifier'),
    post_status: Number(req.headers['x-emulator-post-status'] || 0),
  });
  dispatch(fn);
});

function shutdown() {
  for (const fn of Object.values(functions)) for (const env of fn.envs) kill(env);
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(Number(args.port || 0), '127.0.0.1', () => {
  const tmp = `${args['port-file']}.tmp`;
  fs.writeFileSync(tmp, String(server.address().port));
  fs.renameSync(tmp, args['port-file']);
  console.error(`lambda emulator: Invoke API on 127.0.0.1:${server.address().port}`);
});
