#pragma once
/// Summarize (`resultSummary`): combine every rank's result, check completeness, add accuracy and cost.
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"
#include "cosmic/runtime.hpp"

namespace cosmicai::cosmic {

/// One prediction row of a rank's predictions CSV.
struct PredictionRow {
  std::int64_t sample = 0;  ///< index within the file
  std::string file;         ///< partition key
  double redshift = 0;      ///< true z
  double prediction = 0;    ///< predicted z
};

/// Parse a predictions CSV (`sample,file,redshift,prediction` with a header line). Errors name
/// `what` and the line number.
Result<std::vector<PredictionRow>> parse_predictions_csv(std::string_view text, std::string_view what);

/// The Summarize handler body. `event` is Initialize's output ({"body":[rank dicts]}), the bare
/// list of rank dicts, or {"data_bucket", "result_path", "world_size"?, "data_prefix"?}.
/// Reads `RESULT_PATH/<r>.json` for every expected rank r (no cap on their number); a result whose
/// run_id differs from the rank dicts' RUN_ID is stale and counts as missing; a rank with an
/// `errors/<r>.json` record is reported with its error; a rank whose predictions CSV is missing or
/// unreadable is missing and failed, with that error (its figures are not counted). Writes
/// `RESULT_PATH/combined_data.json` (flat array of rank results in rank order, as the original) and
/// `RESULT_PATH/summary.json`: expected/received/missing/failed/stale ranks, the performance row
/// (report::PerformanceRow), accuracy from the predictions (deduplicated by file and sample) and the Lambda cost.
/// Returns {"statusCode":200,"body":summary}. Missing ranks are reported, not an error; it fails
/// only when nothing can be read (bad event, store errors).
Result<json> summarize_results(const CosmicConfig& config, const json& event);

/// Render a summary (summarize_results' body) for a terminal: the performance table, accuracy,
/// cost and any missing or failed ranks.
std::string render_summary(const json& summary);

}  // namespace cosmicai::cosmic
