#include "report/html/state_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "report/html/svg.hpp"

namespace cosmicai::report::html {

GraphState* StateGraph::find(const std::string& id) {
  for (auto& s : states) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

namespace {

constexpr const char* kStart = "(start)";
constexpr const char* kEnd = "(end)";

[[noreturn]] void bad(const std::string& pointer, const std::string& what) {
  throw std::runtime_error(fmt::format("state machine definition {}: {}", pointer.empty() ? "/" : pointer, what));
}

void add_machine(StateGraph& g, const json& m, const std::string& prefix, const std::string& machine,
                 const std::string& pointer) {
  if (!m.is_object()) bad(pointer, "must be an object with StartAt and States");
  if (!m.contains("StartAt") || !m.at("StartAt").is_string()) bad(pointer + "/StartAt", "missing or not a string");
  if (!m.contains("States") || !m.at("States").is_object()) bad(pointer + "/States", "missing or not an object");
  for (const auto& [name, st] : m.at("States").items()) {
    const std::string sp = pointer + "/States/" + pointer_escape(name);
    if (!st.is_object() || !st.contains("Type") || !st.at("Type").is_string())
      bad(sp + "/Type", "missing or not a string");
    GraphState s;
    s.id = prefix + name;
    s.name = name;
    s.type = st.at("Type").get<std::string>();
    s.machine = machine;
    auto edge = [&](const json& target, const std::string& kind, const std::string& label) {
      if (target.is_string()) g.edges.push_back({s.id, prefix + target.get<std::string>(), kind, label});
    };
    if (st.contains("Next")) edge(st.at("Next"), "next", "");
    if (s.type == "Choice") {
      int i = 0;
      for (const auto& c : st.value("Choices", json::array())) {
        edge(c.value("Next", json()), "choice", fmt::format("rule {}", ++i));
      }
      if (st.contains("Default")) edge(st.at("Default"), "default", "default");
    }
    for (const auto& c : st.value("Catch", json::array())) {
      std::string label = "catch";
      if (c.contains("ErrorEquals") && c.at("ErrorEquals").is_array() && !c.at("ErrorEquals").empty()) {
        label = c.at("ErrorEquals")[0].is_string() ? c.at("ErrorEquals")[0].get<std::string>() : label;
        if (c.at("ErrorEquals").size() > 1) label += "…";
      }
      edge(c.value("Next", json()), "catch", label);
    }
    if (machine.empty() && (st.value("End", false) || s.type == "Succeed" || s.type == "Fail")) {
      g.edges.push_back({s.id, kEnd, "next", ""});
    }
    if (s.type == "Map") {
      const char* key = st.contains("ItemProcessor") ? "ItemProcessor" : "Iterator";
      if (!st.contains(key)) bad(sp, "Map without ItemProcessor or Iterator");
      const json& inner = st.at(key);
      s.mode = inner.is_object() && inner.contains("ProcessorConfig") && inner.at("ProcessorConfig").is_object()
                   ? inner.at("ProcessorConfig").value("Mode", std::string("INLINE"))
                   : std::string("INLINE");
      const std::string child = s.id + "/";
      g.states.push_back(s);
      add_machine(g, inner, child, child, sp + "/" + key);
      g.machines.push_back({child, s.id, fmt::format("{} · item processor ({})", name, s.mode),
                            child + inner.at("StartAt").get<std::string>()});
      g.edges.push_back({s.id, child + inner.at("StartAt").get<std::string>(), "start", "each item"});
      continue;
    }
    if (s.type == "Parallel") {
      g.states.push_back(s);
      if (!st.contains("Branches") || !st.at("Branches").is_array()) bad(sp + "/Branches", "missing or not an array");
      int i = 0;
      for (const auto& b : st.at("Branches")) {
        const std::string child = fmt::format("{}/branch {}/", s.id, i + 1);
        add_machine(g, b, child, child, fmt::format("{}/Branches/{}", sp, i));
        g.machines.push_back(
            {child, s.id, fmt::format("{} · branch {}", name, i + 1), child + b.at("StartAt").get<std::string>()});
        g.edges.push_back({s.id, child + b.at("StartAt").get<std::string>(), "start", ""});
        ++i;
      }
      continue;
    }
    g.states.push_back(std::move(s));
  }
}

const json& events_of(const json& history) {
  if (history.is_array()) return history;
  if (history.is_object() && history.contains("events") && history.at("events").is_array()) return history.at("events");
  throw std::runtime_error(
      "execution history: expected {\"events\":[…]} (GetExecutionHistory JSON) or an array of events");
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string details_error(const json& e) {
  for (const auto& [k, v] : e.items()) {
    if (ends_with(k, "EventDetails") && v.is_object() && (v.contains("error") || v.contains("cause"))) {
      std::string out = v.value("error", std::string());
      const std::string cause = v.value("cause", std::string());
      if (!cause.empty()) out += (out.empty() ? "" : ": ") + cause;
      return out.size() > 400 ? out.substr(0, 400) + "…" : out;
    }
  }
  return {};
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string node_lines(const GraphState& s, bool for_dot) {
  std::string l2 = s.type == "Map" && !s.mode.empty() ? fmt::format("Map ({})", s.mode) : s.type;
  if (!s.status.empty()) l2 += " · " + s.status;
  std::string l3;
  if (s.duration_s >= 0)
    l3 = human_seconds(s.entries > 1 ? s.duration_s / static_cast<double>(s.entries) : s.duration_s);
  if (s.entries > 1) l3 += fmt::format("{}×{}", l3.empty() ? "" : " mean, ", s.entries);
  if (s.retries > 0) l3 += fmt::format("{}{} retr{}", l3.empty() ? "" : " · ", s.retries, s.retries == 1 ? "y" : "ies");
  std::string out = s.name + "\n" + l2;
  if (!l3.empty()) out += "\n" + l3;
  if (!s.note.empty()) out += "\n" + s.note;
  (void)for_dot;
  return out;
}

std::string tooltip(const GraphState& s) {
  std::string t = node_lines(s, false);
  if (!s.error.empty()) t += "\nerror: " + s.error;
  return t;
}

}  // namespace

StatusColors status_colors(const std::string& status) {
  if (status == "Succeeded") return {"#e3f4e4", "#2e7d32"};
  if (status == "Failed") return {"#fde2e1", "#c62828"};
  if (status == "Caught error") return {"#fff1d6", "#e08a00"};
  if (status == "In progress") return {"#dfeefc", "#1565c0"};
  if (status == "Not run") return {"#f2f2f2", "#9e9e9e"};
  if (status == "Canceled") return {"#eceff1", "#455a64"};
  return {"#ffffff", "#546e7a"};
}

StateGraph graph_from_definition(const json& definition) {
  StateGraph g;
  g.states.push_back({kStart, "start", "Start", "", "", "", 0, -1, 0, "", ""});
  add_machine(g, definition, "", "", "");
  g.states.push_back({kEnd, "end", "End", "", "", "", 0, -1, 0, "", ""});
  g.edges.push_back({kStart, definition.at("StartAt").get<std::string>(), "next", ""});
  std::set<std::string> ids;
  for (const auto& s : g.states) ids.insert(s.id);
  for (const auto& e : g.edges) {
    if (!ids.count(e.to)) {
      throw std::runtime_error(
          fmt::format("state machine definition: state \"{}\" goes to \"{}\", which does not exist", e.from, e.to));
    }
  }
  return g;
}

StateGraph graph_from_history(const json& history) {
  StateGraph g;
  g.states.push_back({kStart, "start", "Start", "", "", "", 0, -1, 0, "", ""});
  std::string prev = kStart;
  std::set<std::string> seen;
  for (const auto& e : events_of(history)) {
    const std::string type = e.value("type", std::string());
    if (!ends_with(type, "StateEntered")) continue;
    const std::string name = e.value("stateEnteredEventDetails", json::object()).value("name", std::string());
    if (name.empty() || !seen.insert(name).second) continue;
    g.states.push_back({name, name, type.substr(0, type.size() - 12), "", "", "", 0, -1, 0, "", ""});
    g.edges.push_back({prev, name, "next", ""});
    prev = name;
  }
  g.states.push_back({kEnd, "end", "End", "", "", "", 0, -1, 0, "", ""});
  g.edges.push_back({prev, kEnd, "next", ""});
  return g;
}

void annotate_with_history(StateGraph& g, const json& history) {
  const json& events = events_of(history);
  std::unordered_map<std::string, std::vector<GraphState*>> by_name;
  for (auto& s : g.states) {
    if (s.type != "Start" && s.type != "End") by_name[s.name].push_back(&s);
  }
  struct Track {
    std::vector<double> entered;
    std::int64_t scheduled = 0;
    bool last_failed = false;
    bool any_state_failed = false;
    std::string error;
  };
  std::unordered_map<std::string, Track> track;
  std::unordered_map<std::int64_t, std::string> name_of;  // event id → state name it belongs to
  double first_ts = -1, last_ts = -1;
  bool any_state = false;
  std::size_t index = 0;
  for (const auto& e : events) {
    ++index;
    if (!e.is_object() || !e.contains("type") || !e.at("type").is_string()) {
      throw std::runtime_error(fmt::format("execution history: event {} has no \"type\"", index));
    }
    const std::string type = e.at("type").get<std::string>();
    const std::int64_t id = e.value("id", static_cast<std::int64_t>(index));
    const std::int64_t prev = e.value("previousEventId", static_cast<std::int64_t>(0));
    double ts = -1;
    if (e.contains("timestamp") && e.at("timestamp").is_string()) {
      if (!parse_iso8601(e.at("timestamp").get<std::string>(), ts)) {
        throw std::runtime_error(fmt::format("execution history: event {} (id {}): timestamp \"{}\" is not ISO 8601",
                                             index, id, e.at("timestamp").get<std::string>()));
      }
    } else if (e.contains("timestamp") && e.at("timestamp").is_number()) {
      ts = e.at("timestamp").get<double>();
    }
    if (ts >= 0) {
      if (first_ts < 0) first_ts = ts;
      last_ts = std::max(last_ts, ts);
    }
    std::string name;
    if (ends_with(type, "StateEntered") || ends_with(type, "StateExited")) {
      const char* key = ends_with(type, "StateEntered") ? "stateEnteredEventDetails" : "stateExitedEventDetails";
      name = e.value(key, json::object()).value("name", std::string());
    } else if (auto it = name_of.find(prev); it != name_of.end()) {
      name = it->second;
    }
    if (!name.empty()) name_of[id] = name;

    if (type == "ExecutionRedriven") {
      // A new attempt (RedriveExecution): the graph shows the latest attempt, as the AWS console does.
      g.execution_status.clear();
      g.execution_error.clear();
      track.clear();
      for (auto& s : g.states) {
        if (s.type == "Start" || s.type == "End") continue;
        s.status.clear();
        s.error.clear();
        s.entries = 0;
        s.duration_s = -1;
        s.retries = 0;
      }
      continue;
    }
    if (type == "ExecutionSucceeded") g.execution_status = "SUCCEEDED";
    if (type == "ExecutionFailed" || type == "ExecutionTimedOut" || type == "ExecutionAborted") {
      g.execution_status = type == "ExecutionFailed" ? "FAILED" : type == "ExecutionTimedOut" ? "TIMED_OUT" : "ABORTED";
      g.execution_error = details_error(e);
    }
    if (name.empty()) continue;
    Track& t = track[name];
    if (ends_with(type, "StateEntered")) {
      any_state = true;
      t.entered.push_back(ts);
      for (auto* s : by_name[name]) {
        ++s->entries;
        if (s->status.empty() || s->status == "Not run") s->status = "In progress";
      }
      t.last_failed = false;
    } else if (ends_with(type, "StateExited")) {
      const double start = t.entered.empty() ? -1 : t.entered.back();
      if (!t.entered.empty()) t.entered.pop_back();
      for (auto* s : by_name[name]) {
        if (start >= 0 && ts >= 0) s->duration_s = std::max(0.0, s->duration_s) + (ts - start);
        if (s->status != "Failed") s->status = t.last_failed ? "Caught error" : "Succeeded";
        if (t.last_failed) s->error = t.error;
      }
    } else if (ends_with(type, "Scheduled") &&
               (type.starts_with("Task") || type.starts_with("LambdaFunction") || type.starts_with("Activity"))) {
      ++t.scheduled;
      t.last_failed = false;
    } else if (ends_with(type, "Failed") || ends_with(type, "TimedOut") || ends_with(type, "StartFailed")) {
      if (type.starts_with("MapIteration") || type.starts_with("MapRun")) continue;
      t.last_failed = true;
      t.error = details_error(e);
    } else if (ends_with(type, "Succeeded")) {
      t.last_failed = false;
    }
  }
  for (auto& [name, t] : track) {
    for (auto* s : by_name[name]) {
      if (s->type == "Task" && t.scheduled > s->entries) s->retries = t.scheduled - s->entries;
      if (!t.entered.empty()) {  // entered, never exited
        const bool failed =
            g.execution_status == "FAILED" || g.execution_status == "TIMED_OUT" || g.execution_status == "ABORTED";
        // As the AWS console shows them: a state an aborted (stopped) execution left running was
        // canceled; one a failed or timed-out execution left running failed.
        s->status = g.execution_status == "ABORTED" ? "Canceled" : failed ? "Failed" : "In progress";
        if (failed) s->error = !t.error.empty() ? t.error : g.execution_error;
        if (t.entered.back() >= 0 && last_ts >= 0)
          s->duration_s = std::max(0.0, s->duration_s) + (last_ts - t.entered.back());
      }
    }
  }
  if (any_state) {
    for (auto& s : g.states) {
      if (s.type != "Start" && s.type != "End" && s.status.empty()) s.status = "Not run";
    }
    if (g.execution_status.empty()) g.execution_status = "RUNNING";
  }
  if (first_ts >= 0 && last_ts >= first_ts) g.execution_duration_s = last_ts - first_ts;
}

void annotate_distributed_tasks(StateGraph& g, std::int64_t ok, std::int64_t failed, double mean_s) {
  std::set<std::string> distributed;
  for (const auto& s : g.states) {
    if (s.type == "Map" && s.mode == "DISTRIBUTED") distributed.insert(s.id + "/");
  }
  for (auto& s : g.states) {
    if (s.type != "Task" || s.entries > 0 || !distributed.count(s.machine)) continue;
    if (ok + failed == 0) continue;
    s.entries = ok;  // node_lines shows duration_s / entries: the mean
    s.duration_s = ok > 0 && mean_s >= 0 ? mean_s * static_cast<double>(ok) : -1;
    s.status = failed > 0 ? "Failed" : "Succeeded";
    s.note = fmt::format("{} invocation{}{}", ok + failed, ok + failed == 1 ? "" : "s",
                         failed ? fmt::format(", {} failed", failed) : std::string());
  }
}

std::string to_dot(const StateGraph& g) {
  std::string out =
      "digraph cosmicai {\n"
      "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=10, nodesep=0.35, ranksep=0.4, bgcolor=\"transparent\"];\n"
      "  node [fontname=\"Helvetica\", fontsize=10, penwidth=1.4];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#607d8b\", arrowsize=0.7];\n";
  auto node = [&](const GraphState& s, const std::string& indent) {
    const auto c = status_colors(s.status);
    std::string shape = "box", style = "rounded,filled";
    if (s.type == "Start" || s.type == "End") {
      out += fmt::format(
          "{}{} [shape=circle, style=filled, fillcolor=\"#37474f\", fontcolor=\"white\", width=0.45, "
          "fixedsize=true, label={}];\n",
          indent, dot_quote(s.id), dot_quote(s.name));
      return;
    }
    if (s.type == "Choice")
      shape = "diamond", style = "filled";
    else if (s.type == "Pass")
      style = "rounded,filled,dashed";
    else if (s.type == "Map")
      shape = "box3d", style = "filled";
    else if (s.type == "Parallel")
      shape = "parallelogram", style = "filled";
    else if (s.type == "Wait")
      shape = "hexagon", style = "filled";
    else if (s.type == "Succeed")
      shape = "doubleoctagon", style = "filled";
    else if (s.type == "Fail")
      shape = "octagon", style = "filled";
    out += fmt::format("{}{} [shape={}, style=\"{}\", fillcolor=\"{}\", color=\"{}\", label={}, tooltip={}];\n", indent,
                       dot_quote(s.id), shape, style, c.fill, c.stroke, dot_quote(node_lines(s, true)),
                       dot_quote(tooltip(s)));
  };
  std::function<void(const std::string&, const std::string&)> machine = [&](const std::string& mid,
                                                                            const std::string& indent) {
    for (const auto& s : g.states) {
      if (s.machine == mid) node(s, indent);
    }
    int k = 0;
    for (const auto& m : g.machines) {
      const GraphState* owner = nullptr;
      for (const auto& s : g.states) {
        if (s.id == m.owner) owner = &s;
      }
      if (!owner || owner->machine != mid) continue;
      out += fmt::format(
          "{}subgraph {} {{\n{}  label={}; style=\"rounded,dashed\"; color=\"#90a4ae\"; "
          "fontcolor=\"#455a64\";\n",
          indent, dot_quote(fmt::format("cluster_{}_{}", mid, k++) + m.id), indent, dot_quote(m.label));
      machine(m.id, indent + "  ");
      out += indent + "}\n";
    }
  };
  machine("", "  ");
  for (const auto& e : g.edges) {
    std::string attrs;
    if (e.kind == "start")
      attrs = "style=dashed, color=\"#90a4ae\"";
    else if (e.kind == "catch")
      attrs = "color=\"#e08a00\", fontcolor=\"#e08a00\"";
    else if (e.kind == "default")
      attrs = "style=dashed";
    if (!e.label.empty()) attrs += (attrs.empty() ? "" : ", ") + fmt::format("label={}", dot_quote(e.label));
    out += fmt::format("  {} -> {}{};\n", dot_quote(e.from), dot_quote(e.to), attrs.empty() ? "" : " [" + attrs + "]");
  }
  out += "}\n";
  return out;
}

std::string inline_dot_svg(const std::string& svg) {
  const auto start = svg.find("<svg");
  if (start == std::string::npos) return {};
  std::string out;
  std::size_t i = start;
  while (i < svg.size()) {
    const auto c = svg.find("<!--", i);
    if (c == std::string::npos) {
      out.append(svg, i, std::string::npos);
      break;
    }
    out.append(svg, i, c - i);
    const auto e = svg.find("-->", c);
    if (e == std::string::npos) break;
    i = e + 3;
  }
  return out;
}

namespace {

constexpr double kNodeW = 190, kNodeH = 50, kGapX = 24, kGapY = 34, kPad = 16, kLine = 12.5;

struct Placed {
  double x = 0, y = 0, w = kNodeW, h = kNodeH;
};
struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  std::string label;
};

// Lay out machine `mid` with its top-left at (x0, y0); returns its size. Nested machines go to
// the right of the machine's own column.
std::pair<double, double> layout(const StateGraph& g, const std::string& mid, double x0, double y0,
                                 std::map<std::string, Placed>& pos, std::vector<Box>& boxes) {
  std::vector<const GraphState*> mine;
  for (const auto& s : g.states) {
    if (s.machine == mid) mine.push_back(&s);
  }
  std::map<std::string, int> layer;
  std::string start;
  if (mid.empty()) start = kStart;
  for (const auto& m : g.machines) {
    if (m.id == mid) start = m.start;
  }
  std::queue<std::string> q;
  if (!start.empty()) {
    layer[start] = 0;
    q.push(start);
  }
  std::set<std::string> in_machine;
  for (auto* s : mine) in_machine.insert(s->id);
  while (!q.empty()) {
    const std::string u = q.front();
    q.pop();
    for (const auto& e : g.edges) {
      if (e.from != u || e.kind == "start" || !in_machine.count(e.to) || layer.count(e.to)) continue;
      layer[e.to] = layer[u] + 1;
      q.push(e.to);
    }
  }
  int max_layer = 0;
  for (auto& [k, v] : layer) max_layer = std::max(max_layer, v);
  if (mid.empty() && layer.count(kEnd)) {  // the end below every state
    int deepest = 0;
    for (auto& [k, v] : layer) {
      if (k != kEnd) deepest = std::max(deepest, v);
    }
    layer[kEnd] = deepest + 1;
    max_layer = deepest + 1;
  }
  for (auto* s : mine) {
    if (!layer.count(s->id)) layer[s->id] = ++max_layer;  // unreachable: below
  }
  std::vector<std::vector<const GraphState*>> rows(static_cast<std::size_t>(max_layer) + 1);
  for (auto* s : mine) rows[static_cast<std::size_t>(layer[s->id])].push_back(s);
  double width = 0;
  for (const auto& r : rows) width = std::max(width, r.size() * (kNodeW + kGapX) - kGapX);
  double y = y0;
  for (const auto& r : rows) {
    if (r.empty()) continue;
    const double rw = r.size() * (kNodeW + kGapX) - kGapX;
    double x = x0 + (width - rw) / 2;
    for (auto* s : r) {
      Placed p;
      if (s->type == "Start" || s->type == "End") {
        p.w = p.h = 30;
        p.x = x + (kNodeW - 30) / 2;
        p.y = y + (kNodeH - 30) / 2;
      } else {
        p.x = x;
        p.y = y;
      }
      pos[s->id] = p;
      x += kNodeW + kGapX;
    }
    y += kNodeH + kGapY;
  }
  double height = y - y0 - kGapY;
  // Nested machines, right of this column, each at its owner's height or below the previous one.
  double cx = x0 + width + 2 * kGapX, cy = y0, right = x0 + width;
  for (const auto& m : g.machines) {
    auto it = pos.find(m.owner);
    if (it == pos.end() || !in_machine.count(m.owner)) continue;
    const double top = std::max(cy, it->second.y - kPad - 14);
    const auto [w, h] = layout(g, m.id, cx + kPad, top + kPad + 14, pos, boxes);
    boxes.push_back({cx, top, w + 2 * kPad, h + 2 * kPad + 14, m.label});
    cy = top + h + 2 * kPad + 14 + kGapY;
    right = std::max(right, cx + w + 2 * kPad);
    height = std::max(height, cy - kGapY - y0);
  }
  return {right - x0, height};
}

std::string shape_svg(const GraphState& s, const Placed& p) {
  const auto c = status_colors(s.status);
  const std::string fill = fmt::format("fill=\"{}\" stroke=\"{}\"", c.fill, c.stroke);
  if (s.type == "Start" || s.type == "End") {
    return fmt::format(
        "<circle cx=\"{}\" cy=\"{}\" r=\"15\" fill=\"#37474f\"/><text x=\"{}\" y=\"{}\" "
        "text-anchor=\"middle\" fill=\"#fff\" font-size=\"9\">{}</text>",
        num(p.x + 15), num(p.y + 15), num(p.x + 15), num(p.y + 18), s.name);
  }
  std::string shape;
  const double x = p.x, y = p.y, w = p.w, h = p.h;
  if (s.type == "Choice") {
    shape = fmt::format("<polygon points=\"{},{} {},{} {},{} {},{}\" {}/>", num(x + w / 2), num(y - 4), num(x + w + 6),
                        num(y + h / 2), num(x + w / 2), num(y + h + 4), num(x - 6), num(y + h / 2), fill);
  } else if (s.type == "Parallel") {
    shape = fmt::format("<polygon points=\"{},{} {},{} {},{} {},{}\" {}/>", num(x + 10), num(y), num(x + w), num(y),
                        num(x + w - 10), num(y + h), num(x), num(y + h), fill);
  } else if (s.type == "Map") {
    shape = fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}/><rect x=\"{}\" y=\"{}\" width=\"{}\" "
        "height=\"{}\" {}/>",
        num(x + 4), num(y - 4), num(w), num(h), fill, num(x), num(y), num(w), num(h), fill);
  } else if (s.type == "Fail" || s.type == "Succeed") {
    shape = fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"18\" {} stroke-width=\"2.5\"/>",
                        num(x), num(y), num(w), num(h), fill);
  } else {
    shape = fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" {}{}/>", num(x), num(y), num(w),
                        num(h), fill, s.type == "Pass" ? " stroke-dasharray=\"5 3\"" : "");
  }
  std::string text;
  std::vector<std::string> lines;
  std::string all = node_lines(s, false);
  std::size_t i = 0;
  while (i <= all.size()) {
    auto j = all.find('\n', i);
    if (j == std::string::npos) j = all.size();
    lines.push_back(all.substr(i, j - i));
    i = j + 1;
  }
  const double ty = y + h / 2 - (static_cast<double>(lines.size()) - 1) * kLine / 2 + 4;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    text += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{}>{}</text>", num(x + w / 2),
                        num(ty + static_cast<double>(k) * kLine), k == 0 ? " font-weight=\"600\"" : " font-size=\"9\"",
                        escape(lines[k].size() > 34 ? lines[k].substr(0, 33) + "…" : lines[k]));
  }
  return fmt::format("<g class=\"state\"><title>{}</title>{}{}</g>", escape(tooltip(s)), shape, text);
}

}  // namespace

std::string to_svg_fallback(const StateGraph& g) {
  std::map<std::string, Placed> pos;
  std::vector<Box> boxes;
  const auto [w, h] = layout(g, "", kPad, kPad, pos, boxes);
  std::string body;
  for (const auto& b : boxes) {
    body += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"none\" stroke=\"#90a4ae\" "
        "stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\" fill=\"#455a64\" font-size=\"10\">{}</text>",
        num(b.x), num(b.y), num(b.w), num(b.h), num(b.x + 8), num(b.y + 14), escape(b.label));
  }
  for (const auto& e : g.edges) {
    auto a = pos.find(e.from), b = pos.find(e.to);
    if (a == pos.end() || b == pos.end()) continue;
    const Placed &p = a->second, &q = b->second;
    std::string color = e.kind == "catch" ? "#e08a00" : "#607d8b";
    std::string dash = e.kind == "start" || e.kind == "default" ? " stroke-dasharray=\"5 3\"" : "";
    std::string d;
    double lx, ly;
    if (e.kind == "start") {
      d = fmt::format("M{},{} C{},{} {},{} {},{}", num(p.x + p.w + 4), num(p.y + p.h / 2), num(q.x - 30),
                      num(p.y + p.h / 2), num(q.x - 30), num(q.y + q.h / 2), num(q.x), num(q.y + q.h / 2));
      lx = (p.x + p.w + q.x) / 2;
      ly = (p.y + q.y) / 2 + p.h / 2 - 4;
    } else if (q.y > p.y + 1) {
      const double x1 = p.x + p.w / 2, y1 = p.y + p.h, x2 = q.x + q.w / 2, y2 = q.y;
      d = fmt::format("M{},{} C{},{} {},{} {},{}", num(x1), num(y1), num(x1), num((y1 + y2) / 2), num(x2),
                      num((y1 + y2) / 2), num(x2), num(y2));
      lx = (x1 + x2) / 2 + 4;
      ly = (y1 + y2) / 2;
    } else {  // back edge or same layer: around the left side
      const double x1 = p.x, y1 = p.y + p.h / 2, x2 = q.x, y2 = q.y + q.h / 2, bx = std::min(p.x, q.x) - 30;
      d = fmt::format("M{},{} C{},{} {},{} {},{}", num(x1), num(y1), num(bx), num(y1), num(bx), num(y2), num(x2),
                      num(y2));
      lx = bx;
      ly = (y1 + y2) / 2;
    }
    body += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\"{} marker-end=\"url(#arrow)\"/>", d, color, dash);
    if (!e.label.empty()) {
      body += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"{}\">{}</text>", num(lx), num(ly), color,
                          escape(e.label));
    }
  }
  for (const auto& s : g.states) {
    if (auto it = pos.find(s.id); it != pos.end()) body += shape_svg(s, it->second);
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"10\">"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#607d8b\"/></marker></defs>"
      "{2}</svg>",
      num(w + 2 * kPad + 40), num(h + 2 * kPad + 10), body);
}

}  // namespace cosmicai::report::html
