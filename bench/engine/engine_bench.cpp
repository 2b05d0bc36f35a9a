// Engine throughput: a 517-item Distributed Map of identity tasks and a 1,000-state Pass
// chain (JSONPath, and JSONata with one Output expression per state); states reading $$ on a large
// execution input, and Assign beside many large variables. Prints wall time and
// state transitions per second, with and without history; every ratio is against a figure
// measured in the same run (the chain without history, the Map on one worker) or against the
// issue's goals (chain 0.1 ms, Map 2 ms, history at most 2x). With bench/engine/alsf installed
// (npm ci --prefix bench/engine/alsf) it also runs aws-local-stepfunctions on the same chain and Map
// and prints cosmicai / aws-local-stepfunctions ratios.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "asl/state_machine.hpp"
#include "engine/engine.hpp"
#include "functions/registry.hpp"

using cosmicai::json;
namespace engine = cosmicai::engine;

namespace {

json map_definition(int) {
  return json::parse(R"({"StartAt":"Init","States":{
    "Init":{"Type":"Pass","Next":"Distributed"},
    "Distributed":{"Type":"Map","ItemsPath":"$.body","ResultPath":"$.results",
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
        "StartAt":"Infer","States":{"Infer":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
          "Parameters":{"FunctionName":"sfn_stub_identity","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}},
      "End":true}}})");
}

/// The same chain in JSONata: each state's Output merges {"last": i} into its input, the work the
/// JSONPath chain's ResultPath does, as one expression.
json jsonata_chain(int n) {
  json states = json::object();
  for (int i = 0; i < n; ++i) {
    json s = {{"Type", "Pass"}, {"Output", fmt::format("{{% $merge([$states.input, {{'last': {}}}]) %}}", i)}};
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  return json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}};
}

/// A ~210 KB state input (under the 256 KiB payload limit): 5,000 Map items as the seeds' payloads
/// hold them, for the cost of a JSONata expression that reads a large $states.input.
json large_input() {
  json items = json::array();
  for (int i = 0; i < 5000; ++i) items.push_back(json{{"rank", i}, {"object", fmt::format("100MB/{}.pt", i)}});
  return json{{"items", std::move(items)}};
}

/// An INLINE Map over the large input's 5,000 items whose JSONata ItemSelector reads each item
/// from $states.context (and one field of the input): what an item costs beside a 210 KB input.
json jsonata_item_selector_map() {
  return json::parse(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
      "Items":"{% $states.input.items %}",
      "ItemSelector":"{% {'rank': $states.context.Map.Item.Value.rank, 'i': $states.context.Map.Item.Index} %}",
      "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
      "Output":"{% $count($states.result) %}","End":true}}})");
}

/// A 100-state JSONPath Pass chain whose states each read `$$.Execution.Name` (`with_context`) or a
/// literal: on a large execution input, what a state that reads `$$` costs beside one that does not
/// (`$$.Execution.Input` holds that input). After the first state, the state input is small.
/// `jsonata`: the same in JSONata, `Output` {'n': $states.context.Execution.Name} or a literal.
json context_chain(int n, bool with_context, bool jsonata = false) {
  json states = json::object();
  for (int i = 0; i < n; ++i) {
    json s = {{"Type", "Pass"}};
    if (jsonata) {
      s["Output"] = with_context ? "{% {'n': $states.context.Execution.Name} %}" : "{% {'n': 'literal'} %}";
    } else {
      s["Parameters"] = with_context ? json{{"n.$", "$$.Execution.Name"}} : json{{"n", "literal"}};
    }
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  json def{{"StartAt", "S0"}, {"States", states}};
  if (jsonata) def["QueryLanguage"] = "JSONata";
  return def;
}

/// `big` states each assign one ~210 KB variable (the large input's items: `big` x 210 KB in scope),
/// a Pass drops the input, then `n` states each assign one small variable (`with_assign`) or none:
/// what an Assign costs beside many large variables.
json assign_chain(int big, int n, bool with_assign) {
  json states = json::object();
  for (int i = 0; i < big; ++i) {
    states["B" + std::to_string(i)] = json{{"Type", "Pass"},
                                           {"Assign", {{"v" + std::to_string(i) + ".$", "$.items"}}},
                                           {"Next", i + 1 < big ? "B" + std::to_string(i + 1) : std::string("Drop")}};
  }
  states["Drop"] = json{{"Type", "Pass"}, {"Result", json::object()}, {"Next", "S0"}};
  for (int i = 0; i < n; ++i) {
    json s = {{"Type", "Pass"}};
    if (with_assign) s["Assign"] = json{{"i", i}};
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  return json{{"StartAt", big ? "B0" : "Drop"}, {"States", states}};
}

json pass_chain(int n) {
  json states = json::object();
  for (int i = 0; i < n; ++i) {
    json s = {{"Type", "Pass"}, {"ResultPath", "$.last"}, {"Result", i}};
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  return json{{"StartAt", "S0"}, {"States", states}};
}

struct Measure {
  double seconds;
  std::int64_t transitions;
};

Measure measure(const json& def, const json& input, std::size_t workers, bool history, int repeats) {
  std::vector<cosmicai::asl::ValidationError> errors;
  auto machine = cosmicai::asl::StateMachine::parse(def, errors);
  if (!machine) throw std::runtime_error("bench definition invalid: " + errors.front().to_string());
  auto registry = std::make_shared<cosmicai::functions::Registry>();
  cosmicai::functions::add_stub_functions(*registry);
  engine::Engine eng(registry, {.workers = workers, .time_scale = 0.0});
  engine::ExecutionOptions opts;
  opts.record_history = history;
  double best = 1e30;
  std::int64_t transitions = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto result = eng.run(machine, input, opts);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (result.status != "SUCCEEDED") throw std::runtime_error("bench execution failed: " + result.to_json().dump());
    best = std::min(best, s);
    transitions = result.transitions;
  }
  return {best, transitions};
}

/// Measure `a` and `b` in alternating rounds (best of `rounds` each), so that load which comes and
/// goes weighs on both sides of their ratio alike.
std::pair<Measure, Measure> interleaved(const std::function<Measure()>& a, const std::function<Measure()>& b,
                                        int rounds) {
  Measure best_a{1e30, 0}, best_b{1e30, 0};
  for (int r = 0; r < rounds; ++r) {
    const Measure ma = a(), mb = b();
    if (ma.seconds < best_a.seconds) best_a = ma;
    if (mb.seconds < best_b.seconds) best_b = mb;
  }
  return {best_a, best_b};
}

void report(const std::string& what, const Measure& m) {
  fmt::print("{:<48} {:>9.2f} ms  {:>7} transitions  {:>12.0f} transitions/s\n", what, m.seconds * 1e3,
             m.transitions, static_cast<double>(m.transitions) / m.seconds);
}

/// What aws-local-stepfunctions measured for the same chain and Map (bench/engine/alsf/run.mjs).
struct PeerFigures {
  std::string version, node;
  double chain_ms = 0, map_ms = 0;
};

/// Run bench/engine/alsf/run.mjs when its packages are installed (`npm ci --prefix bench/engine/alsf`);
/// nullopt with `why` set when it is not installed or did not run.
std::optional<PeerFigures> run_alsf(std::string& why) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("COSMICAI_ALSF_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::path(COSMICAI_SOURCE_DIR) / "bench" / "engine" / "alsf";
  if (!fs::exists(dir / "node_modules" / "aws-local-stepfunctions")) {
    why = "not installed (npm ci --prefix " + dir.string() + ")";
    return std::nullopt;
  }
  const std::string command = "node '" + (dir / "run.mjs").string() + "' 5 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    why = "cannot start node";
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  const auto last_line = [&out] {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    const auto nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
  }();
  if (status != 0) {
    why = "run.mjs failed (status " + std::to_string(status) + "): " + last_line;
    return std::nullopt;
  }
  try {
    const json j = json::parse(last_line);
    return PeerFigures{j.at("version").get<std::string>(), j.at("node").get<std::string>(),
                       j.at("chain_ms").get<double>(), j.at("map_ms").get<double>()};
  } catch (const std::exception& e) {
    why = std::string("run.mjs printed no figures (") + e.what() + "): " + last_line;
    return std::nullopt;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // `bench_engine profile CASE N`: run one case N times and print nothing else (for perf).
  if (argc == 4 && std::string(argv[1]) == "profile") {
    const std::string what = argv[2];
    const int n = std::stoi(argv[3]);
    json items = json::array();
    for (int i = 0; i < 517; ++i) items.push_back(json{{"rank", i}, {"object", fmt::format("100MB/{}.pt", i + 1)}});
    const bool history = what.find("history") != std::string::npos;
    Measure m{};
    if (what.rfind("map", 0) == 0) m = measure(map_definition(0), json{{"body", items}}, 2, history, n);
    else if (what.rfind("chain", 0) == 0) {
      const auto colon = what.find(':');
      const int len = colon == std::string::npos ? 1000 : std::stoi(what.substr(colon + 1));
      m = measure(pass_chain(len), json::object(), 2, history, n);
    }
    else if (what == "jsonata-large") m = measure(jsonata_chain(100), large_input(), 2, history, n);
    else if (what == "jsonata-map") m = measure(jsonata_item_selector_map(), large_input(), 2, history, n);
    else if (what == "context-large") m = measure(context_chain(100, true), large_input(), 2, history, n);
    else if (what == "context-large-none") m = measure(context_chain(100, false), large_input(), 2, history, n);
    else if (what == "context-large-jsonata") m = measure(context_chain(100, true, true), large_input(), 2, history, n);
    else if (what == "context-large-jsonata-none")
      m = measure(context_chain(100, false, true), large_input(), 2, history, n);
    else if (what == "assign-large") m = measure(assign_chain(20, 50, true), large_input(), 2, history, n);
    else if (what == "assign-large-none") m = measure(assign_chain(20, 50, false), large_input(), 2, history, n);
    else if (what == "assign-small") m = measure(assign_chain(0, 50, true), large_input(), 2, history, n);
    else if (what == "assign-small-none") m = measure(assign_chain(0, 50, false), large_input(), 2, history, n);
    else if (what.rfind("jsonata", 0) == 0) m = measure(jsonata_chain(1000), json::object(), 2, history, n);
    else return 2;
    report(what, m);
    return 0;
  }
  const std::size_t workers = std::max(2u, std::thread::hardware_concurrency());
  json items = json::array();
  for (int i = 0; i < 517; ++i) items.push_back(json{{"rank", i}, {"object", fmt::format("100MB/{}.pt", i + 1)}});
  const json map_input = {{"body", items}};
  constexpr int kRounds = 4, kRuns = 5;  // best of 20 runs; with/without history alternate by round
  fmt::print("cosmicai engine benchmark (best of {} runs, time scale 0, {} workers)\n", kRounds * kRuns, workers);
  const auto map1 = measure(map_definition(0), map_input, 1, false, kRounds * kRuns);
  const auto [mapn, maph] =
      interleaved([&] { return measure(map_definition(0), map_input, workers, false, kRuns); },
                  [&] { return measure(map_definition(0), map_input, workers, true, kRuns); }, kRounds);
  report("517-item Distributed Map, 1 worker", map1);
  report(fmt::format("517-item Distributed Map, {} workers", workers), mapn);
  report(fmt::format("517-item Distributed Map, {} workers, history", workers), maph);
  const json chain = pass_chain(1000);
  const auto [chain_plain, chain_hist] =
      interleaved([&] { return measure(chain, json::object(), workers, false, kRuns); },
                  [&] { return measure(chain, json::object(), workers, true, kRuns); }, kRounds);
  const auto chain_jsonata = measure(jsonata_chain(1000), json::object(), workers, false, kRounds * kRuns);
  const auto [large_plain, large_jsonata] =
      interleaved([&] { return measure(pass_chain(100), large_input(), workers, false, kRuns); },
                  [&] { return measure(jsonata_chain(100), large_input(), workers, false, kRuns); }, kRounds);
  report("1,000-state Pass chain", chain_plain);
  report("1,000-state Pass chain, history", chain_hist);
  report("1,000-state Pass chain, JSONata Output per state", chain_jsonata);
  const auto selector_map = measure(jsonata_item_selector_map(), large_input(), workers, false, kRuns);
  report("100-state Pass chain, 210 KB input", large_plain);
  report("100-state Pass chain, 210 KB input, JSONata Output", large_jsonata);
  report("5,000-item INLINE Map, JSONata ItemSelector, 210 KB input", selector_map);
  const auto [ctx_none, ctx_read] =
      interleaved([&] { return measure(context_chain(100, false), large_input(), workers, false, kRuns); },
                  [&] { return measure(context_chain(100, true), large_input(), workers, false, kRuns); }, 2);
  // 200 states against 100: what a state costs, apart from what an execution costs once.
  const auto [ctx_none200, ctx_read200] =
      interleaved([&] { return measure(context_chain(200, false), large_input(), workers, false, kRuns); },
                  [&] { return measure(context_chain(200, true), large_input(), workers, false, kRuns); }, 2);
  report("100-state Pass chain, 210 KB execution input", ctx_none);
  report("100-state Pass chain, 210 KB execution input, $$", ctx_read);
  report("200-state Pass chain, 210 KB execution input", ctx_none200);
  report("200-state Pass chain, 210 KB execution input, $$", ctx_read200);
  const auto [ctx_jsonata_none, ctx_jsonata_read] = interleaved(
      [&] { return measure(context_chain(100, false, true), large_input(), workers, false, kRuns); },
      [&] { return measure(context_chain(100, true, true), large_input(), workers, false, kRuns); }, 2);
  report("100-state JSONata Pass chain, 210 KB execution input", ctx_jsonata_none);
  report("100-state JSONata Pass chain, 210 KB execution input, context", ctx_jsonata_read);
  const auto [assign_none, assign_small] =
      interleaved([&] { return measure(assign_chain(20, 50, false), large_input(), workers, false, 2); },
                  [&] { return measure(assign_chain(20, 50, true), large_input(), workers, false, 2); }, 2);
  report("20 x 210 KB variables, then 50 Pass states", assign_none);
  report("20 x 210 KB variables, then 50 Pass states, Assign", assign_small);
  fmt::print("ratios: Map {} workers vs 1 worker = {:.2f}x; history cost on Map = {:.2f}x, on Pass chain = {:.2f}x "
             "(goal <= 2x)\n",
             workers, map1.seconds / mapn.seconds, maph.seconds / mapn.seconds,
             chain_hist.seconds / chain_plain.seconds);
  fmt::print("JSONata Output per state: {:.2f}x the JSONPath chain, {:.0f} ns more per state\n",
             chain_jsonata.seconds / chain_plain.seconds,
             (chain_jsonata.seconds - chain_plain.seconds) * 1e9 / static_cast<double>(chain_plain.transitions));
  fmt::print("JSONata Output per state on a 210 KB input: {:.2f}x the JSONPath chain, {:.0f} us more per state\n",
             large_jsonata.seconds / large_plain.seconds,
             (large_jsonata.seconds - large_plain.seconds) * 1e6 / static_cast<double>(large_plain.transitions));
  fmt::print("JSONata ItemSelector on a 210 KB input: {:.2f} us an item (with its Pass state)\n",
             selector_map.seconds * 1e6 / 5000.0);
  {
    const double per_state_us =
        ((ctx_read200.seconds - ctx_read.seconds) - (ctx_none200.seconds - ctx_none.seconds)) * 1e6 / 100.0;
    fmt::print("$$.Execution.Name per state on a 210 KB execution input: {:.2f}x the 100-state chain without $$; "
               "{:.2f} us more a state (200 states against 100), {:.2f} ms more once an execution (building $$, "
               "its copy of the input)\n",
               ctx_read.seconds / ctx_none.seconds, per_state_us,
               (ctx_read.seconds - ctx_none.seconds) * 1e3 - per_state_us * 100.0 / 1e3);
  }
  fmt::print("$states.context.Execution.Name per state on a 210 KB execution input: {:.2f}x the JSONata chain "
             "without it, {:.1f} us more a state if spread over the 100 (mostly once an execution, as above)\n",
             ctx_jsonata_read.seconds / ctx_jsonata_none.seconds,
             (ctx_jsonata_read.seconds - ctx_jsonata_none.seconds) * 1e6 / 100.0);
  fmt::print("a one-variable Assign beside 20 x 210 KB variables: {:.2f}x the states without Assign, {:.2f} us "
             "more per state\n",
             assign_small.seconds / assign_none.seconds, (assign_small.seconds - assign_none.seconds) * 1e6 / 50.0);
  fmt::print("against the goals: Pass chain {:.0f} ns per transition = {:.2f}x the 0.1 ms goal; "
             "Map {:.2f} ms = {:.2f}x the 2 ms goal\n",
             chain_plain.seconds * 1e9 / static_cast<double>(chain_plain.transitions), chain_plain.seconds / 1e-4,
             mapn.seconds * 1e3, mapn.seconds / 2e-3);
  std::string why;
  if (const auto peer = run_alsf(why)) {
    fmt::print("aws-local-stepfunctions {} (node {}, best of 5): Pass chain {:.2f} ms, Map {:.2f} ms\n", peer->version,
               peer->node, peer->chain_ms, peer->map_ms);
    fmt::print("cosmicai / aws-local-stepfunctions: Pass chain = {:.4f}x, Map = {:.4f}x (lower: cosmicai faster)\n",
               chain_plain.seconds * 1e3 / peer->chain_ms, mapn.seconds * 1e3 / peer->map_ms);
  } else {
    fmt::print("aws-local-stepfunctions: skipped, {}\n", why);
  }
  return 0;
}
