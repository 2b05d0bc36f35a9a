#pragma once
/// The seeds' performance table: partition size, world size, requests, duration, memory, cost, throughput.
#include <cstdint>
#include <span>
#include <string>

#include "common/json.hpp"
#include "report/cost.hpp"

namespace cosmicai::report {

/// What one rank measured (wall-clock figures, not profiler sums).
struct RankMetrics {
  std::int64_t rank = 0;
  std::int64_t samples = 0;
  double wall_seconds = 0;     ///< the invocation's wall time
  double load_seconds = 0;     ///< reading and decoding partitions (not hidden behind compute)
  double compute_seconds = 0;  ///< model forward passes
  double write_seconds = 0;    ///< writing predictions
  double peak_rss_mb = 0;      ///< peak resident memory of the process serving the rank
  double input_bits = 0;       ///< image + magnitude bits processed
  double start_unix = 0;       ///< wall-clock start, seconds since the epoch
  double end_unix = 0;         ///< wall-clock end, seconds since the epoch
};

/// One row of the performance table: one run (one world size on one partition size).
struct PerformanceRow {
  std::string partition;         ///< partition size as the data prefix names it ("100MB")
  std::int64_t world_size = 0;   ///< ranks planned
  std::int64_t requests = 0;     ///< rank invocations that reported a result
  std::int64_t samples = 0;      ///< samples inferred, all ranks
  double mean_duration_s = 0;    ///< mean per-rank wall time (the seeds' "Duration")
  double max_duration_s = 0;     ///< slowest rank
  double makespan_s = 0;         ///< first rank start → last rank end
  double mean_load_s = 0;
  double mean_compute_s = 0;
  double mean_write_s = 0;
  double peak_memory_mb = 0;     ///< highest peak RSS reported (the seeds' "Memory")
  LambdaCost cost;               ///< Lambda cost of the reported invocations
  double samples_per_s = 0;      ///< samples / makespan (aggregate throughput)
  double gbps = 0;               ///< input bits / makespan / 1e9
  double sum_rank_samples_per_s = 0;  ///< Σ per-rank samples/s (how the seeds' "18 Gbps" was summed)
};

/// Build a row from rank metrics. `ranks` may be empty (then only the names and counts are set).
PerformanceRow summarize_performance(std::string partition, std::int64_t world_size,
                                     std::span<const RankMetrics> ranks, const LambdaPricing& pricing);

/// Return the row as JSON (keys with units in their names, e.g. "mean_duration_s").
json performance_to_json(const PerformanceRow& row, const LambdaPricing& pricing);
/// Read a row back from performance_to_json's output; throws std::runtime_error naming the missing key.
PerformanceRow performance_from_json(const json& j);

/// Render rows as the seeds' table for a terminal.
std::string render_performance_table(std::span<const PerformanceRow> rows);

}  // namespace cosmicai::report
