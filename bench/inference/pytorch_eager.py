#!/usr/bin/python3
"""PyTorch-eager baseline for bench_inference: AstroMAE from the project's astromae.py
(tests/fixtures/astromae/model) with the reference weights, timed like the C++ side (same batches,
threads, inputs, repeats).

Prints one JSON object per (threads, batch): {"threads", "batch", "samples_per_s" (median),
"runs": [...]}. Usage:
  /usr/bin/python3 pytorch_eager.py --model-dir tests/fixtures/astromae/model \
      --weights build/fixtures/astromae_seed0.ts.pt --threads 1,2 --batches 1,32,128,512 --min-time 1.5 --repeats 3
"""
import argparse
import json
import statistics
import sys
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True, help='folder of astromae.py (tests/fixtures/astromae/model)')
    ap.add_argument('--weights', required=True, help='TorchScript reference model (build/fixtures/astromae_seed0.ts.pt)')
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--batches', default='1,32,128,512')
    ap.add_argument('--min-time', type=float, default=1.5)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, args.model_dir)
    import astromae  # noqa: E402

    model = astromae.build(0, two_input=True)
    ts = torch.jit.load(args.weights)
    model.load_state_dict(ts.state_dict(), strict=True)
    model.eval()
    gen = torch.Generator().manual_seed(7)
    for threads in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(threads)
        for batch in [int(b) for b in args.batches.split(',')]:
            images = torch.rand(batch, 5, 32, 32, generator=gen)
            mags = torch.rand(batch, 5, generator=gen) * 10 + 14
            runs = []
            with torch.inference_mode():
                model(images, mags)  # warm-up
                for _ in range(args.repeats):
                    n, t0 = 0, time.perf_counter()
                    while True:
                        model(images, mags)
                        n += batch
                        dt = time.perf_counter() - t0
                        if dt >= args.min_time:
                            break
                    runs.append(n / dt)
            print(json.dumps({'threads': threads, 'batch': batch, 'samples_per_s': statistics.median(runs),
                              'runs': runs}), flush=True)


if __name__ == '__main__':
    main()
