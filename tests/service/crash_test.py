#!/usr/bin/env python3
"""Crash test of `cosmicai serve`: kill -9 mid-run, restart on the same database.

1. A 100-rank Distributed Map (MaxConcurrency 10) whose Task (rank_task.sh, bound with --function)
   appends one line per rank to WORK/done/RANK. Ranks >= 40 block on a gate file.
2. Once the server reports 40 children succeeded (DescribeMapRun) and ranks 40..49 are blocked,
   the server's whole process group is killed with SIGKILL (the blocked tasks die too).
3. The gate opens and the server restarts on the same --db: the execution resumes by itself and
   SUCCEEDS; every rank's side effect happened exactly once (ranks 0..39 were not run again);
   the output lists the 100 ranks in order; the history has ids 1..N without gaps or duplicates;
   executions finished before the crash are still listed.
4. Redrive: a 12-rank Distributed Map (MaxConcurrency 1, ToleratedFailureCount 2) whose ranks 2, 5
   and 7 fail: the execution FAILS at rank 7 (ranks 8..11 never ran). The failures are fixed and
   RedriveExecution re-runs only ranks 2, 5, 7..11; the execution SUCCEEDS with every rank's side
   effect once, redriveCount 1, and one history: ExecutionFailed, ExecutionRedriven, ExecutionSucceeded,
   ids 1..N.
Usage: crash_test.py COSMICAI WORKDIR
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

BIN, WORK = sys.argv[1], os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
P = "arn:aws:states:us-east-1:123456789012"
RANKS, GATE_FROM, CONC = 100, 40, 10


def start_server(db):
    port_file = os.path.join(WORK, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log = open(os.path.join(WORK, "server.log"), "a")
    proc = subprocess.Popen(
        [BIN, "serve", "--port", "0", "--port-file", port_file, "--db", db,
         "--workers", "16", "--function", "rank=" + os.path.join(HERE, "rank_task.sh")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        if os.path.exists(port_file):
            return proc, "http://127.0.0.1:%s/" % open(port_file).read().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    sys.exit("server did not start; log:\n" + open(os.path.join(WORK, "server.log")).read())


def call(endpoint, op, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + op})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        sys.exit("%s failed: %s %s" % (op, e.code, e.read().decode()))


def wait_for(what, cond, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    sys.exit("timed out waiting for " + what)


def count(sub):
    d = os.path.join(WORK, sub)
    return {int(f): len(open(os.path.join(d, f)).read().splitlines()) for f in os.listdir(d)}


SERVER = [None]


def task_processes():
    """PIDs of rank_task.sh processes still running."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if b"rank_task.sh" in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def history(ep, ex):
    events, token = [], None
    while True:
        body = {"executionArn": ex, "maxResults": 5}
        if token:
            body["nextToken"] = token
        page = call(ep, "GetExecutionHistory", body)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def call_error(endpoint, op, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + op})
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    sys.exit("%s did not fail" % op)


def redrive(ep):
    work = os.path.join(WORK, "redrive")
    for sub in ("done", "started", "fail"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    failing = [2, 5, 7]
    for r in failing:
        open(os.path.join(work, "fail", str(r)), "w").close()
    definition = {"StartAt": "Ranks", "States": {"Ranks": {
        "Type": "Map", "ItemsPath": "$.ranks", "MaxConcurrency": 1, "ToleratedFailureCount": 2,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Rank", "States": {"Rank": {
                              "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:rank",
                              "End": True}}},
        "End": True}}}
    sm = call(ep, "CreateStateMachine", {"name": "redrive", "definition": json.dumps(definition),
                                         "roleArn": "arn:aws:iam::123456789012:role/r"})["stateMachineArn"]
    ranks = [{"rank": i, "dir": work, "gate_from": 1000} for i in range(12)]
    ex = call(ep, "StartExecution", {"stateMachineArn": sm, "name": "r1", "input": json.dumps({"ranks": ranks})})["executionArn"]
    status = lambda: (lambda r: r if r["status"] != "RUNNING" else None)(call(ep, "DescribeExecution", {"executionArn": ex}))
    d = wait_for("the failing execution", status)
    assert d["status"] == "FAILED" and d["error"] == "States.ExceedToleratedFailureThreshold", d
    assert d["redriveStatus"] == "REDRIVABLE", d
    done1 = {int(f) for f in os.listdir(os.path.join(work, "done"))}
    assert done1 == {0, 1, 3, 4, 6}, done1
    code, err = call_error(ep, "RedriveExecution", {"executionArn": P + ":execution:redrive:nope"})
    assert code == 400 and err["__type"] == "ExecutionDoesNotExist", err
    for r in failing:
        os.remove(os.path.join(work, "fail", str(r)))
    rd = call(ep, "RedriveExecution", {"executionArn": ex})
    assert isinstance(rd["redriveDate"], (int, float)), rd
    d = wait_for("the redriven execution", status)
    assert d["status"] == "SUCCEEDED", d
    assert d["redriveCount"] == 1 and "redriveDate" in d, d
    assert json.loads(d["output"]) == [{"rank": i} for i in range(12)], d["output"]
    code, err = call_error(ep, "RedriveExecution", {"executionArn": ex})
    assert code == 400 and err["__type"] == "ExecutionNotRedrivable", err
    started = {int(f): len(open(os.path.join(work, "started", f)).read().splitlines()) for f in os.listdir(os.path.join(work, "started"))}
    done = {int(f): len(open(os.path.join(work, "done", f)).read().splitlines()) for f in os.listdir(os.path.join(work, "done"))}
    assert done == {i: 1 for i in range(12)}, done
    expected_started = {i: (2 if i in failing else 1) for i in range(12)}
    assert started == expected_started, started  # succeeded ranks were not run again
    events = history(ep, ex)
    ids = [e["id"] for e in events]
    assert ids == list(range(1, len(ids) + 1)), ids
    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded", types
    i_failed, i_redriven = types.index("ExecutionFailed"), types.index("ExecutionRedriven")
    assert i_failed + 1 == i_redriven, types
    assert events[i_redriven]["executionRedrivenEventDetails"] == {"redriveCount": 1}, events[i_redriven]
    assert events[i_redriven]["previousEventId"] == events[i_failed]["id"]
    listed = call(ep, "ListExecutions", {"stateMachineArn": sm})["executions"]
    assert listed[0]["redriveCount"] == 1, listed
    print("ok - redrive re-ran only the unsuccessful ranks (%s), each side effect once, %d history events 1..%d"
          % (sorted(r for r, n in started.items() if n == 2 or r > 7), len(ids), len(ids)))


def main():
    os.makedirs(WORK, exist_ok=True)
    import shutil
    shutil.rmtree(os.path.join(WORK, "redrive"), ignore_errors=True)
    for sub in ("done", "started"):
        os.makedirs(os.path.join(WORK, sub), exist_ok=True)
        for f in os.listdir(os.path.join(WORK, sub)):
            os.remove(os.path.join(WORK, sub, f))
    for f in ("gate", "db.sqlite", "db.sqlite-wal", "db.sqlite-shm", "server.log"):
        if os.path.exists(os.path.join(WORK, f)):
            os.remove(os.path.join(WORK, f))
    db = os.path.join(WORK, "db.sqlite")
    proc, ep = start_server(db)
    SERVER[0] = proc

    definition = {"StartAt": "Ranks", "States": {"Ranks": {
        "Type": "Map", "ItemsPath": "$.ranks", "MaxConcurrency": CONC,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Rank", "States": {"Rank": {
                              "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:rank",
                              "End": True}}},
        "End": True}}}
    sm = call(ep, "CreateStateMachine", {"name": "crash", "definition": json.dumps(definition),
                                         "roleArn": "arn:aws:iam::123456789012:role/r"})["stateMachineArn"]
    small = call(ep, "CreateStateMachine", {"name": "small", "roleArn": "arn:aws:iam::123456789012:role/r",
                                            "definition": json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})})["stateMachineArn"]
    before = [call(ep, "StartExecution", {"stateMachineArn": small, "name": "before-%d" % i})["executionArn"] for i in range(3)]
    ranks = [{"rank": i, "dir": WORK, "gate_from": GATE_FROM} for i in range(RANKS)]
    ex = call(ep, "StartExecution", {"stateMachineArn": sm, "name": "crash-1", "input": json.dumps({"ranks": ranks})})["executionArn"]

    def map_run():
        runs = call(ep, "ListMapRuns", {"executionArn": ex})["mapRuns"]
        return runs[0]["mapRunArn"] if runs else None
    mr = wait_for("the Map Run", map_run)
    wait_for("40 committed children", lambda: call(ep, "DescribeMapRun", {"mapRunArn": mr})["itemCounts"]["succeeded"] >= GATE_FROM)
    wait_for("10 blocked ranks", lambda: len([r for r in count("started") if r >= GATE_FROM]) >= CONC)
    for arn in before:
        wait_for(arn, lambda: call(ep, "DescribeExecution", {"executionArn": arn})["status"] == "SUCCEEDED")
    assert call(ep, "DescribeExecution", {"executionArn": ex})["status"] == "RUNNING"
    done_before = count("done")
    assert sorted(done_before) == list(range(GATE_FROM)), sorted(done_before)
    os.killpg(proc.pid, signal.SIGKILL)  # the server and its running tasks, as in a machine crash
    proc.wait()
    # The tasks were in their own process groups; their guardians must have killed them (and the
    # shell scripts' children) with the server.
    wait_for("the killed server's tasks to end", lambda: not task_processes(), timeout=5)
    print("killed the server with %d ranks done and %d blocked" % (len(done_before), CONC))

    open(os.path.join(WORK, "gate"), "w").close()
    proc, ep = start_server(db)
    SERVER[0] = proc
    try:
        d = wait_for("the resumed execution", lambda: (lambda r: r if r["status"] != "RUNNING" else None)(
            call(ep, "DescribeExecution", {"executionArn": ex})), timeout=120)
        assert d["status"] == "SUCCEEDED", d
        assert json.loads(d["output"]) == [{"rank": i} for i in range(RANKS)], d["output"][:200]
        done = count("done")
        assert sorted(done) == list(range(RANKS)), "missing ranks: %s" % sorted(set(range(RANKS)) - set(done))
        twice = {r: n for r, n in done.items() if n != 1}
        assert not twice, "ranks whose side effect happened more than once: %s" % twice
        events, token = [], None
        while True:
            body = {"executionArn": ex, "maxResults": 7}
            if token:
                body["nextToken"] = token
            page = call(ep, "GetExecutionHistory", body)
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                break
        ids = [e["id"] for e in events]
        assert ids == list(range(1, len(ids) + 1)), ids
        types = [e["type"] for e in events]
        assert types.count("ExecutionStarted") == 1 and types[0] == "ExecutionStarted", types
        assert types.count("ExecutionSucceeded") == 1 and types[-1] == "ExecutionSucceeded", types
        for e in events:
            assert e["previousEventId"] < e["id"], e
        listed = {e["name"]: e["status"] for e in call(ep, "ListExecutions", {"stateMachineArn": small})["executions"]}
        assert listed == {"before-0": "SUCCEEDED", "before-1": "SUCCEEDED", "before-2": "SUCCEEDED"}, listed
        runs = call(ep, "ListMapRuns", {"executionArn": ex})["mapRuns"]
        m = call(ep, "DescribeMapRun", {"mapRunArn": runs[-1]["mapRunArn"]})
        assert m["status"] == "SUCCEEDED" and m["itemCounts"]["succeeded"] == RANKS, m
        print("ok - resumed after kill -9: %d ranks, each side effect once (%d not re-run), %d history events 1..%d"
              % (RANKS, len(done_before), len(ids), len(ids)))
        redrive(ep)
    finally:
        pass


try:
    main()
finally:
    # Whatever happened: open the gate (blocked tasks end) and stop the server's process group.
    if os.path.isdir(WORK):
        open(os.path.join(WORK, "gate"), "a").close()
    if SERVER[0] is not None and SERVER[0].poll() is None:
        os.killpg(SERVER[0].pid, signal.SIGTERM)
        SERVER[0].wait()
