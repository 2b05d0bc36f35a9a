// `cosmicai report`: render Cosmic AI summaries for a terminal, as JSON, or as one self-contained
// HTML page (state machine graph, rank timeline, scaling, accuracy, performance, parameters).
#include <fmt/format.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "cli/graphviz.hpp"
#include "cosmic/summarize.hpp"
#include "report/html/report_html.hpp"
#include "report/html/state_graph.hpp"

namespace cosmicai::cli {
namespace {

namespace fs = std::filesystem;
using report::html::RankTiming;
using report::html::RunReport;

// Find the summary object (the one with "performance") in a run's output, Summarize's
// {"statusCode","body"} or summary.json itself.
const json* find_summary(const json& j, int depth = 0) {
  if (depth > 4 || !j.is_object()) return nullptr;
  if (j.contains("performance") && j.contains("expected_ranks")) return &j;
  for (const char* k : {"body", "output", "Payload", "result"}) {
    if (j.contains(k)) {
      if (const json* f = find_summary(j.at(k), depth + 1)) return f;
    }
  }
  return nullptr;
}

std::runtime_error fail(const std::string& m) { return std::runtime_error(m); }

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw fail(fmt::format("cannot read {}", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double num_or(const json& o, const char* k, double d) {
  return o.is_object() && o.contains(k) && o.at(k).is_number() ? o.at(k).get<double>() : d;
}

// The directory of a file store's root for --store (file://ROOT or a plain directory).
fs::path store_root(const std::string& uri) {
  if (uri.starts_with("file://")) return fs::path(uri.substr(7));
  if (uri.find("://") != std::string::npos) {
    throw fail(fmt::format("--store {}: the HTML report reads rank results from a file store (file://DIR)", uri));
  }
  return fs::path(uri);
}

// Load one run: a result directory, its summary.json, or a run's output (then the results are
// looked up under --store).
RunReport load_run(const std::string& arg, const std::string& store_uri, bool need_dir) {
  RunReport run;
  run.label = arg;
  fs::path dir;
  json in;
  if (fs::is_directory(arg)) {
    dir = arg;
    if (!fs::exists(dir / "summary.json")) {
      throw fail(fmt::format("{}: no summary.json in this result directory (run `cosmicai summarize` first)", arg));
    }
    in = read_json_file((dir / "summary.json").string());
  } else {
    in = read_json_input(arg);
  }
  const json* s = find_summary(in);
  if (!s) {
    throw fail(
        fmt::format("{}: no Cosmic AI summary in it (expected an object with \"performance\" and "
                    "\"expected_ranks\")",
                    arg));
  }
  run.summary = *s;
  if (dir.empty() && need_dir) {
    if (fs::path(arg).filename() == "summary.json") {
      dir = fs::path(arg).parent_path();
    } else {
      dir = store_root(store_uri) / s->value("data_bucket", std::string()) / s->value("result_path", std::string());
    }
  }
  if (!need_dir) return run;
  const auto world = s->value("expected_ranks", static_cast<std::int64_t>(0));
  std::map<std::int64_t, std::string> failed;
  for (const auto& f : s->value("failed_ranks", json::array())) {
    failed[f.value("rank", static_cast<std::int64_t>(-1))] = f.value("error", std::string());
  }
  bool any_dir = fs::is_directory(dir);
  if (!any_dir) {
    run.parameters["note"] =
        fmt::format("result directory {} not found: no rank timeline or predictions", dir.string());
  }
  for (std::int64_t r = 0; any_dir && r < world; ++r) {
    const fs::path rf = dir / fmt::format("{}.json", r);
    if (failed.count(r)) {
      RankTiming t;
      t.rank = r;
      t.failed = true;
      t.error = failed[r];
      run.ranks.push_back(t);
      continue;
    }
    if (!fs::exists(rf)) continue;
    const json res = read_json_file(rf.string());
    if (!res.is_object()) throw fail(fmt::format("{}: not a JSON object", rf.string()));
    if (!s->value("run_id", std::string()).empty() &&
        res.value("run_id", std::string()) != s->value("run_id", std::string())) {
      continue;  // stale
    }
    RankTiming t;
    t.rank = r;
    t.start = num_or(res, "start_time", -1);
    t.end = num_or(res, "end_time", t.start >= 0 ? t.start + num_or(res, "wall_seconds", 0) : -1);
    t.queue_s = num_or(res, "gate_wait_seconds", 0);
    t.model_s = num_or(res, "model_seconds", 0);
    t.load_s = num_or(res, "load_seconds", 0);
    t.compute_s = num_or(res, "compute_seconds", 0);
    t.write_s = num_or(res, "write_seconds", 0);
    t.samples = static_cast<std::int64_t>(num_or(res, "samples", 0));
    if (res.contains("data_path"))
      t.data =
          res.at("data_path").is_string() ? res.at("data_path").get<std::string>() : dump_compact(res.at("data_path"));
    run.ranks.push_back(t);
    if (run.parameters.empty() || !run.parameters.contains("batch_size")) {
      for (const char* k : {"batch_size", "threads", "device", "model_source", "world_size"}) {
        if (res.contains(k)) run.parameters[k] = res.at(k);
      }
    }
    const fs::path pf =
        res.contains("predictions") && res.at("predictions").is_string()
            ? store_root(store_uri) / s->value("data_bucket", std::string()) / res.at("predictions").get<std::string>()
            : dir / "predictions" / fmt::format("{}.csv", r);
    fs::path use = fs::exists(dir / "predictions" / fmt::format("{}.csv", r))
                       ? dir / "predictions" / fmt::format("{}.csv", r)
                       : pf;
    if (fs::exists(use)) {
      auto rows = cosmic::parse_predictions_csv(read_text(use), use.string());
      if (!rows) throw fail(rows.error().message);
      for (const auto& row : *rows) {
        run.truth.push_back(static_cast<float>(row.redshift));
        run.predicted.push_back(static_cast<float>(row.prediction));
      }
    }
  }
  return run;
}

struct Options {
  std::vector<std::string> files;
  std::string output = "table";
  std::string html;
  std::string history;
  std::string definition;
  std::string store;
  std::string layout = "auto";
};

void write_html(const Options& o) {
  report::html::ReportInput in;
  const std::string store = o.store.empty() ? default_store_uri() : o.store;
  for (std::size_t i = 0; i < o.files.size(); ++i) in.runs.push_back(load_run(o.files[i], store, i == 0));
  json history;
  if (!o.history.empty()) history = read_json_file(o.history);
  if (!o.definition.empty()) {
    in.graph = report::html::graph_from_definition(read_json_file(o.definition));
  } else if (!o.history.empty()) {
    in.graph = report::html::graph_from_history(history);
    in.graph_note =
        "No definition given (--definition): the graph shows the states in the order the history entered them.";
  } else {
    in.graph_note =
        "give the state machine (--definition FILE) and its execution history (--history FILE from "
        "`cosmicai run --history`)";
  }
  auto& run = in.runs.front();
  if (!o.history.empty()) {
    report::html::annotate_with_history(*in.graph, history);
    for (const auto& e : history.value("events", json::array())) {
      if (e.value("type", std::string()) != "ExecutionStarted") continue;
      const std::string input = e.value("executionStartedEventDetails", json::object()).value("input", std::string());
      try {
        const json payload = parse_json_text(input, "ExecutionStarted input");
        if (payload.is_object()) {
          for (const auto& [k, v] : payload.items()) run.parameters["input." + k] = v;
        }
      } catch (const std::exception&) {
      }
    }
  }
  if (in.graph) {
    std::int64_t ok = 0, bad = 0;
    double sum = 0;
    for (const auto& r : run.ranks) {
      if (r.failed)
        ++bad;
      else {
        ++ok;
        sum += r.end >= r.start ? r.end - r.start : 0;
      }
    }
    report::html::annotate_distributed_tasks(*in.graph, ok, bad, ok ? sum / static_cast<double>(ok) : -1);
    if (o.layout != "builtin") {
      std::string why;
      if (have_dot()) {
        in.graph_svg = run_dot(report::html::to_dot(*in.graph), why);
        if (in.graph_svg.empty() && why.empty()) why = "dot gave no SVG";
      } else {
        why = "Graphviz dot is not installed";
      }
      if (!in.graph_svg.empty()) {
        in.graph_note += (in.graph_note.empty() ? "" : " ") + std::string("Laid out by Graphviz dot.");
      } else {
        if (o.layout == "dot") throw fail("--layout dot: " + why);
        in.graph_note += (in.graph_note.empty() ? "" : " ") + fmt::format("Built-in layout ({}).", why);
      }
    }
  }
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
  in.title = "cosmicai report: " + run.summary.value("result_path", run.label);
  in.generated = fmt::format("generated by cosmicai report, {}; {} result path{}", when, in.runs.size(),
                             in.runs.size() == 1 ? "" : "s");
  const std::string page = report::html::render_html(in);
  std::ofstream out(o.html, std::ios::binary);
  out << page;
  if (!out) throw fail(fmt::format("cannot write {}", o.html));
  std::cerr << fmt::format("cosmicai report: wrote {} ({} KB)\n", o.html, (page.size() + 1023) / 1024);
}

const bool kRegistered = register_command(Command{
    "report", [](CLI::App& app) {
      auto o = std::make_shared<Options>();
      auto* sub = app.add_subcommand("report",
                                     "Show Cosmic AI summaries: performance table, accuracy, cost; or an HTML report");
      sub->footer(
          "RESULT is a result directory (<store>/<bucket>/<result_path>), its summary.json, Summarize's output or a\n"
          "run's output (then the rank results are read from --store).\n\n"
          "Examples:\n"
          "  cosmicai run examples/cosmic-ai/cai-state-machine.json --input payload.json --history history.json > "
          "out.json\n"
          "  cosmicai report out.json\n"
          "  cosmicai report out.json --html report.html --history history.json \\\n"
          "      --definition examples/cosmic-ai/cai-state-machine.json\n"
          "  cosmicai report data/cosmicai-data/result-partition-*/1GB/1 --html compare.html   # several runs "
          "compared\n"
          "  cosmicai report data/cosmicai-data/result-partition-100MB/1GB/1/summary.json -o json");
      sub->add_option("results", o->files, "result directories, summary.json files or run outputs (- for stdin)")
          ->required();
      sub->add_option("--output,-o", o->output, "table or json (terminal output)")
          ->check(CLI::IsMember({"table", "json"}))
          ->capture_default_str();
      sub->add_option("--html", o->html, "write a self-contained HTML report here (the first RESULT in detail)");
      sub->add_option("--history", o->history, "execution history of the first run (cosmicai run --history FILE)");
      sub->add_option("--definition", o->definition, "the state machine definition, for the graph");
      sub->add_option("--store", o->store,
                      "object store holding the results of a run output (default file://$PWD/data)");
      sub->add_option("--layout", o->layout, "graph layout: auto (Graphviz dot when installed), dot, builtin")
          ->check(CLI::IsMember({"auto", "dot", "builtin"}))
          ->capture_default_str();
      sub->callback([o] {
        try {
          if (!o->html.empty()) {
            write_html(*o);
            return;
          }
          for (const auto& f : o->files) {
            const RunReport r = load_run(f, o->store, false);
            if (o->output == "json")
              std::cout << r.summary.dump(2) << "\n";
            else
              std::cout << (o->files.size() > 1 ? "== " + f + "\n" : "") << cosmic::render_summary(r.summary);
          }
        } catch (const CLI::RuntimeError&) {
          throw;
        } catch (const std::exception& e) {
          std::cerr << "cosmicai report: error: " << e.what() << "\n";
          throw CLI::RuntimeError(1);
        }
      });
    }});

}  // namespace
}  // namespace cosmicai::cli
