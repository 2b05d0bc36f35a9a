#include "service/console.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/history.hpp"
#include "report/html/state_graph.hpp"
#include "service/console_files.hpp"

namespace cosmicai::service {

namespace {

constexpr std::string_view kPrefix = "src/service/console/";

std::string content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

ConsolePage not_found(const std::string& what) {
  return {404, "application/json", dump_compact(json{{"__type", "NotFound"}, {"message", what}})};
}

const console_files::EmbeddedFile* find_file(std::string_view name) {
  for (const auto& f : console_files::embedded_files()) {
    if (f.name.size() == kPrefix.size() + name.size() && f.name.starts_with(kPrefix) && f.name.ends_with(name)) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace

Console::Console(Service& service, ConsoleOptions options) : service_(service), options_(std::move(options)) {}

json Console::graph(const std::string& execution_arn) const {
  auto& store = service_.store();
  auto rec = store.execution(execution_arn);
  if (!rec) throw std::runtime_error("Execution Does Not Exist: '" + execution_arn + "'");
  report::html::StateGraph g;
  try {
    g = report::html::graph_from_definition(json::parse(rec->definition));
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("execution {}: cannot draw its definition: {}", execution_arn, e.what()));
  }
  // The whole history, as GetExecutionHistory returns it.
  json events = json::array();
  Page page{1000, std::nullopt};
  for (;;) {
    auto rows = store.events(rec->arn, false, page);
    for (const auto& e : rows) {
      json j{{"timestamp", e.timestamp}, {"type", e.type}, {"id", e.id}, {"previousEventId", e.previous_id}};
      if (!e.details.empty()) j[engine::details_key(e.type)] = json::parse(e.details);
      events.push_back(std::move(j));
    }
    if (rows.size() < page.limit) break;
    page.after = rows.back().id;
  }
  report::html::annotate_with_history(g, json{{"events", events}});
  if (rec->status != "RUNNING") g.execution_status = rec->status;

  // The children of a Distributed Map are separate executions (not in this history): their states
  // take the Map Run's counts. The latest Map Run of each Map state counts.
  std::map<std::string, MapRunRecord> runs;
  for (const auto& m : store.list_map_runs(rec->arn, Page{10000, std::nullopt})) runs[m.state_name] = m;
  for (auto& s : g.states) {
    if (s.type != "Map" || s.mode != "DISTRIBUTED") continue;
    auto it = runs.find(s.name);
    if (it == runs.end()) continue;
    const auto& m = it->second;
    const std::string inner = s.id + "/";
    const std::int64_t done = m.succeeded + m.failed;
    std::string status = m.status == "RUNNING"     ? "In progress"
                         : m.status == "SUCCEEDED" ? "Succeeded"
                         : m.status == "ABORTED"   ? "Canceled"
                                                   : "Failed";
    s.note = fmt::format("{}/{} items{}", done, m.total, m.failed ? fmt::format(", {} failed", m.failed) : "");
    for (auto& t : g.states) {
      if (t.machine != inner || t.entries > 0) continue;
      t.status = m.failed > 0 && m.status != "RUNNING" ? "Failed" : status;
      t.note = fmt::format("{} of {} item{}{}", done, m.total, m.total == 1 ? "" : "s",
                           m.failed ? fmt::format(", {} failed", m.failed) : "");
    }
  }

  std::string svg, layout = "builtin";
  if (options_.layout) {
    svg = options_.layout(report::html::to_dot(g));
    if (!svg.empty()) layout = "dot";
  }
  if (svg.empty()) svg = report::html::to_svg_fallback(g);
  json states = json::array();
  for (const auto& s : g.states) {
    if (s.type == "Start" || s.type == "End") continue;
    json j{{"name", s.name}, {"id", s.id}, {"type", s.type}, {"status", s.status}};
    if (!s.note.empty()) j["note"] = s.note;
    if (!s.error.empty()) j["error"] = s.error;
    if (s.retries > 0) j["retries"] = s.retries;
    if (s.duration_s >= 0) j["durationSeconds"] = s.duration_s;
    states.push_back(std::move(j));
  }
  return json{{"executionArn", rec->arn}, {"executionStatus", rec->status}, {"layout", layout},
              {"events", events.size()},  {"states", std::move(states)},    {"svg", std::move(svg)}};
}

ConsolePage Console::get(const std::string& path, const std::multimap<std::string, std::string>& params) const {
  std::string file;
  if (path == "/" || path == "/console" || path == "/console/") {
    file = "index.html";
  } else if (path == "/console/graph") {
    auto it = params.find("executionArn");
    if (it == params.end() || it->second.empty()) {
      return {400, "application/json",
              dump_compact(json{{"__type", "ValidationException"},
                                {"message", "GET /console/graph needs the query parameter executionArn"}})};
    }
    try {
      return {200, "application/json", dump_compact(graph(it->second))};
    } catch (const std::exception& e) {
      return {400, "application/json", dump_compact(json{{"__type", "ExecutionDoesNotExist"}, {"message", e.what()}})};
    }
  } else if (path.starts_with("/console/")) {
    file = path.substr(9);
  } else {
    return not_found(
        fmt::format("No page at GET {}; the console is at / and the API is POST / with X-Amz-Target", path));
  }
  if (file.find("..") != std::string::npos || file.find('/') != std::string::npos) {
    return not_found("No console file " + file);
  }
  const auto* f = find_file(file);
  if (!f) return not_found("No console file " + file);
  return {200, content_type_of(file), std::string(f->data)};
}

}  // namespace cosmicai::service
