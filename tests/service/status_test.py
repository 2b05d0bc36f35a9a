#!/usr/bin/env python3
"""`cosmicai status --watch` on a Cosmic AI execution that `cosmicai serve` runs.

A served run of the seeds' machine over 4 synthetic partitions (51 samples each, as `dataset
synth` reports); `cosmicai status --watch --progress plain` follows it: lines without carriage
returns, RUNNING while it runs, then "NAME SUCCEEDED · ranks 4/4 · … samples/s"; `-o json` counts
every sample (204 = 4 × 51, the dataset's own count). An unknown execution exits 1 naming the error.

usage: status_test.py COSMICAI SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

failures = []


def check(cond, what):
    print(("ok - " if cond else "FAILED - ") + what, flush=True)
    if not cond:
        failures.append(what)


def main():
    binary, source, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    synth = subprocess.run([binary, "dataset", "synth", "--root", data, "--bucket", "b", "--partition-mb", "1",
                            "--total-mb", "4"], capture_output=True, text=True)
    check(synth.returncode == 0 and "204 samples" in synth.stdout, "dataset synth: 204 samples (%s)" % synth.stdout)
    store = "file://" + data
    port_file = os.path.join(work, "port")
    log = open(os.path.join(work, "serve.log"), "w")
    serve = subprocess.Popen([binary, "serve", "--port", "0", "--port-file", port_file, "--store", store,
                              "--threads", "1"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        endpoint = "http://127.0.0.1:%d" % int(open(port_file).read())

        def api(op, body):
            req = urllib.request.Request(endpoint + "/", data=json.dumps(body).encode(), method="POST",
                                         headers={"X-Amz-Target": "AWSStepFunctions." + op})
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())

        definition = open(os.path.join(source, "examples/cosmic-ai/cai-state-machine.json")).read()
        machine = api("CreateStateMachine", {"name": "cosmic", "definition": definition,
                                             "roleArn": "arn:aws:iam::123456789012:role/r"})["stateMachineArn"]
        payload = {"bucket": "b", "file_limit": "4", "batch_size": 16, "object_type": "folder",
                   "S3_object_name": "none", "script": "x", "result_path": "res/status", "data_bucket": "b",
                   "data_prefix": "1MB"}
        arn = api("StartExecution", {"stateMachineArn": machine, "name": "run-1",
                                     "input": json.dumps(payload)})["executionArn"]
        watch = subprocess.run([binary, "status", arn, "--endpoint", endpoint, "--watch", "--progress", "plain",
                                "--interval", "0.1", "--store", store], capture_output=True, text=True, timeout=120)
        check(watch.returncode == 0, "status --watch exits 0 (%s)" % watch.stderr.strip())
        check("\r" not in watch.stdout and "\033" not in watch.stdout, "plain: no carriage return or escape")
        lines = watch.stdout.splitlines()
        print("  " + "\n  ".join(lines))
        check(any(l.startswith("run-1 RUNNING") for l in lines), "a RUNNING line while it runs")
        counts = [re.sub(r" · [0-9,]+ samples/s.*", "", l) for l in lines]
        check(len(counts) == len(set(counts)), "one line per change of the counts (no repeats)")
        check(bool(lines) and re.fullmatch(r"run-1 SUCCEEDED · ranks 4/4 · [0-9,]+ samples/s · \S+ elapsed", lines[-1]),
              "the last line: %r" % (lines[-1] if lines else None))
        snap = subprocess.run([binary, "status", arn, "--endpoint", endpoint, "-o", "json", "--store", store],
                              capture_output=True, text=True)
        j = json.loads(snap.stdout or "{}")
        check(snap.returncode == 0 and j.get("status") == "SUCCEEDED" and j.get("ranksDone") == 4 and
              j.get("ranksTotal") == 4 and j.get("ranksFailed") == 0 and j.get("samples") == 204 and
              j.get("samplesPerSecond", 0) > 0, "-o json: %s" % snap.stdout.strip())
        missing = subprocess.run([binary, "status", arn + "-nope", "--endpoint", endpoint], capture_output=True,
                                 text=True)
        check(missing.returncode == 1 and "ExecutionDoesNotExist" in missing.stderr,
              "an unknown execution: exit 1 naming the error (%s)" % missing.stderr.strip())
    finally:
        serve.terminate()
        serve.wait(10)
        log.close()
    if failures:
        print("%d check(s) failed; server log: %s" % (len(failures), os.path.join(work, "serve.log")))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
