#!/usr/bin/env python3
"""Regenerate the seed corpora under fuzz/corpus/ from the repository's test data.

  python3 fuzz/make_seeds.py            # needs python3; the partition seeds also need torch

Sources: tests/conformance/asl and asl-extra (definitions, their paths, payload templates and
intrinsic calls), tests/conformance/jsonata (expressions and their data) and, for the
partition/pickle targets, small partitions written here with torch.save in the layouts the
fixtures in tests/fixtures/astromae/partitions use (1 and 0 samples instead of 8/32, so
each seed stays small). Seeds are named by content hash, so reruns are stable.
"""
import hashlib
import io
import json
import pathlib
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
LIMIT = 4096  # bytes per text seed


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > LIMIT and target not in ("partition", "pickle"):
        return
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def compact(v):
    return json.dumps(v, separators=(",", ":"))


def walk(value, key=None):
    """Yield (key, value) for every member of a JSON tree."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)


def asl_seeds():
    cases = []
    for sub in ("asl", "asl-extra"):
        for p in sorted((ROOT / "tests" / "conformance" / sub).rglob("*.json")):
            try:
                case = json.loads(p.read_text())
            except Exception:
                continue
            if isinstance(case, dict) and isinstance(case.get("definition"), dict):
                cases.append(case)
    defs, paths, templates, calls = set(), set(), set(), set()
    for case in cases:
        definition = case["definition"]
        inp = compact(case.get("input", {}))
        defs.add(compact(definition))
        for k, v in walk(definition):
            if isinstance(v, str) and v.startswith("$"):
                paths.add(v + "\n" + inp)
            if isinstance(v, str) and v.startswith("States."):
                calls.add(v + "\n" + inp)
            if k in ("Parameters", "ResultSelector", "ItemSelector", "Arguments") and isinstance(v, (dict, list)):
                templates.add(compact([v, case.get("input", {})]))
    for d in sorted(defs)[:300]:
        put("asl_definition", d)
    for p in sorted(paths)[:300]:
        put("jsonpath", p)
    for t in sorted(templates)[:300]:
        put("payload_template", t)
    for c in sorted(calls)[:300]:
        put("intrinsic", c)


def jsonata_seeds():
    seen = []
    for p in sorted((ROOT / "tests" / "conformance" / "jsonata").glob("*.json")):
        try:
            cases = json.loads(p.read_text())
        except Exception:
            continue
        for case in cases if isinstance(cases, list) else []:
            expr = case.get("expr")
            if not isinstance(expr, str):
                continue
            data = case.get("data")
            seen.append(expr.replace("\n", "\r") + "\n" + ("" if data is None else compact(data)))
    for s in sorted(set(seen), key=len)[:600]:
        put("jsonata", s)


def store_seeds():
    for bucket, key in [("cosmicai-data", "tiny/1.pt"), ("b", "a/b/c.json"), ("results", "run-1/rank-0.json"),
                        ("b", "../escape"), ("b", "a//b"), ("..", "k"), ("b", ".cosmicai-tmp-x"), ("b", "/abs"),
                        ("b", "a/./b"), ("b", "trailing/"), ("b", "k\0nul"), ("with/slash", "k")]:
        put("store_keys", bytes([len(bucket)]) + bucket.encode() + key.encode())


def partition_seeds():
    try:
        import torch
        from torch.utils.data import TensorDataset
    except Exception as e:  # the text seeds do not need torch
        print(f"make_seeds: partition seeds skipped ({e})", file=sys.stderr)
        return
    g = torch.Generator().manual_seed(0)

    def tensors(n, img=torch.float32, mag=torch.float64, z=torch.float32):
        return (torch.rand(n, 5, 32, 32, generator=g).to(img), (torch.rand(n, 5, generator=g) * 30).to(mag),
                torch.rand(n, generator=g).to(z))

    objects = {
        "dataset1": TensorDataset(*tensors(1)),
        "dataset0": TensorDataset(*tensors(0)),
        "mag_f16": TensorDataset(*tensors(1, mag=torch.float16)),
        "z_int": TensorDataset(*tensors(1, z=torch.int64)),
        "img_f64": TensorDataset(*tensors(0, img=torch.float64)),
        "tuple": tensors(1),
        "dict": dict(zip(("images", "magnitudes", "redshift"), tensors(0))),
    }
    for name, obj in objects.items():
        for zip_format in (True, False):
            buf = io.BytesIO()
            torch.save(obj, buf, _use_new_zipfile_serialization=zip_format)
            raw = buf.getvalue()
            # partition.cpp's flag byte: bit 0 skips CRC checks, bit 1 allows plain layouts.
            for flags in ((0, 3) if len(raw) < 8192 else (1,)):
                put("partition", bytes([flags]) + raw)
            if zip_format:
                with zipfile.ZipFile(io.BytesIO(raw)) as z:
                    for n in z.namelist():
                        if n.endswith("data.pkl"):
                            put("pickle", z.read(n))
            else:
                put("pickle", raw[:2048])


def main():
    asl_seeds()
    jsonata_seeds()
    store_seeds()
    partition_seeds()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
