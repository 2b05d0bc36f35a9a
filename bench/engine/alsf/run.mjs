// bench_engine's peer: runs the same 1,000-state Pass chain and 517-item Distributed Map of identity
// tasks as bench/engine/engine_bench.cpp on aws-local-stepfunctions (npm), best of N runs each, and
// prints one JSON line: {"version":…,"chain_ms":…,"map_ms":…}. The Map's Task runs a local identity
// function (the package's taskResourceLocalHandlers override) returning what Lambda's Invoke would
// ({"Payload": event}), so OutputPath "$.Payload" gives the item back as with sfn_stub_identity.
import { readFileSync } from 'node:fs';

// aws-local-stepfunctions 3.0.0 (the only version npm has) declares Node >= 22 and its Task state
// calls Promise.withResolvers (Node 22); on Node 18/20 that is the one thing missing, supplied here
// as the standard defines it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import('aws-local-stepfunctions');

const repeats = Number(process.argv[2] ?? 5);
const version = JSON.parse(
  readFileSync(new URL('./node_modules/aws-local-stepfunctions/package.json', import.meta.url))).version;

function passChain(n) {
  const states = {};
  for (let i = 0; i < n; ++i) {
    const s = { Type: 'Pass', ResultPath: '$.last', Result: i };
    if (i + 1 < n) s.Next = `S${i + 1}`; else s.End = true;
    states[`S${i}`] = s;
  }
  return { StartAt: 'S0', States: states };
}

const mapDefinition = {
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Next: 'Distributed' },
    Distributed: {
      Type: 'Map', ItemsPath: '$.body', ResultPath: '$.results',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
        StartAt: 'Infer',
        States: {
          Infer: {
            Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'sfn_stub_identity', 'Payload.$': '$' }, OutputPath: '$.Payload', End: true,
          },
        },
      },
      End: true,
    },
  },
};

async function best(machine, input, options, check) {
  let bestMs = Infinity;
  for (let r = 0; r < repeats; ++r) {
    const t0 = process.hrtime.bigint();
    const out = await machine.run(input, options).result;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    check(out);
    bestMs = Math.min(bestMs, ms);
  }
  return bestMs;
}

const chain = new StateMachine(passChain(1000), { validationOptions: { checkArn: false } });
const chainMs = await best(chain, {}, {}, (out) => {
  if (out?.last !== 999) throw new Error(`chain: unexpected output ${JSON.stringify(out)}`);
});

const items = [];
for (let i = 0; i < 517; ++i) items.push({ rank: i, object: `100MB/${i + 1}.pt` });
const map = new StateMachine(mapDefinition, { validationOptions: { checkArn: false } });
const identity = { taskResourceLocalHandlers: { Infer: (event) => ({ Payload: event.Payload }) } };
const mapMs = await best(map, { body: items }, { overrides: identity }, (out) => {
  if (out?.results?.length !== 517 || out.results[516].rank !== 516) {
    throw new Error(`map: unexpected output ${JSON.stringify(out).slice(0, 200)}`);
  }
});

console.log(JSON.stringify({ version, node: process.version, chain_ms: chainMs, map_ms: mapMs }));
