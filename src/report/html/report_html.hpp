#pragma once
/// The HTML report of one or more Cosmic AI runs: one self-contained file (inline SVG and CSS, no
/// script, nothing fetched) with the state machine graph, the per-rank timeline, throughput and
/// cost against world size and partition size, accuracy plots and metrics, the performance table
/// and the run's parameters. No I/O: the caller loads the runs (cli/report.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "report/html/state_graph.hpp"

namespace cosmicai::report::html {

/// One rank of a run as the timeline draws it. Times in seconds; start/end since the epoch.
struct RankTiming {
  std::int64_t rank = 0;
  double start = -1, end = -1;
  double queue_s = 0;    ///< waiting for a compute slot
  double model_s = 0;    ///< opening the model
  double load_s = 0;     ///< reading partitions (not hidden behind compute)
  double compute_s = 0;  ///< forward passes
  double write_s = 0;    ///< writing predictions
  std::int64_t samples = 0;
  bool failed = false;
  std::string error;  ///< the failed rank's error
  std::string data;   ///< its partition(s)
};

/// One run: its summary (summary.json), ranks and predictions.
struct RunReport {
  std::string label;                 ///< the result path as given
  json summary;                      ///< Summarize's body (with "performance", "expected_ranks"…)
  std::vector<RankTiming> ranks;     ///< results and failures, any order
  std::vector<float> truth;          ///< true redshift per prediction
  std::vector<float> predicted;      ///< predicted redshift, same length
  json parameters = json::object();  ///< key → value shown in "Parameters" (payload, model, pricing…)
};

/// Everything the page shows.
struct ReportInput {
  std::vector<RunReport> runs;      ///< runs[0] is shown in detail; all feed the comparison
  std::optional<StateGraph> graph;  ///< the state machine (from a definition and/or history)
  std::string graph_svg;            ///< Graphviz's SVG of `graph` (inline_dot_svg); empty → built-in layout
  std::string graph_note;           ///< how the graph was laid out / why it is missing
  std::string title = "cosmicai run report";
  std::string generated;  ///< e.g. "cosmicai 0.1.0, 2026-01-02 03:04 UTC"
};

/// The section ids, in page order; every page has all of them (a section without data says why).
const std::vector<std::string>& report_sections();

/// Render the page. Throws std::runtime_error when `runs` is empty or a summary lacks "performance".
std::string render_html(const ReportInput& input);

}  // namespace cosmicai::report::html
