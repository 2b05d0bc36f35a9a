#include "report/performance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include "report/text_table.hpp"

namespace cosmicai::report {

PerformanceRow summarize_performance(std::string partition, std::int64_t world_size,
                                     std::span<const RankMetrics> ranks, const LambdaPricing& pricing) {
  PerformanceRow row;
  row.partition = std::move(partition);
  row.world_size = world_size;
  row.requests = static_cast<std::int64_t>(ranks.size());
  std::vector<double> durations;
  durations.reserve(ranks.size());
  double bits = 0, first_start = std::numeric_limits<double>::infinity(), last_end = 0;
  for (const auto& r : ranks) {
    row.samples += r.samples;
    durations.push_back(r.wall_seconds);
    row.mean_duration_s += r.wall_seconds;
    row.max_duration_s = std::max(row.max_duration_s, r.wall_seconds);
    row.mean_load_s += r.load_seconds;
    row.mean_compute_s += r.compute_seconds;
    row.mean_write_s += r.write_seconds;
    row.peak_memory_mb = std::max(row.peak_memory_mb, r.peak_rss_mb);
    bits += r.input_bits;
    first_start = std::min(first_start, r.start_unix);
    last_end = std::max(last_end, r.end_unix);
    if (r.wall_seconds > 0) row.sum_rank_samples_per_s += static_cast<double>(r.samples) / r.wall_seconds;
  }
  row.cost = lambda_cost(durations, pricing);
  if (ranks.empty()) return row;
  const double n = static_cast<double>(ranks.size());
  row.mean_duration_s /= n;
  row.mean_load_s /= n;
  row.mean_compute_s /= n;
  row.mean_write_s /= n;
  row.makespan_s = std::max(0.0, last_end - first_start);
  if (row.makespan_s > 0) {
    row.samples_per_s = static_cast<double>(row.samples) / row.makespan_s;
    row.gbps = bits / row.makespan_s / 1e9;
  }
  return row;
}

json performance_to_json(const PerformanceRow& r, const LambdaPricing& pricing) {
  return json{{"partition", r.partition},
              {"world_size", r.world_size},
              {"requests", r.requests},
              {"samples", r.samples},
              {"mean_duration_s", r.mean_duration_s},
              {"max_duration_s", r.max_duration_s},
              {"makespan_s", r.makespan_s},
              {"mean_load_s", r.mean_load_s},
              {"mean_compute_s", r.mean_compute_s},
              {"mean_write_s", r.mean_write_s},
              {"peak_memory_mb", r.peak_memory_mb},
              {"cost", cost_to_json(r.cost, pricing)},
              {"samples_per_s", r.samples_per_s},
              {"gbps", r.gbps},
              {"sum_rank_samples_per_s", r.sum_rank_samples_per_s}};
}

namespace {
const json& need(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) {
    throw std::runtime_error(fmt::format("performance row: missing key /{}", key));
  }
  return j.at(key);
}
}  // namespace

PerformanceRow performance_from_json(const json& j) {
  PerformanceRow r;
  r.partition = need(j, "partition").get<std::string>();
  r.world_size = need(j, "world_size").get<std::int64_t>();
  r.requests = need(j, "requests").get<std::int64_t>();
  r.samples = need(j, "samples").get<std::int64_t>();
  r.mean_duration_s = need(j, "mean_duration_s").get<double>();
  r.max_duration_s = need(j, "max_duration_s").get<double>();
  r.makespan_s = need(j, "makespan_s").get<double>();
  r.mean_load_s = need(j, "mean_load_s").get<double>();
  r.mean_compute_s = need(j, "mean_compute_s").get<double>();
  r.mean_write_s = need(j, "mean_write_s").get<double>();
  r.peak_memory_mb = need(j, "peak_memory_mb").get<double>();
  const json& c = need(j, "cost");
  r.cost.requests = need(c, "requests").get<std::int64_t>();
  r.cost.billed_seconds = need(c, "billed_seconds").get<double>();
  r.cost.gb_seconds = need(c, "gb_seconds").get<double>();
  r.cost.compute_usd = need(c, "compute_usd").get<double>();
  r.cost.request_usd = need(c, "request_usd").get<double>();
  r.cost.total_usd = need(c, "total_usd").get<double>();
  r.samples_per_s = need(j, "samples_per_s").get<double>();
  r.gbps = need(j, "gbps").get<double>();
  r.sum_rank_samples_per_s = need(j, "sum_rank_samples_per_s").get<double>();
  return r;
}

std::string render_performance_table(std::span<const PerformanceRow> rows) {
  TextTable t;
  t.column("Partition", Align::kLeft)
      .column("World")
      .column("Requests")
      .column("Samples")
      .column("Duration (s)")
      .column("Max (s)")
      .column("Makespan (s)")
      .column("Memory (GB)")
      .column("Cost")
      .column("Samples/s")
      .column("Gbps");
  for (const auto& r : rows) {
    t.row({r.partition, format_count(r.world_size), format_count(r.requests), format_count(r.samples),
           format_fixed(r.mean_duration_s, 2), format_fixed(r.max_duration_s, 2), format_fixed(r.makespan_s, 2),
           format_fixed(r.peak_memory_mb / 1024.0, 2), format_usd(r.cost.total_usd), format_fixed(r.samples_per_s, 1),
           format_fixed(r.gbps, 3)});
  }
  return t.render();
}

}  // namespace cosmicai::report
