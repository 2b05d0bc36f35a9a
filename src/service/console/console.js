// The cosmicai console: the AWS Step Functions console's views over this server's own API
// (AWS JSON 1.0: POST / with X-Amz-Target). No framework; the page is rebuilt from the API on
// every route change and polled while something runs.
"use strict";

// === API ===

class ApiError extends Error {
  constructor(type, message) {
    super(type + ": " + message);
    this.type = type;
  }
}

async function api(operation, body) {
  const res = await fetch("/", {
    method: "POST",
    headers: {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions." + operation},
    body: JSON.stringify(body || {}),
  });
  const text = await res.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch (e) {
    throw new ApiError("BadResponse", operation + " answered HTTP " + res.status + " with non-JSON");
  }
  if (!res.ok) throw new ApiError(data.__type || "HTTP " + res.status, data.message || text);
  return data;
}

async function graphOf(executionArn) {
  const res = await fetch("/console/graph?executionArn=" + encodeURIComponent(executionArn));
  const data = await res.json();
  if (!res.ok) throw new ApiError(data.__type || "HTTP " + res.status, data.message || "");
  return data;
}

// === DOM helpers ===

// Children as h() takes them (nested arrays, strings, nodes; null/undefined/false skipped) → nodes.
function nodes(children) {
  return children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...nodes(children));
  return el;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

function fmtTime(epoch) {
  if (epoch === undefined || epoch === null) return "-";
  const d = new Date(epoch * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:` +
         `${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function fmtDuration(seconds) {
  if (seconds === undefined || seconds === null || !(seconds >= 0)) return "-";
  if (seconds < 1) return Math.round(seconds * 1000) + " ms";
  if (seconds < 60) return seconds.toFixed(seconds < 10 ? 2 : 1) + " s";
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

const nowEpoch = () => Date.now() / 1000;
const durationOf = (x) => (x.stopDate ?? nowEpoch()) - x.startDate;
const statusWords = {
  RUNNING: "Running", SUCCEEDED: "Succeeded", FAILED: "Failed", TIMED_OUT: "Timed out",
  ABORTED: "Aborted", PENDING_REDRIVE: "Pending redrive",
};
const statusBadge = (s) => h("span", {class: "status " + s, "data-status": s}, statusWords[s] || s);
const nameOfArn = (arn) => arn.split(":").pop();
const route = (...parts) => "#/" + parts.map(encodeURIComponent).join("/");

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return text;
  }
}

// === Page state, polling ===

let generation = 0;  // bumped on every navigation: stale polls stop
let pollTimer = null;
const POLL_MS = 1000;

function schedulePoll(gen, fn) {
  clearTimeout(pollTimer);
  document.getElementById("live").textContent = "● live";
  pollTimer = setTimeout(async () => {
    if (gen !== generation) return;
    try {
      await fn();
    } catch (e) {
      showError(e);
    }
  }, POLL_MS);
}

function stopPolling() {
  clearTimeout(pollTimer);
  document.getElementById("live").textContent = "";
}

function showError(e) {
  const app = document.getElementById("app");
  const old = document.getElementById("flash");
  if (old) old.remove();
  app.prepend(h("div", {class: "flash", id: "flash"}, e.message || String(e)));
}

function crumbs(...items) {
  const nav = document.getElementById("crumbs");
  nav.replaceChildren();
  items.forEach((it, i) => {
    if (i) nav.append(h("span", {class: "sep"}, "›"));
    nav.append(it.href ? h("a", {href: it.href}, it.text) : h("span", {}, it.text));
  });
}

function modal({title, body, confirm, onConfirm}) {
  const m = document.getElementById("modal");
  document.getElementById("modal-title").textContent = title;
  document.getElementById("modal-body").replaceChildren(...body);
  const ok = document.getElementById("modal-confirm");
  const cancel = document.getElementById("modal-cancel");
  ok.textContent = confirm;
  ok.disabled = false;
  m.hidden = false;
  const close = () => {
    m.hidden = true;
    ok.onclick = null;
    cancel.onclick = null;
  };
  cancel.onclick = close;
  ok.onclick = async () => {
    ok.disabled = true;
    try {
      await onConfirm();
      close();
    } catch (e) {
      close();
      showError(e);
    }
  };
}

// === Views ===

async function viewStateMachines(gen) {
  crumbs({text: "State machines"});
  const machines = [];
  let token;
  do {
    const r = await api("ListStateMachines", {maxResults: 1000, nextToken: token});
    machines.push(...r.stateMachines);
    token = r.nextToken;
  } while (token);
  if (gen !== generation) return;
  const rows = machines.map((m) =>
    h("tr", {"data-arn": m.stateMachineArn},
      h("td", {}, h("a", {href: route("machine", m.stateMachineArn)}, m.name)),
      h("td", {}, m.type), h("td", {}, fmtTime(m.creationDate)),
      h("td", {class: "mono"}, m.stateMachineArn)));
  document.getElementById("app").replaceChildren(
    h("h1", {}, "State machines"),
    h("div", {class: "card"},
      machines.length ? h("table", {id: "machines"},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Type"), h("th", {}, "Creation date"), h("th", {}, "ARN"))),
        h("tbody", {}, rows))
        : h("p", {class: "muted"}, "No state machines yet: create one with the AWS CLI or an SDK (CreateStateMachine).")));
  stopPolling();
}

async function viewMachine(gen, arn) {
  const machine = await api("DescribeStateMachine", {stateMachineArn: arn});
  if (gen !== generation) return;
  crumbs({text: "State machines", href: "#/"}, {text: machine.name});
  const state = {tokens: [undefined], page: 0, filter: ""};
  const tbody = h("tbody");
  const pageLabel = h("span", {class: "muted"});
  const prev = h("button", {id: "page-prev", type: "button"}, "‹ Previous");
  const next = h("button", {id: "page-next", type: "button"}, "Next ›");
  const filter = h("select", {id: "status-filter"},
    h("option", {value: ""}, "Any status"),
    ...Object.keys(statusWords).map((s) => h("option", {value: s}, statusWords[s])));
  const startButton = h("button", {id: "btn-start", type: "button", class: "primary"}, "Start execution");

  async function load() {
    const r = await api("ListExecutions", {
      stateMachineArn: arn, maxResults: 25, nextToken: state.tokens[state.page],
      statusFilter: state.filter || undefined,
    });
    if (gen !== generation) return;
    state.tokens[state.page + 1] = r.nextToken;
    tbody.replaceChildren(...r.executions.map((x) =>
      h("tr", {"data-arn": x.executionArn, "data-name": x.name, "data-status": x.status},
        h("td", {}, h("a", {href: route("execution", x.executionArn)}, x.name)),
        h("td", {}, statusBadge(x.status)),
        h("td", {}, fmtTime(x.startDate)), h("td", {}, fmtTime(x.stopDate)),
        h("td", {class: "num"}, fmtDuration(durationOf(x))))));
    if (!r.executions.length) {
      tbody.append(h("tr", {}, h("td", {colspan: 5, class: "muted"}, "No executions.")));
    }
    prev.disabled = state.page === 0;
    next.disabled = !r.nextToken;
    pageLabel.textContent = "Page " + (state.page + 1);
    // Live while any execution on this page runs (new ones appear on the first page too).
    if (state.page === 0 || r.executions.some((x) => x.status === "RUNNING")) schedulePoll(gen, load);
    else stopPolling();
  }
  prev.onclick = () => { state.page = Math.max(0, state.page - 1); load().catch(showError); };
  next.onclick = () => { state.page += 1; load().catch(showError); };
  filter.onchange = () => { state.filter = filter.value; state.page = 0; state.tokens = [undefined]; load().catch(showError); };
  startButton.onclick = () => {
    const name = h("input", {id: "start-name", placeholder: "(a new UUID)"});
    const input = h("textarea", {id: "start-input"}, "{}");
    modal({
      title: "Start execution", confirm: "Start execution",
      body: [h("label", {for: "start-name"}, "Name"), name, h("label", {for: "start-input"}, "Input (JSON)"), input],
      onConfirm: async () => {
        const r = await api("StartExecution", {stateMachineArn: arn, name: name.value || undefined, input: input.value});
        location.hash = route("execution", r.executionArn);
      },
    });
  };

  document.getElementById("app").replaceChildren(
    h("h1", {}, machine.name),
    h("div", {class: "card"},
      h("div", {class: "details"},
        h("div", {}, h("span", {}, "ARN"), h("b", {class: "mono"}, machine.stateMachineArn)),
        h("div", {}, h("span", {}, "Type"), h("b", {}, machine.type)),
        h("div", {}, h("span", {}, "Status"), h("b", {}, machine.status)),
        h("div", {}, h("span", {}, "Creation date"), h("b", {}, fmtTime(machine.creationDate))))),
    h("div", {class: "card"},
      h("div", {class: "card-head"}, h("h2", {}, "Executions"), filter, startButton),
      h("table", {id: "executions"},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "Started"),
          h("th", {}, "End time"), h("th", {class: "num"}, "Duration"))),
        tbody),
      h("div", {class: "pager"}, pageLabel, prev, next)));
  await load();
}

const legendColors = [
  ["In progress", "#dfeefc", "#1565c0"], ["Failed", "#fde2e1", "#c62828"], ["Caught error", "#fff1d6", "#e08a00"],
  ["Canceled", "#eceff1", "#455a64"], ["Succeeded", "#e3f4e4", "#2e7d32"], ["Not run", "#f2f2f2", "#9e9e9e"],
];

// One event row as the console's table shows it: id, type, step, resource, time since start.
function eventRow(e, start) {
  const detailsKey = Object.keys(e).find((k) => k.endsWith("EventDetails"));
  const d = detailsKey ? e[detailsKey] : {};
  const step = d.name || "";
  const resource = d.resource ? (d.resourceType ? d.resourceType + ": " : "") + d.resource : "";
  const failed = /Failed$|TimedOut$|Aborted$/.test(e.type);
  const extra = [];
  if (d.error) extra.push(d.error + (d.cause ? ": " + d.cause : ""));
  else if (d.output !== undefined && /Succeeded$|StateExited$/.test(e.type)) extra.push(d.output);
  else if (d.input !== undefined) extra.push(d.input);
  return h("tr", {class: failed ? "event-failed" : "", "data-type": e.type},
    h("td", {class: "num"}, e.id), h("td", {}, e.type), h("td", {}, step), h("td", {class: "mono"}, resource),
    h("td", {class: "num"}, start !== undefined ? Math.round((e.timestamp - start) * 1000) + " ms" : ""),
    h("td", {}, fmtTime(e.timestamp)),
    h("td", {class: "mono"}, extra.length ? String(extra[0]).slice(0, 300) : ""));
}

// The live line of a running Map Run: items done, rate, ETA (the `cosmicai run` status line's fields).
function progressLine(m) {
  const c = m.itemCounts;
  const done = c.succeeded + c.failed + c.timedOut + c.aborted;
  const elapsed = durationOf(m);
  const rate = elapsed > 0 ? done / elapsed : 0;
  let s = `items ${done}/${c.total}`;
  if (c.failed) s += ` (${c.failed} failed)`;
  s += ` · ${rate.toFixed(rate < 10 ? 2 : 0)} items/s · ${fmtDuration(elapsed)} elapsed`;
  if (m.status === "RUNNING" && done > 0 && c.total > done) s += ` · ETA ${fmtDuration(elapsed / done * (c.total - done))}`;
  return s;
}

function countsBar(c) {
  const parts = [["succeeded", "#2e7d32"], ["failed", "#c62828"], ["aborted", "#455a64"], ["timedOut", "#8e24aa"],
                 ["running", "#1565c0"], ["pending", "#cfd8dc"]];
  return h("div", {class: "bar", title: "succeeded, failed, aborted, timed out, running, pending"},
    ...parts.filter(([k]) => c[k] > 0).map(([k, color]) =>
      h("div", {style: `width:${(100 * c[k] / Math.max(1, c.total)).toFixed(2)}%;background:${color}`})));
}

async function viewExecution(gen, arn) {
  const app = document.getElementById("app");
  const title = h("h1", {});
  const buttons = {
    stop: h("button", {id: "btn-stop", type: "button", class: "danger"}, "Stop execution"),
    redrive: h("button", {id: "btn-redrive", type: "button"}, "Redrive"),
  };
  const details = h("div", {class: "details", id: "exec-details"});
  const graphBox = h("div", {class: "graph", id: "graph"});
  const graphNote = h("p", {class: "muted", id: "graph-note"});
  const mapRuns = h("div", {id: "map-runs"});
  const events = h("tbody");
  const io = h("div", {id: "io"});
  let lastEvents = -1, lastStatus = "";

  buttons.stop.onclick = () => {
    const error = h("input", {id: "stop-error", placeholder: "(optional)"});
    const cause = h("input", {id: "stop-cause", placeholder: "(optional)"});
    modal({
      title: "Stop execution", confirm: "Stop",
      body: [h("p", {}, "Stop ", h("b", {}, nameOfArn(arn)), "? Running states are canceled; the execution ends ABORTED."),
             h("label", {for: "stop-error"}, "Error"), error, h("label", {for: "stop-cause"}, "Cause"), cause],
      onConfirm: async () => {
        await api("StopExecution", {executionArn: arn, error: error.value || undefined, cause: cause.value || undefined});
        await refresh();
      },
    });
  };
  buttons.redrive.onclick = () => {
    modal({
      title: "Redrive execution", confirm: "Redrive",
      body: [h("p", {}, "Redrive ", h("b", {}, nameOfArn(arn)),
               "? It runs again from the start; Distributed Map items that succeeded are not run again.")],
      onConfirm: async () => {
        await api("RedriveExecution", {executionArn: arn});
        await refresh();
      },
    });
  };

  app.replaceChildren(
    title,
    h("div", {class: "card"}, h("div", {class: "card-head"}, h("h2", {}, "Details"), buttons.stop, buttons.redrive), details),
    h("div", {class: "card"}, h("div", {class: "card-head"}, h("h2", {}, "Graph view")),
      h("div", {class: "legend"}, ...legendColors.map(([n, f, s]) =>
        h("span", {}, h("i", {style: `background:${f};border-color:${s}`}), n))),
      graphBox, graphNote),
    mapRuns,
    h("div", {class: "card"}, h("h2", {}, "Input and output"), io),
    h("div", {class: "card"}, h("h2", {}, "Events"),
      h("table", {id: "events"},
        h("thead", {}, h("tr", {}, h("th", {class: "num"}, "ID"), h("th", {}, "Type"), h("th", {}, "Step"),
          h("th", {}, "Resource"), h("th", {class: "num"}, "Started after"), h("th", {}, "Date and time"),
          h("th", {}, "Details"))),
        events)));

  async function refresh() {
    const x = await api("DescribeExecution", {executionArn: arn});
    if (gen !== generation) return;
    crumbs({text: "State machines", href: "#/"},
           {text: nameOfArn(x.stateMachineArn), href: route("machine", x.stateMachineArn)}, {text: x.name});
    title.replaceChildren(x.name, h("span", {id: "exec-status"}, statusBadge(x.status)));
    const item = (label, value, id) => h("div", {}, h("span", {}, label), h("b", {id}, value));
    details.replaceChildren(...nodes([
      item("Execution ARN", x.executionArn), item("Status", statusWords[x.status] || x.status),
      item("Start time", fmtTime(x.startDate)), item("End time", fmtTime(x.stopDate)),
      item("Duration", fmtDuration(durationOf(x)), "exec-duration"),
      item("State machine", nameOfArn(x.stateMachineArn)),
      item("Redrive count", x.redriveCount ?? 0), item("Redrive status", x.redriveStatus || "-"),
      x.error ? item("Error", x.error) : null, x.cause ? item("Cause", x.cause) : null]));
    buttons.stop.disabled = x.status !== "RUNNING";
    buttons.redrive.disabled = x.redriveStatus !== "REDRIVABLE";

    // History (every page), then the graph only when something changed.
    const all = [];
    let token;
    do {
      const r = await api("GetExecutionHistory", {executionArn: arn, maxResults: 1000, nextToken: token});
      all.push(...r.events);
      token = r.nextToken;
    } while (token && all.length < 20000);
    if (gen !== generation) return;
    if (all.length !== lastEvents || x.status !== lastStatus) {
      const start = all.length ? all[0].timestamp : undefined;
      events.replaceChildren(...all.map((e) => eventRow(e, start)));
      const g = await graphOf(arn);
      if (gen !== generation) return;
      graphBox.innerHTML = g.svg;  // our own server's rendering of the definition (escaped by it)
      graphBox.dataset.states = JSON.stringify(g.states.map((s) => [s.name, s.status]));
      graphBox.dataset.executionStatus = g.executionStatus;
      graphNote.textContent = (g.layout === "dot" ? "Laid out by Graphviz dot" : "Built-in layout") +
        " · " + g.states.length + " states · " + g.events + " events";
      io.replaceChildren(...nodes([
        h("h3", {}, "Input"), h("pre", {id: "exec-input"}, prettyJson(x.input)),
        x.output !== undefined ? [h("h3", {}, "Output"), h("pre", {id: "exec-output"}, prettyJson(x.output))] : null]));
      lastEvents = all.length;
      lastStatus = x.status;
    }

    // Map Runs with their counts and progress.
    const runs = [];
    token = undefined;
    do {
      const r = await api("ListMapRuns", {executionArn: arn, maxResults: 1000, nextToken: token});
      runs.push(...r.mapRuns);
      token = r.nextToken;
    } while (token);
    const described = await Promise.all(runs.map((m) => api("DescribeMapRun", {mapRunArn: m.mapRunArn})));
    if (gen !== generation) return;
    mapRuns.replaceChildren(...nodes([described.length ? h("div", {class: "card"}, h("h2", {}, "Map Runs"),
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", {}, "Map Run"), h("th", {}, "Status"), h("th", {}, "Progress"),
          h("th", {class: "num"}, "Succeeded"), h("th", {class: "num"}, "Failed"), h("th", {class: "num"}, "Total"),
          h("th", {}, "Started"), h("th", {class: "num"}, "Duration"))),
        h("tbody", {}, described.map((m) => h("tr", {"data-arn": m.mapRunArn},
          h("td", {class: "mono nowrap"}, h("a", {href: route("maprun", m.mapRunArn)}, m.mapRunArn.split(":").pop())),
          h("td", {}, statusBadge(m.status)),
          h("td", {}, countsBar(m.itemCounts), h("span", {class: "progress-line"}, progressLine(m))),
          h("td", {class: "num"}, m.itemCounts.succeeded), h("td", {class: "num"}, m.itemCounts.failed),
          h("td", {class: "num"}, m.itemCounts.total), h("td", {}, fmtTime(m.startDate)),
          h("td", {class: "num"}, fmtDuration(durationOf(m)))))))) : null]));

    if (x.status === "RUNNING") schedulePoll(gen, refresh);
    else stopPolling();
  }
  await refresh();
}

async function viewMapRun(gen, arn) {
  async function refresh() {
    const m = await api("DescribeMapRun", {mapRunArn: arn});
    if (gen !== generation) return;
    const x = m.executionArn;
    crumbs({text: "State machines", href: "#/"}, {text: nameOfArn(x), href: route("execution", x)},
           {text: "Map Run " + arn.split(":").pop()});
    const c = m.itemCounts;
    const row = (k, label) => h("tr", {"data-count": k}, h("td", {}, label), h("td", {class: "num"}, c[k]),
                                h("td", {class: "num"}, m.executionCounts[k]));
    const item = (label, value) => h("div", {}, h("span", {}, label), h("b", {}, value));
    document.getElementById("app").replaceChildren(
      h("h1", {}, "Map Run", h("span", {id: "maprun-status"}, statusBadge(m.status))),
      h("div", {class: "card"}, h("div", {class: "details"},
        item("Map Run ARN", m.mapRunArn), item("Execution", nameOfArn(x)),
        item("Start time", fmtTime(m.startDate)), item("End time", fmtTime(m.stopDate)),
        item("Duration", fmtDuration(durationOf(m))), item("Max concurrency", m.maxConcurrency || "unlimited"),
        item("Tolerated failure", `${m.toleratedFailurePercentage}% / ${m.toleratedFailureCount} items`))),
      h("div", {class: "card"}, h("h2", {}, "Item processing status"), countsBar(c),
        h("p", {class: "progress-line", id: "maprun-progress"}, progressLine(m)),
        h("table", {id: "maprun-counts"},
          h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {class: "num"}, "Items"),
            h("th", {class: "num"}, "Child executions"))),
          h("tbody", {}, row("pending", "Pending"), row("running", "Running"), row("succeeded", "Succeeded"),
            row("failed", "Failed"), row("timedOut", "Timed out"), row("aborted", "Aborted"), row("total", "Total"),
            row("resultsWritten", "Results written")))));
    if (m.status === "RUNNING") schedulePoll(gen, refresh);
    else stopPolling();
  }
  await refresh();
}

// === Router ===

async function render() {
  const gen = ++generation;
  stopPolling();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "machine" && parts[1]) await viewMachine(gen, parts[1]);
    else if (parts[0] === "execution" && parts[1]) await viewExecution(gen, parts[1]);
    else if (parts[0] === "maprun" && parts[1]) await viewMapRun(gen, parts[1]);
    else await viewStateMachines(gen);
  } catch (e) {
    if (gen === generation) showError(e);
  }
}

window.addEventListener("hashchange", render);
render();
