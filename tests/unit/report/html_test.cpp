// The HTML report and the state graph, through report/html's public interface.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "report/html/report_html.hpp"
#include "report/html/state_graph.hpp"
#include "report/performance.hpp"

namespace cosmicai::report::html {
namespace {

const std::filesystem::path kSource = COSMICAI_SOURCE_DIR;

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

json event(std::int64_t id, std::int64_t prev, const std::string& type, const std::string& ts, json details = nullptr) {
  json e{{"timestamp", ts}, {"type", type}, {"id", id}, {"previousEventId", prev}};
  if (!details.is_null()) {
    std::string key = type.ends_with("StateEntered") ? "stateEnteredEventDetails"
                      : type.ends_with("StateExited")
                          ? "stateExitedEventDetails"
                          : std::string(1, static_cast<char>(std::tolower(type[0]))) + type.substr(1) + "EventDetails";
    e[key] = details;
  }
  return e;
}

// Initialize retried once then succeeded; the Map ran; Summarize failed the execution.
json failing_history() {
  json ev = json::array();
  ev.push_back(event(1, 0, "ExecutionStarted", "2026-01-01T00:00:00.000Z", {{"input", "{\"file_limit\":\"2\"}"}}));
  ev.push_back(event(2, 1, "TaskStateEntered", "2026-01-01T00:00:00.000Z", {{"name", "Initialize"}}));
  ev.push_back(event(3, 2, "TaskScheduled", "2026-01-01T00:00:00.010Z", {{"resource", "invoke"}}));
  ev.push_back(event(4, 3, "TaskFailed", "2026-01-01T00:00:00.100Z", {{"error", "Lambda.ServiceException"}}));
  ev.push_back(event(5, 4, "TaskScheduled", "2026-01-01T00:00:01.100Z", {{"resource", "invoke"}}));
  ev.push_back(event(6, 5, "TaskSucceeded", "2026-01-01T00:00:01.500Z", {{"output", "{}"}}));
  ev.push_back(event(7, 6, "TaskStateExited", "2026-01-01T00:00:01.500Z", {{"name", "Initialize"}}));
  ev.push_back(event(8, 7, "MapStateEntered", "2026-01-01T00:00:01.500Z", {{"name", "Distributed Test"}}));
  ev.push_back(event(9, 8, "MapStateExited", "2026-01-01T00:00:11.500Z", {{"name", "Distributed Test"}}));
  ev.push_back(event(10, 9, "TaskStateEntered", "2026-01-01T00:00:11.500Z", {{"name", "Summarize"}}));
  ev.push_back(event(11, 10, "TaskScheduled", "2026-01-01T00:00:11.510Z", {{"resource", "invoke"}}));
  ev.push_back(event(12, 11, "TaskFailed", "2026-01-01T00:00:12.000Z", {{"error", "Boom"}, {"cause", "no results"}}));
  ev.push_back(
      event(13, 12, "ExecutionFailed", "2026-01-01T00:00:12.000Z", {{"error", "Boom"}, {"cause", "no results"}}));
  return json{{"events", ev}};
}

TEST(StateGraph, DefinitionWithHistory) {
  const json def = read_json_file((kSource / "examples/cosmic-ai/cai-state-machine.json").string());
  auto g = graph_from_definition(def);
  annotate_with_history(g, failing_history());
  annotate_distributed_tasks(g, 3, 1, 2.5);
  const auto* init = g.find("Initialize");
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->status, "Succeeded");
  EXPECT_EQ(init->retries, 1);
  EXPECT_NEAR(init->duration_s, 1.5, 1e-6);
  const auto* map = g.find("Distributed Test");
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->mode, "DISTRIBUTED");
  EXPECT_NEAR(map->duration_s, 10.0, 1e-6);
  const auto* inner = g.find("Distributed Test/Model Inference");
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->machine, "Distributed Test/");
  EXPECT_EQ(inner->status, "Failed");  // one of four ranks failed
  EXPECT_NE(inner->note.find("4 invocations, 1 failed"), std::string::npos) << inner->note;
  const auto* sum = g.find("Summarize");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->status, "Failed");
  EXPECT_NE(sum->error.find("Boom: no results"), std::string::npos) << sum->error;
  EXPECT_EQ(g.execution_status, "FAILED");
  EXPECT_NEAR(g.execution_duration_s, 12.0, 1e-6);

  const std::string dot = to_dot(g);
  EXPECT_NE(dot.find("subgraph \"cluster_"), std::string::npos);
  EXPECT_NE(dot.find("\"Distributed Test\" -> \"Distributed Test/Model Inference\""), std::string::npos);
  EXPECT_NE(dot.find("box3d"), std::string::npos);  // the Map's shape
  const std::string svg = to_svg_fallback(g);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("item processor (DISTRIBUTED)"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"state\""), 4u);  // Initialize, Map, Model Inference, Summarize
}

TEST(StateGraph, ChoiceParallelCatchAndNotRun) {
  const json def = json::parse(R"({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"P"}],"Default":"W"},
    "W":{"Type":"Wait","Seconds":1,"Next":"P"},
    "P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
                                       {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:lambda:::function:f","End":true}}}],
         "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"Next":"S"},
    "S":{"Type":"Succeed"},"F":{"Type":"Fail","Error":"E"}}})");
  auto g = graph_from_definition(def);
  json ev = json::array();
  ev.push_back(event(1, 0, "ExecutionStarted", "2026-01-01T00:00:00Z", {{"input", "{}"}}));
  ev.push_back(event(2, 1, "ChoiceStateEntered", "2026-01-01T00:00:00Z", {{"name", "C"}}));
  ev.push_back(event(3, 2, "ChoiceStateExited", "2026-01-01T00:00:00Z", {{"name", "C"}}));
  ev.push_back(event(4, 3, "ParallelStateEntered", "2026-01-01T00:00:00Z", {{"name", "P"}}));
  ev.push_back(event(5, 4, "TaskStateEntered", "2026-01-01T00:00:00Z", {{"name", "B"}}));
  ev.push_back(event(6, 5, "TaskScheduled", "2026-01-01T00:00:00Z", {{"resource", "invoke"}}));
  ev.push_back(event(7, 6, "TaskFailed", "2026-01-01T00:00:01Z", {{"error", "X"}}));
  ev.push_back(event(8, 7, "TaskStateExited", "2026-01-01T00:00:01Z", {{"name", "B"}}));
  ev.push_back(event(9, 8, "ParallelStateExited", "2026-01-01T00:00:01Z", {{"name", "P"}}));
  ev.push_back(event(10, 9, "FailStateEntered", "2026-01-01T00:00:01Z", {{"name", "F"}}));
  ev.push_back(event(11, 10, "ExecutionFailed", "2026-01-01T00:00:01Z", {{"error", "E"}}));
  annotate_with_history(g, json{{"events", ev}});
  EXPECT_EQ(g.find("C")->status, "Succeeded");
  EXPECT_EQ(g.find("W")->status, "Not run");
  EXPECT_EQ(g.find("S")->status, "Not run");
  EXPECT_EQ(g.find("P/branch 2/B")->status, "Caught error");
  EXPECT_EQ(g.find("F")->status, "Failed");
  const std::string dot = to_dot(g);
  EXPECT_NE(dot.find("shape=diamond"), std::string::npos);
  EXPECT_NE(dot.find("shape=parallelogram"), std::string::npos);
  EXPECT_NE(dot.find("label=\"States.ALL\""), std::string::npos);  // the catch edge
  EXPECT_NE(to_svg_fallback(g).find("P · branch 2"), std::string::npos);
}

// As the AWS console: a state a stopped execution left running is Canceled (a failed one's: Failed).
TEST(StateGraph, StoppedExecutionLeavesItsRunningStateCanceled) {
  const json def = json::parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"W"},
      "W":{"Type":"Wait","Seconds":60,"Next":"B"},"B":{"Type":"Pass","End":true}}})");
  json ev = json::array();
  ev.push_back(event(1, 0, "ExecutionStarted", "2026-01-01T00:00:00Z", {{"input", "{}"}}));
  ev.push_back(event(2, 1, "PassStateEntered", "2026-01-01T00:00:00Z", {{"name", "A"}}));
  ev.push_back(event(3, 2, "PassStateExited", "2026-01-01T00:00:00Z", {{"name", "A"}}));
  ev.push_back(event(4, 3, "WaitStateEntered", "2026-01-01T00:00:00Z", {{"name", "W"}}));
  auto running = graph_from_definition(def);
  annotate_with_history(running, json{{"events", ev}});
  EXPECT_EQ(running.find("W")->status, "In progress");
  EXPECT_EQ(running.execution_status, "RUNNING");

  ev.push_back(event(5, 4, "ExecutionAborted", "2026-01-01T00:00:05Z", {{"error", "Stopped"}}));
  auto stopped = graph_from_definition(def);
  annotate_with_history(stopped, json{{"events", ev}});
  EXPECT_EQ(stopped.find("A")->status, "Succeeded");
  EXPECT_EQ(stopped.find("W")->status, "Canceled");
  EXPECT_EQ(stopped.find("B")->status, "Not run");
  EXPECT_EQ(stopped.execution_status, "ABORTED");
  EXPECT_NE(to_dot(stopped).find(status_colors("Canceled").fill), std::string::npos);

  ev.back() = event(5, 4, "ExecutionFailed", "2026-01-01T00:00:05Z", {{"error", "E"}});
  auto failed = graph_from_definition(def);
  annotate_with_history(failed, json{{"events", ev}});
  EXPECT_EQ(failed.find("W")->status, "Failed");
}

// After ExecutionRedriven the graph shows the new attempt only (Failed before, Succeeded after).
TEST(StateGraph, RedrivenExecutionShowsTheLatestAttempt) {
  const json def = json::parse(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"x","Next":"P"},
      "P":{"Type":"Pass","End":true}}})");
  json ev = json::array();
  ev.push_back(event(1, 0, "ExecutionStarted", "2026-01-01T00:00:00Z", {{"input", "{}"}}));
  ev.push_back(event(2, 1, "TaskStateEntered", "2026-01-01T00:00:00Z", {{"name", "T"}}));
  ev.push_back(event(3, 2, "TaskScheduled", "2026-01-01T00:00:00Z", {{"resource", "x"}}));
  ev.push_back(event(4, 3, "TaskFailed", "2026-01-01T00:00:01Z", {{"error", "Boom"}}));
  ev.push_back(event(5, 4, "ExecutionFailed", "2026-01-01T00:00:01Z", {{"error", "Boom"}}));
  auto before = graph_from_definition(def);
  annotate_with_history(before, json{{"events", ev}});
  EXPECT_EQ(before.find("T")->status, "Failed");
  EXPECT_EQ(before.execution_status, "FAILED");

  ev.push_back(event(6, 0, "ExecutionRedriven", "2026-01-01T00:10:00Z", {{"redriveCount", 1}}));
  ev.push_back(event(7, 6, "TaskStateEntered", "2026-01-01T00:10:00Z", {{"name", "T"}}));
  auto during = graph_from_definition(def);
  annotate_with_history(during, json{{"events", ev}});
  EXPECT_EQ(during.find("T")->status, "In progress");
  EXPECT_EQ(during.find("P")->status, "Not run");
  EXPECT_EQ(during.execution_status, "RUNNING");

  ev.push_back(event(8, 7, "TaskScheduled", "2026-01-01T00:10:00Z", {{"resource", "x"}}));
  ev.push_back(event(9, 8, "TaskSucceeded", "2026-01-01T00:10:02Z", {{"output", "{}"}}));
  ev.push_back(event(10, 9, "TaskStateExited", "2026-01-01T00:10:02Z", {{"name", "T"}}));
  ev.push_back(event(11, 10, "PassStateEntered", "2026-01-01T00:10:02Z", {{"name", "P"}}));
  ev.push_back(event(12, 11, "PassStateExited", "2026-01-01T00:10:02Z", {{"name", "P"}}));
  ev.push_back(event(13, 12, "ExecutionSucceeded", "2026-01-01T00:10:02Z", {{"output", "{}"}}));
  auto after = graph_from_definition(def);
  annotate_with_history(after, json{{"events", ev}});
  EXPECT_EQ(after.find("T")->status, "Succeeded");
  EXPECT_EQ(after.find("T")->retries, 0);
  EXPECT_DOUBLE_EQ(after.find("T")->duration_s, 2.0);
  EXPECT_TRUE(after.find("T")->error.empty());
  EXPECT_EQ(after.find("P")->status, "Succeeded");
  EXPECT_EQ(after.execution_status, "SUCCEEDED");
}

TEST(StateGraph, BadInputIsNamed) {
  try {
    graph_from_definition(json::parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}})"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"Nope\""), std::string::npos) << e.what();
  }
  try {
    graph_from_definition(json::parse(R"({"StartAt":"A","States":{"A":{"Next":"A"}}})"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/States/A/Type"), std::string::npos) << e.what();
  }
  StateGraph g;
  EXPECT_THROW(annotate_with_history(g, json{{"events", json::array({json{{"id", 1}}})}}), std::runtime_error);
  EXPECT_THROW(
      annotate_with_history(g, json{{"events", json::array({json{{"type", "X"}, {"timestamp", "yesterday"}}})}}),
      std::runtime_error);
}

// A run of `ranks` ranks with `per_rank` predictions each; every 97th rank failed.
RunReport synthetic_run(int ranks, int per_rank, const std::string& partition, bool untrained) {
  RunReport r;
  r.label = "result-partition-" + partition + "/run";
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0, 0.02f);
  std::uniform_real_distribution<float> z(0.02f, 0.6f);
  std::vector<RankMetrics> metrics;
  for (int k = 0; k < ranks; ++k) {
    RankTiming t;
    t.rank = k;
    if (k % 97 == 13) {
      t.failed = true;
      t.error = "rank " + std::to_string(k) + ": partition 25MB/" + std::to_string(k + 1) + ".pt: CRC mismatch";
      r.ranks.push_back(t);
      continue;
    }
    t.start = 1.7e9 + k * 0.02;
    t.queue_s = 0.1, t.model_s = 0.5, t.load_s = 0.3, t.compute_s = 5.0 + (k % 7) * 0.1, t.write_s = 0.05;
    t.end = t.start + 6.0 + (k % 7) * 0.1;
    t.samples = per_rank;
    r.ranks.push_back(t);
    RankMetrics m;
    m.rank = k, m.samples = per_rank, m.wall_seconds = t.end - t.start, m.start_unix = t.start, m.end_unix = t.end;
    m.compute_seconds = t.compute_s, m.peak_rss_mb = 900, m.input_bits = per_rank * 164160.0;
    metrics.push_back(m);
    for (int i = 0; i < per_rank; ++i) {
      const float truth = z(rng);
      r.truth.push_back(truth);
      r.predicted.push_back(truth + noise(rng));
    }
  }
  const auto row = summarize_performance(partition, ranks, metrics, LambdaPricing{});
  r.summary = json{
      {"result_path", r.label},
      {"expected_ranks", ranks},
      {"received_ranks", static_cast<std::int64_t>(metrics.size())},
      {"complete", false},
      {"performance", performance_to_json(row, LambdaPricing{})},
      {"accuracy",
       json{
           {"samples", r.truth.size()}, {"mae", 0.016}, {"mse", 0.0004}, {"bias", 0.0}, {"nmad", 0.02}, {"r2", 0.97}}}};
  if (untrained)
    r.summary["accuracy_note"] = "the model has untrained weights: these figures are not redshift accuracy";
  r.parameters["batch_size"] = 512;
  return r;
}

TEST(HtmlReport, HasEverySectionAndIsSelfContained) {
  ReportInput in;
  in.runs.push_back(synthetic_run(6, 40, "25MB", true));
  in.runs.push_back(synthetic_run(3, 10, "50MB", false));
  in.graph = graph_from_definition(read_json_file((kSource / "examples/cosmic-ai/cai-state-machine.json").string()));
  annotate_with_history(*in.graph, failing_history());
  const std::string page = render_html(in);
  for (const auto& id : report_sections()) {
    EXPECT_NE(page.find("<section id=\"" + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_NE(page.find("untrained weights"), std::string::npos);
  EXPECT_NE(page.find("240 predictions"), std::string::npos);   // 6 ranks × 40, a scatter
  EXPECT_NE(page.find("Boom: no results"), std::string::npos);  // the failed state's error
  EXPECT_NE(page.find("Throughput vs world size"), std::string::npos);
  EXPECT_NE(page.find("result-partition-50MB/run"), std::string::npos);  // the second run in the comparison
  EXPECT_NE(page.find("class=\"state\""), std::string::npos);            // built-in layout without dot SVG
  EXPECT_THROW(render_html(ReportInput{}), std::runtime_error);
}

TEST(HtmlReport, ThousandRankRunStaysUnderTwoMegabytes) {
  ReportInput in;
  in.runs.push_back(synthetic_run(1000, 5113, "100MB", false));  // 5.1 M predictions: a density plot
  in.graph = graph_from_definition(read_json_file((kSource / "examples/cosmic-ai/cai-state-machine.json").string()));
  const std::string page = render_html(in);
  std::printf("1,000-rank report: %zu bytes\n", page.size());
  EXPECT_LT(page.size(), 2u * 1024 * 1024);
  EXPECT_NE(page.find("Density of"), std::string::npos);
  EXPECT_NE(page.find("rank 13 failed"), std::string::npos);
  EXPECT_NE(page.find("and "), std::string::npos);  // more than 50 failed ranks listed as a count
}

}  // namespace
}  // namespace cosmicai::report::html
