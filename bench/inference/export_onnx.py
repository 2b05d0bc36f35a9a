#!/usr/bin/python3
"""Export the AstroMAE reference model to ONNX for bench_inference's ONNX Runtime baseline.

    /usr/bin/python3 export_onnx.py --model-dir tests/fixtures/astromae/model \
        --weights build/fixtures/astromae_seed0.ts.pt --out build/bench/astromae_seed0.onnx

The model is astromae.build(0, two_input=True) from the project's astromae.py with the reference
weights (the TorchScript file the build generates) loaded with load_state_dict(strict=True), the
same weights cosmicai and the PyTorch baseline run. Exported in eval mode with torch.onnx.export,
opset 14, inputs `images` (B,5,32,32) float32 and `magnitudes` (B,5) float32, output `redshift`
(B,1), batch dimension dynamic; constant folding on (BatchNorm stays a node: ONNX Runtime's "all"
graph optimisation fuses it). Needs only torch (no `onnx` package). Prints one line with the file
size and time.
"""
import argparse
import os
import sys
import time
import warnings

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model-dir', required=True, help='folder of astromae.py (tests/fixtures/astromae/model)')
    ap.add_argument('--weights', required=True, help='TorchScript reference model (build/fixtures/astromae_seed0.ts.pt)')
    ap.add_argument('--out', required=True, help='ONNX file to write')
    args = ap.parse_args()
    sys.path.insert(0, args.model_dir)
    import astromae  # noqa: E402

    t0 = time.perf_counter()
    torch.set_num_threads(1)
    model = astromae.build(0, two_input=True)
    model.load_state_dict(torch.jit.load(args.weights).state_dict(), strict=True)
    model.eval()
    images = torch.rand(2, 5, 32, 32)
    mags = torch.rand(2, 5) * 10 + 14
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')  # tracer warnings: the 4x4 token grid is a constant of the model
        torch.onnx.export(model, (images, mags), tmp, opset_version=14, do_constant_folding=True,
                          input_names=['images', 'magnitudes'], output_names=['redshift'],
                          dynamic_axes={'images': {0: 'batch'}, 'magnitudes': {0: 'batch'}, 'redshift': {0: 'batch'}})
    os.replace(tmp, args.out)
    print(f'export_onnx: wrote {args.out} ({os.path.getsize(args.out):,} bytes, opset 14, torch {torch.__version__}) '
          f'in {time.perf_counter() - t0:.1f} s')


if __name__ == '__main__':
    main()
