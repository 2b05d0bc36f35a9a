#pragma once
/// The run planner: predicted wall time and Lambda cost of a Cosmic AI run for each combination of
/// partition size, world size and Lambda memory, from a per-sample calibration and a model of
/// Lambda (vCPU share ∝ memory, per-ms billing, request price, cold start, S3 throughput per
/// function) and of the Distributed Map (child start rate, account concurrency). No I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace cosmicai::report {

/// How fast one invocation works per sample, measured (`cosmicai plan --calibrate`) or derived.
struct Calibration {
  std::string source;                     ///< where the figures come from
  double vcpus = 1;                       ///< vCPUs the per-sample times were measured with
  double compute_s_per_sample = 0;        ///< forward pass time per sample at `vcpus`
  double load_s_per_sample = 0;           ///< decoding a partition per sample (after download)
  double setup_s = 0;                     ///< per invocation: runtime start, model load
  double memory_base_mb = 0;              ///< process memory before data (runtime + model)
  double memory_mb_per_partition_mb = 1;  ///< memory per MB of partition held
  /// Partitions held at once: 0 = all of the rank's (the original concatenated them), else that
  /// many (cosmicai reads the next one while the current one computes: 2).
  int partitions_held = 2;
  bool overlap_io = true;  ///< download/decode of the next partition hidden behind compute
};

/// Read a calibration from JSON (the keys of Calibration); errors name the key.
Calibration calibration_from_json(const json& j);
json calibration_to_json(const Calibration& c);

/// The documented Lambda behaviour and the orchestration around the ranks.
struct LambdaModel {
  double mb_per_vcpu = 1769;  ///< one full vCPU at 1,769 MB (AWS Lambda docs)
  double max_vcpus = 6;       ///< 6 vCPUs at 10,240 MB
  double min_memory_mb = 128, max_memory_mb = 10240;
  double usd_per_gb_second = 0.0000166667;  ///< x86, us-east-1, first tier
  double usd_per_request = 0.20e-6;
  double cold_start_s = 0.66;      ///< init of a container function (the seeds' log_example: 0.66 s)
  double s3_mb_per_s = 90;         ///< one function's S3 GET throughput (MiB/s)
  double map_launch_per_s = 37.5;  ///< Distributed Map child executions started per second
  double concurrency = 1000;       ///< account concurrent executions (default quota)
  double init_s = 1.0;             ///< Initialize (128 MB)
  double summarize_s = 1.0;        ///< Summarize (128 MB)
  double orchestration_memory_mb = 128;
  double bytes_per_sample = 20524;  ///< image + magnitudes + redshift as stored
};

json lambda_model_to_json(const LambdaModel& m);

/// What to plan.
struct PlanRequest {
  double data_mb = 0;  ///< data size in MiB
  std::vector<double> partition_mb{25, 50, 75, 100};
  std::vector<std::int64_t> world_sizes;  ///< empty = one rank per partition file
  std::vector<double> memory_mb{10240};
  double deadline_s = 0;  ///< 0 = none
};

/// One predicted configuration.
struct PlanRow {
  double partition_mb = 0;
  std::int64_t world_size = 0;
  double memory_mb = 0;
  std::int64_t files = 0;
  std::int64_t samples = 0;  ///< whole data set
  std::int64_t max_rank_samples = 0;
  double vcpus = 0;
  double rank_seconds = 0;  ///< slowest invocation, cold start included
  double mean_rank_seconds = 0;
  double inference_seconds = 0;  ///< mean per-rank load + compute (what the seeds' tables call "Duration")
  double wall_seconds = 0;       ///< Initialize → Summarize done
  double map_seconds = 0;        ///< Map state entered → exited
  double memory_needed_mb = 0;
  double cost_usd = 0;        ///< billed: configured memory × billed duration + requests (+ Initialize, Summarize)
  double seeds_cost_usd = 0;  ///< the seeds' formula: requests × mean inference duration × memory used
  bool fits = true;           ///< memory needed ≤ configured
  bool within_deadline = true;
  std::string note;
};

/// Samples in a file of `partition_mb` (the originals: 1,278 / 2,556 / 3,834 / 5,113 at
/// 25 / 50 / 75 / 100 MB, otherwise round(MB × 5113 / 100)).
std::int64_t samples_per_file(double partition_mb);

/// Predict every combination. Throws std::invalid_argument for a non-positive size or memory
/// outside Lambda's range, naming the value.
std::vector<PlanRow> plan_runs(const PlanRequest& request, const Calibration& calibration, const LambdaModel& lambda);

/// The cheapest row that fits its memory and meets the deadline (the fastest if none meets it);
/// -1 when no row fits.
int recommend(const std::vector<PlanRow>& rows, double deadline_s);

/// Render rows as a terminal table.
std::string render_plan_table(const std::vector<PlanRow>& rows);
json plan_row_to_json(const PlanRow& r);

/// Parse a size such as "12.6GB", "800MB", "1TB", "512" (MiB); GB/TB are binary (the seeds'
/// "12.6 GB" is 12.6 GiB). Throws std::invalid_argument naming the text.
double parse_size_mb(const std::string& text);
/// Parse a duration such as "60s", "2m", "90" (seconds), "1h". Throws std::invalid_argument.
double parse_duration_s(const std::string& text);

}  // namespace cosmicai::report
