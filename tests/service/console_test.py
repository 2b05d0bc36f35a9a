#!/usr/bin/env python3
"""The console of a running `cosmicai serve`, driven in headless Chromium.

Starts a server, opens its console in Chromium over the DevTools protocol (--remote-debugging-pipe:
JSON messages separated by NUL on fds 3 and 4, Python's standard library only), and checks, with
real mouse clicks:
  * an execution started through the API appears in the list RUNNING, its graph shows the Task
    In progress and then every state Succeeded, and the list turns it Succeeded;
  * Stop on the page aborts a running execution (the Wait state becomes Canceled);
  * a Distributed Map execution with a failing item shows FAILED, its Map Run page the item counts,
    and Redrive on the page runs it again to SUCCEEDED (redriveCount 1);
  * the list pages through 27 executions 25 at a time, newest first;
  * no console message, exception or failed request in the whole session.
Screenshots are kept in BUILD/test-artifacts/. Exit 77 (skipped) without chromium.

usage: console_test.py COSMICAI WORK_DIR ARTIFACTS_DIR
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "arn:aws:states:us-east-1:123456789012"
ROLE = "arn:aws:iam::123456789012:role/console-test"
failures = []


def check(cond, what):
    print(("ok - " if cond else "FAILED - ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


# === the server ===

class Server:
    def __init__(self, binary, work):
        self.work = work
        self.marker = os.path.join(work, "item-2-may-succeed")
        port_file = os.path.join(work, "port")
        self.log = open(os.path.join(work, "serve.log"), "w")
        flaky = "sh " + os.path.join(HERE, "console_flaky.sh") + " " + self.marker
        self.proc = subprocess.Popen(
            [binary, "serve", "--port", "0", "--port-file", port_file, "--db", os.path.join(work, "db.sqlite"),
             "--function", "slow=sh -c 'sleep 3; cat'", "--function", "flaky=" + flaky],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise SystemExit("cosmicai serve did not start: " + open(self.log.name).read())
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%d" % int(open(port_file).read())

    def api(self, op, body):
        req = urllib.request.Request(self.url + "/", data=json.dumps(body).encode(), method="POST", headers={
            "X-Amz-Target": "AWSStepFunctions." + op, "Content-Type": "application/x-amz-json-1.0"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")

    def machine(self, name, definition):
        return self.api("CreateStateMachine", {"name": name, "roleArn": ROLE,
                                               "definition": json.dumps(definition)})["stateMachineArn"]

    def wait_status(self, arn, want, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            d = self.api("DescribeExecution", {"executionArn": arn})
            if d["status"] == want:
                return d
            time.sleep(0.1)
        return self.api("DescribeExecution", {"executionArn": arn})

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# === Chromium over the DevTools protocol (pipe transport) ===

class Browser:
    def __init__(self, profile):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def fds():  # the child's fd 3 reads our commands, fd 4 writes its answers
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(profile + ".log", "w"),
            preexec_fn=fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.inp = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.next_id = 0
        self.replies = {}
        self.events = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.session = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1400, "height": 1500, "deviceScaleFactor": 1, "mobile": False})

    def _read(self):
        buf = b""
        while True:
            chunk = self.inp.read(65536)
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                with self.cv:
                    if "id" in m:
                        self.replies[m["id"]] = m
                    else:
                        self.events.append(m)
                    self.cv.notify_all()

    def send(self, method, params=None, timeout=30):
        with self.cv:
            self.next_id += 1
            i = self.next_id
        msg = {"id": i, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        self.out.write(json.dumps(msg).encode() + b"\0")
        with self.cv:
            if not self.cv.wait_for(lambda: i in self.replies, timeout):
                raise RuntimeError(method + ": no answer from chromium in %ds" % timeout)
            m = self.replies.pop(i)
        if "error" in m:
            raise RuntimeError(method + ": " + json.dumps(m["error"]))
        return m.get("result", {})

    def eval(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluating %s: %s" % (expression, json.dumps(r["exceptionDetails"])[:500]))
        return r["result"].get("value")

    def wait(self, expression, what, timeout=30):
        end = time.time() + timeout
        value = None
        while time.time() < end:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        check(False, "%s (waited %ds; last value %r)" % (what, timeout, value))
        return value

    def click(self, selector, what):
        """A real mouse click at the centre of the element (it must be visible and on top)."""
        expr = """(() => { const e = document.querySelector(%s);
            if (!e) return "absent"; if (e.disabled) return "disabled"; e.scrollIntoView({block: "center"});
            const r = e.getClientRects()[0] || e.getBoundingClientRect(); const x = r.x + r.width / 2, y = r.y + r.height / 2;
            const top = document.elementFromPoint(x, y);
            return top && (top === e || e.contains(top)) ? [x, y] : "covered by " + (top ? top.outerHTML.slice(0, 120) : "nothing"); })()""" % json.dumps(selector)
        box = self.wait("(() => { const v = %s; return Array.isArray(v) ? v : null; })()" % expr, what + ": " + selector +
                        " is visible and enabled")
        if not box:
            print("  (%s: %s)" % (selector, self.eval(expr)))
            return
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def goto(self, url):
        self.send("Page.navigate", {"url": url})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return os.path.getsize(path)

    def problems(self):
        """Console messages, exceptions and failed requests seen so far."""
        out = []
        with self.cv:
            events = list(self.events)
        for e in events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled":
                out.append("console.%s: %s" % (p.get("type"), " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:400])
            elif e["method"] == "Log.entryAdded":
                entry = p.get("entry", {})
                out.append("log %s: %s %s" % (entry.get("level"), entry.get("text"), entry.get("url", "")))
            elif e["method"] == "Network.loadingFailed":
                out.append("request failed: %s" % p.get("errorText"))
            elif e["method"] == "Network.responseReceived" and p.get("response", {}).get("status", 200) >= 400:
                out.append("HTTP %d for %s" % (p["response"]["status"], p["response"]["url"]))
        return out

    def close(self):
        try:
            self.session = None
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# === the scenario ===

def row_status(name):
    return "(() => { const r = document.querySelector('#executions tr[data-name=%s]'); " \
           "return r ? r.dataset.status : null; })()" % json.dumps(name)


def graph_states():
    return "(() => { const g = document.getElementById('graph'); " \
           "return g && g.dataset.states ? JSON.parse(g.dataset.states) : null; })()"


def page_status():
    return "(() => { const s = document.querySelector('#exec-status .status'); return s ? s.dataset.status : null; })()"


def main():
    binary, work, artifacts = sys.argv[1:4]
    if not shutil.which("chromium"):
        print("[  SKIPPED ] chromium is not installed (Debian package chromium; scripts/setup.sh adds it)")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.makedirs(artifacts, exist_ok=True)
    server = Server(binary, work)
    browser = None
    try:
        task_arn = server.machine("console-task", {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}})
        wait_arn = server.machine("console-wait", {"StartAt": "Sleep", "States": {
            "Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}})
        map_arn = server.machine("console-map", {"StartAt": "Fan out", "States": {"Fan out": {
            "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Item",
                "States": {"Item": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                                    "End": True}}},
            "End": True}}})

        browser = Browser(os.path.join(work, "profile"))
        # --- the list: an execution started through the API appears, runs, succeeds ---
        browser.goto(server.url + "/#/machine/" + urllib.request.quote(task_arn, safe=""))
        check(browser.wait("(() => { const b = document.querySelector('#executions tbody'); "
                           "return b && b.textContent === 'No executions.'; })()", "the execution list renders empty"),
              "the list is empty before the first execution")
        first = server.api("StartExecution", {"stateMachineArn": task_arn, "name": "first", "input": '{"n": 1}'})
        check(browser.wait(row_status("first") + " === 'RUNNING'", "'first' appears in the list RUNNING", 10),
              "the list shows 'first' RUNNING without a reload")
        browser.click("#executions tr[data-name=first] a", "open 'first'")
        browser.wait("location.hash.startsWith('#/execution/')", "the execution page opens")
        states = browser.wait("(() => { const s = %s; return s && s.length === 2 && s[0][1] === 'In progress' ? s : null; })()"
                              % graph_states(), "the graph shows Work In progress while it runs", 10)
        check(bool(states) and states[1] == ["Done", "Not run"], "the graph shows Done Not run while Work runs")
        check(browser.eval("document.getElementById('btn-stop').disabled") is False, "Stop is enabled while running")
        states = browser.wait("(() => { const s = %s; return s && s.every(x => x[1] === 'Succeeded') ? s : null; })()"
                              % graph_states(), "the graph turns every state Succeeded", 30)
        check(browser.wait(page_status() + " === 'SUCCEEDED'", "the page shows SUCCEEDED"), "execution page SUCCEEDED")
        check(browser.wait("document.querySelector('#events tr[data-type=ExecutionSucceeded]') !== null",
                           "the event table lists ExecutionSucceeded"), "event table complete")
        types = browser.eval("[...document.querySelectorAll('#events tbody tr')].map(r => r.dataset.type)")
        check(types == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                        "LambdaFunctionSucceeded", "TaskStateExited", "PassStateEntered", "PassStateExited",
                        "ExecutionSucceeded"],
              "events in order: %s" % types)
        check(browser.eval("document.querySelector('#graph svg') !== null"), "the graph is an inline SVG")
        check("Succeeded" in browser.eval("document.querySelector('#graph svg').textContent"),
              "the SVG's nodes say Succeeded")
        output = browser.wait("(() => { const o = document.getElementById('exec-output'); return o && o.textContent; })()",
                              "the output is shown")
        check(output is not None and json.loads(output) == {"n": 1},
              "the output is shown")
        check(browser.eval("document.getElementById('btn-stop').disabled") is True, "Stop is disabled once it ended")
        size = browser.screenshot(os.path.join(artifacts, "console-execution.png"))
        check(size > 20000, "screenshot console-execution.png (%d bytes)" % size)
        browser.click("#crumbs a[href^='#/machine/']", "back to the list")
        check(browser.wait(row_status("first") + " === 'SUCCEEDED'", "the list shows 'first' SUCCEEDED"),
              "the list turns 'first' Succeeded")
        check(server.api("DescribeExecution", {"executionArn": first["executionArn"]})["status"] == "SUCCEEDED",
              "the API agrees: SUCCEEDED")
        size = browser.screenshot(os.path.join(artifacts, "console-list.png"))
        check(size > 10000, "screenshot console-list.png (%d bytes)" % size)

        # --- Stop from the page ---
        waiting = server.api("StartExecution", {"stateMachineArn": wait_arn, "name": "long-wait"})["executionArn"]
        browser.goto(server.url + "/#/execution/" + urllib.request.quote(waiting, safe=""))
        browser.wait(page_status() + " === 'RUNNING'", "the waiting execution shows RUNNING")
        browser.click("#btn-stop", "Stop")
        browser.wait("!document.getElementById('modal').hidden", "the stop dialog opens")
        browser.click("#modal-confirm", "confirm Stop")
        check(browser.wait(page_status() + " === 'ABORTED'", "the page shows ABORTED after Stop", 15),
              "Stop from the page aborts the execution")
        check(server.api("DescribeExecution", {"executionArn": waiting})["status"] == "ABORTED", "the API agrees: ABORTED")
        states = browser.wait("(() => { const s = %s; return s && s[0][1] === 'Canceled' ? s : null; })()"
                              % graph_states(), "the graph shows the Wait state Canceled", 15)
        check(bool(states), "Wait state Canceled in the graph")

        # --- a failed Distributed Map: the Map Run page, then Redrive from the page ---
        fanned = server.api("StartExecution", {"stateMachineArn": map_arn, "name": "fan-out",
                                               "input": json.dumps({"items": [1, 2, 3]})})["executionArn"]
        check(server.wait_status(fanned, "FAILED")["status"] == "FAILED", "item 2 fails the Map: FAILED")
        browser.goto(server.url + "/#/execution/" + urllib.request.quote(fanned, safe=""))
        check(browser.wait(page_status() + " === 'FAILED'", "the page shows FAILED"), "failed execution shown")
        states = browser.wait(graph_states(), "the Map graph renders")
        check(bool(states) and dict(map(tuple, states)).get("Fan out") == "Failed", "the Map state is Failed: %s" % states)
        browser.click("#map-runs tbody tr a", "open the Map Run")
        browser.wait("document.getElementById('maprun-counts') !== null", "the Map Run page renders")
        counts = browser.eval("Object.fromEntries([...document.querySelectorAll('#maprun-counts tr[data-count]')]"
                              ".map(r => [r.dataset.count, +r.children[1].textContent]))")
        check(counts.get("total") == 3 and counts.get("failed", 0) >= 1 and
              counts.get("succeeded", 0) + counts.get("failed", 0) + counts.get("aborted", 0) == 3,
              "Map Run item counts: %s" % counts)
        size = browser.screenshot(os.path.join(artifacts, "console-maprun.png"))
        check(size > 10000, "screenshot console-maprun.png (%d bytes)" % size)
        browser.click("#crumbs a[href^='#/execution/']", "back to the execution")
        browser.wait(page_status() + " === 'FAILED'", "the execution page again")
        open(server.marker, "w").close()  # item 2 succeeds from now on
        browser.click("#btn-redrive", "Redrive")
        browser.wait("!document.getElementById('modal').hidden", "the redrive dialog opens")
        browser.click("#modal-confirm", "confirm Redrive")
        check(browser.wait(page_status() + " === 'SUCCEEDED'", "the page shows SUCCEEDED after Redrive", 30),
              "Redrive from the page runs it to SUCCEEDED")
        d = server.api("DescribeExecution", {"executionArn": fanned})
        check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 1 and json.loads(d["output"]) == [1, 2, 3],
              "the API agrees: SUCCEEDED, redriveCount 1, output [1,2,3] (%s, %s)" % (d["status"], d.get("output")))
        states = browser.wait("(() => { const s = %s; return s && s.every(x => x[1] === 'Succeeded') ? s : null; })()"
                              % graph_states(), "the graph shows the latest attempt Succeeded", 15)
        check(bool(states), "graph after redrive: %s" % states)
        check(browser.wait("document.querySelector('#events tr[data-type=ExecutionRedriven]') !== null",
                           "the event table lists ExecutionRedriven"), "ExecutionRedriven event shown")

        # --- paging: 27 executions, pages of 25, newest first ---
        many = server.machine("console-many", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        for i in range(27):
            server.api("StartExecution", {"stateMachineArn": many, "name": "run-%02d" % i})
        browser.goto(server.url + "/#/machine/" + urllib.request.quote(many, safe=""))
        rows = "[...document.querySelectorAll('#executions tbody tr[data-name]')].map(r => r.dataset.name)"
        first_page = browser.wait("(() => { const r = %s; return r.length === 25 ? r : null; })()" % rows,
                                  "the first page has 25 executions")
        check(bool(first_page) and first_page[0] == "run-26" and first_page[-1] == "run-02",
              "newest first: %s … %s" % (first_page and first_page[0], first_page and first_page[-1]))
        browser.click("#page-next", "Next page")
        second = browser.wait("(() => { const r = %s; return r.length === 2 ? r : null; })()" % rows,
                              "the second page has the 2 oldest")
        check(second == ["run-01", "run-00"], "second page: %s" % second)
        check(browser.eval("document.getElementById('page-next').disabled") is True, "no page after the last")
        browser.click("#page-prev", "Previous page")
        check(bool(browser.wait("(() => { const r = %s; return r.length === 25 && r[0] === 'run-26'; })()" % rows,
                                "back to the first page")), "Previous returns to the first page")

        problems = browser.problems()
        check(not problems, "no console message, exception or failed request" +
              ("" if not problems else ":\n  " + "\n  ".join(problems)))
    finally:
        if browser:
            browser.close()
        server.close()
    if failures:
        print("%d check(s) failed; server log: %s" % (len(failures), os.path.join(work, "serve.log")))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
