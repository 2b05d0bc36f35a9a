// ONNX Runtime baseline for bench_inference: runs the exported AstroMAE (export_onnx.py) with
// onnxruntime-node's CPU execution provider, graph optimisation "all", sequential execution,
// `intraOpNumThreads` = the thread count being measured, 1 inter-op thread.
//
//   node ort_bench.mjs --model build/bench/astromae_seed0.onnx \
//       --reference tests/fixtures/astromae/reference_io.json --threads 1,2 --batches 128,256,512 \
//       --min-time 1.5 --repeats 1
//
// Prints JSON lines: first {"check": {"max_abs_diff", "samples"}} (ORT's outputs on the reference
// inputs against the reference model's outputs), then one {"threads", "batch", "samples_per_s"
// (median of the repeats), "runs"} per (threads, batch), timed like the C++ side: same random
// input distribution, one warm-up run, then runs until min-time has passed.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

function parseArgs(argv) {
  const a = { threads: '1,2', batches: '128,256,512', minTime: 1.5, repeats: 1 };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--model') a.model = v;
    else if (k === '--reference') a.reference = v;
    else if (k === '--threads') a.threads = v;
    else if (k === '--batches') a.batches = v;
    else if (k === '--min-time') a.minTime = Number(v);
    else if (k === '--repeats') a.repeats = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.model) throw new Error('--model FILE is required');
  return a;
}

// Deterministic uniform floats (inputs only need the right distribution, as in the C++ side).
function filler(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

async function openSession(model, threads) {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}

async function run(session, images, mags, batch) {
  const feeds = {
    images: new ort.Tensor('float32', images, [batch, 5, 32, 32]),
    magnitudes: new ort.Tensor('float32', mags, [batch, 5]),
  };
  const out = await session.run(feeds);
  return out.redshift.data;
}

async function main() {
  const a = parseArgs(process.argv);
  const threads = a.threads.split(',').map(Number);
  const batches = a.batches.split(',').map(Number);
  if (a.reference) {
    const ref = JSON.parse(readFileSync(a.reference, 'utf8'));
    const n = ref.outputs_shape[0];
    const session = await openSession(a.model, 1);
    const got = await run(session, Float32Array.from(ref.images), Float32Array.from(ref.magnitudes), n);
    let worst = 0;
    for (let i = 0; i < n; ++i) worst = Math.max(worst, Math.abs(got[i] - Math.fround(ref.outputs[i])));
    console.log(JSON.stringify({ check: { max_abs_diff: worst, samples: n } }));
    await session.release();
  }
  for (const t of threads) {
    const session = await openSession(a.model, t);
    for (const batch of batches) {
      const rnd = filler(7);
      const images = new Float32Array(batch * 5 * 32 * 32).map(() => rnd());
      const mags = new Float32Array(batch * 5).map(() => 14 + 10 * rnd());
      await run(session, images, mags, batch);  // warm-up
      const runs = [];
      for (let r = 0; r < a.repeats; ++r) {
        let n = 0;
        const t0 = performance.now();
        let dt = 0;
        do {
          await run(session, images, mags, batch);
          n += batch;
          dt = (performance.now() - t0) / 1000;
        } while (dt < a.minTime);
        runs.push(n / dt);
      }
      runs.sort((x, y) => x - y);
      const median = runs.length % 2 ? runs[(runs.length - 1) / 2] : (runs[runs.length / 2 - 1] + runs[runs.length / 2]) / 2;
      console.log(JSON.stringify({ threads: t, batch, samples_per_s: median, runs }));
    }
    await session.release();
  }
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
