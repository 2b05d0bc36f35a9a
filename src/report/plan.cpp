#include "report/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "report/cost.hpp"
#include "report/text_table.hpp"

namespace cosmicai::report {

namespace {

double need_number(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number()) {
    throw std::runtime_error(fmt::format("calibration: /{} missing or not a number", key));
  }
  return j.at(key).get<double>();
}

}  // namespace

Calibration calibration_from_json(const json& j) {
  Calibration c;
  c.source = j.value("source", std::string("(unnamed)"));
  c.vcpus = need_number(j, "vcpus");
  c.compute_s_per_sample = need_number(j, "compute_s_per_sample");
  c.load_s_per_sample = need_number(j, "load_s_per_sample");
  c.setup_s = need_number(j, "setup_s");
  c.memory_base_mb = need_number(j, "memory_base_mb");
  c.memory_mb_per_partition_mb = need_number(j, "memory_mb_per_partition_mb");
  c.partitions_held = static_cast<int>(need_number(j, "partitions_held"));
  if (j.contains("overlap_io")) {
    if (!j.at("overlap_io").is_boolean()) throw std::runtime_error("calibration: /overlap_io must be true or false");
    c.overlap_io = j.at("overlap_io").get<bool>();
  }
  if (c.vcpus <= 0) throw std::runtime_error("calibration: /vcpus must be positive");
  if (c.compute_s_per_sample <= 0) throw std::runtime_error("calibration: /compute_s_per_sample must be positive");
  if (c.load_s_per_sample < 0 || c.setup_s < 0 || c.memory_base_mb < 0 || c.memory_mb_per_partition_mb < 0 ||
      c.partitions_held < 0) {
    throw std::runtime_error("calibration: times, memory figures and partitions_held must not be negative");
  }
  return c;
}

json calibration_to_json(const Calibration& c) {
  return json{{"source", c.source},
              {"vcpus", c.vcpus},
              {"compute_s_per_sample", c.compute_s_per_sample},
              {"load_s_per_sample", c.load_s_per_sample},
              {"setup_s", c.setup_s},
              {"memory_base_mb", c.memory_base_mb},
              {"memory_mb_per_partition_mb", c.memory_mb_per_partition_mb},
              {"partitions_held", c.partitions_held},
              {"overlap_io", c.overlap_io}};
}

json lambda_model_to_json(const LambdaModel& m) {
  return json{{"mb_per_vcpu", m.mb_per_vcpu},
              {"max_vcpus", m.max_vcpus},
              {"usd_per_gb_second", m.usd_per_gb_second},
              {"usd_per_request", m.usd_per_request},
              {"cold_start_s", m.cold_start_s},
              {"s3_mb_per_s", m.s3_mb_per_s},
              {"map_launch_per_s", m.map_launch_per_s},
              {"concurrency", m.concurrency},
              {"init_s", m.init_s},
              {"summarize_s", m.summarize_s},
              {"bytes_per_sample", m.bytes_per_sample}};
}

std::int64_t samples_per_file(double partition_mb) {
  if (partition_mb == 25) return 1278;
  if (partition_mb == 50) return 2556;
  if (partition_mb == 75) return 3834;
  if (partition_mb == 100) return 5113;
  return std::max<std::int64_t>(1, std::llround(partition_mb * 5113.0 / 100.0));
}

std::vector<PlanRow> plan_runs(const PlanRequest& req, const Calibration& cal, const LambdaModel& lm) {
  if (!(req.data_mb > 0))
    throw std::invalid_argument(fmt::format("plan: data size {} MB must be positive", req.data_mb));
  std::vector<PlanRow> rows;
  const auto total = std::max<std::int64_t>(1, std::llround(req.data_mb * 1048576.0 / lm.bytes_per_sample));
  for (double p : req.partition_mb) {
    if (!(p > 0)) throw std::invalid_argument(fmt::format("plan: partition size {} MB must be positive", p));
    const std::int64_t per_file = samples_per_file(p);
    const std::int64_t files = (total + per_file - 1) / per_file;
    std::vector<std::int64_t> worlds = req.world_sizes;
    if (worlds.empty()) worlds.push_back(files);
    for (std::int64_t ws : worlds) {
      if (ws <= 0) throw std::invalid_argument(fmt::format("plan: world size {} must be positive", ws));
      for (double mem : req.memory_mb) {
        if (mem < lm.min_memory_mb || mem > lm.max_memory_mb) {
          throw std::invalid_argument(
              fmt::format("plan: Lambda memory {} MB is outside {}–{} MB", mem, lm.min_memory_mb, lm.max_memory_mb));
        }
        PlanRow r;
        r.partition_mb = p;
        r.world_size = ws;
        r.memory_mb = mem;
        r.files = files;
        r.samples = total;
        r.vcpus = std::min(lm.max_vcpus, mem / lm.mb_per_vcpu);
        const std::int64_t ranks = std::min(ws, files);
        if (ws > files) r.note = fmt::format("{} ranks idle (only {} files)", ws - files, files);
        const double cps = cal.compute_s_per_sample * cal.vcpus / r.vcpus;  // linear in the vCPU share
        std::vector<double> durations;
        double sum_inference = 0, max_d = 0, max_mem = 0;
        std::int64_t file = 0, left = files;
        for (std::int64_t k = 0; k < ranks; ++k) {
          const std::int64_t step = (left + (ranks - k) - 1) / (ranks - k);  // the original ceil split
          std::int64_t s = 0;
          for (std::int64_t f = file; f < file + step; ++f)
            s += f == files - 1 ? total - (files - 1) * per_file : per_file;
          file += step;
          left -= step;
          r.max_rank_samples = std::max(r.max_rank_samples, s);
          const double mib = static_cast<double>(s) * lm.bytes_per_sample / 1048576.0;
          const double io = mib / lm.s3_mb_per_s + static_cast<double>(s) * cal.load_s_per_sample;
          const double compute = static_cast<double>(s) * cps;
          double body = io + compute;
          if (cal.overlap_io && step > 1) {
            const double first = io / static_cast<double>(step);
            body = first + std::max(compute, io - first);
          }
          const double d = lm.cold_start_s + cal.setup_s + body;
          durations.push_back(d);
          sum_inference += io + compute;
          max_d = std::max(max_d, d);
          const double held = cal.partitions_held == 0
                                  ? static_cast<double>(step)
                                  : std::min<double>(static_cast<double>(step), cal.partitions_held);
          max_mem = std::max(max_mem, cal.memory_base_mb + cal.memory_mb_per_partition_mb * p * held);
        }
        r.rank_seconds = max_d;
        double sum_d = 0;
        for (double d : durations) sum_d += d;
        r.mean_rank_seconds = sum_d / static_cast<double>(ranks);
        r.inference_seconds = sum_inference / static_cast<double>(ranks);
        r.memory_needed_mb = max_mem;
        r.fits = max_mem <= mem;
        const double concurrent = std::min<double>(static_cast<double>(ranks), lm.concurrency);
        const double waves = std::ceil(static_cast<double>(ranks) / lm.concurrency);
        r.map_seconds = (concurrent - 1) / lm.map_launch_per_s + waves * max_d;
        r.wall_seconds = lm.init_s + r.map_seconds + lm.summarize_s;
        LambdaPricing ranks_price{mem, lm.usd_per_gb_second, lm.usd_per_request * 1e6};
        LambdaPricing orch_price{lm.orchestration_memory_mb, lm.usd_per_gb_second, lm.usd_per_request * 1e6};
        const std::vector<double> orch{lm.init_s, lm.summarize_s};
        r.cost_usd = lambda_cost(durations, ranks_price).total_usd + lambda_cost(orch, orch_price).total_usd;
        // Idle ranks still cost an invocation (they start, find no data and exit).
        if (ws > files) {
          const std::vector<double> idle(static_cast<std::size_t>(ws - files), lm.cold_start_s + 0.1);
          r.cost_usd += lambda_cost(idle, ranks_price).total_usd;
        }
        r.seeds_cost_usd = static_cast<double>(ranks) * r.inference_seconds * (max_mem / 1024.0) * lm.usd_per_gb_second;
        r.within_deadline = req.deadline_s <= 0 || r.wall_seconds <= req.deadline_s;
        if (!r.fits)
          r.note +=
              fmt::format("{}needs {:.1f} GB > {:.1f} GB", r.note.empty() ? "" : "; ", max_mem / 1024, mem / 1024);
        if (!r.within_deadline) r.note += fmt::format("{}misses the deadline", r.note.empty() ? "" : "; ");
        rows.push_back(std::move(r));
      }
    }
  }
  return rows;
}

int recommend(const std::vector<PlanRow>& rows, double deadline_s) {
  int best = -1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!r.fits || (deadline_s > 0 && r.wall_seconds > deadline_s)) continue;
    if (best < 0 || r.cost_usd < rows[best].cost_usd ||
        (r.cost_usd == rows[best].cost_usd && r.wall_seconds < rows[best].wall_seconds)) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) return best;
  for (std::size_t i = 0; i < rows.size(); ++i) {  // nothing meets the deadline: the fastest that fits
    if (rows[i].fits && (best < 0 || rows[i].wall_seconds < rows[best].wall_seconds)) best = static_cast<int>(i);
  }
  return best;
}

std::string render_plan_table(const std::vector<PlanRow>& rows) {
  TextTable t;
  t.column("Partition", Align::kLeft)
      .column("World")
      .column("Memory")
      .column("vCPU")
      .column("Rank (s)")
      .column("Map (s)")
      .column("Wall (s)")
      .column("Needs")
      .column("Cost")
      .column("$/GB")
      .column("Note", Align::kLeft);
  for (const auto& r : rows) {
    const double gb = static_cast<double>(r.samples) * 20524.0 / 1073741824.0;
    t.row({fmt::format("{}MB", format_fixed(r.partition_mb, 0)), format_count(r.world_size),
           fmt::format("{} MB", format_count(static_cast<long long>(r.memory_mb))), format_fixed(r.vcpus, 2),
           format_fixed(r.rank_seconds, 1), format_fixed(r.map_seconds, 1), format_fixed(r.wall_seconds, 1),
           fmt::format("{:.1f} GB", r.memory_needed_mb / 1024), format_usd(r.cost_usd),
           format_usd(gb > 0 ? r.cost_usd / gb : NAN), r.note});
  }
  return t.render();
}

json plan_row_to_json(const PlanRow& r) {
  return json{{"partition_mb", r.partition_mb},
              {"world_size", r.world_size},
              {"memory_mb", r.memory_mb},
              {"files", r.files},
              {"samples", r.samples},
              {"max_rank_samples", r.max_rank_samples},
              {"vcpus", r.vcpus},
              {"rank_seconds", r.rank_seconds},
              {"mean_rank_seconds", r.mean_rank_seconds},
              {"inference_seconds", r.inference_seconds},
              {"map_seconds", r.map_seconds},
              {"wall_seconds", r.wall_seconds},
              {"memory_needed_mb", r.memory_needed_mb},
              {"cost_usd", r.cost_usd},
              {"seeds_cost_usd", r.seeds_cost_usd},
              {"fits", r.fits},
              {"within_deadline", r.within_deadline},
              {"note", r.note}};
}

namespace {
std::pair<double, std::string> split_unit(const std::string& text, const char* what) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0)
    throw std::invalid_argument(fmt::format("{} \"{}\": expected a number with an optional unit", what, text));
  double v;
  try {
    v = std::stod(text.substr(0, i));
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("{} \"{}\": not a number", what, text));
  }
  std::string unit;
  for (std::size_t k = i; k < text.size(); ++k) {
    if (text[k] != ' ') unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[k])));
  }
  return {v, unit};
}
}  // namespace

double parse_size_mb(const std::string& text) {
  auto [v, u] = split_unit(text, "size");
  double mb;
  if (u.empty() || u == "MB" || u == "MIB" || u == "M")
    mb = v;
  else if (u == "GB" || u == "GIB" || u == "G")
    mb = v * 1024;
  else if (u == "TB" || u == "TIB" || u == "T")
    mb = v * 1024 * 1024;
  else if (u == "KB" || u == "KIB" || u == "K")
    mb = v / 1024;
  else
    throw std::invalid_argument(fmt::format("size \"{}\": unknown unit \"{}\" (use KB, MB, GB or TB)", text, u));
  if (!(mb > 0)) throw std::invalid_argument(fmt::format("size \"{}\" must be positive", text));
  return mb;
}

double parse_duration_s(const std::string& text) {
  auto [v, u] = split_unit(text, "duration");
  if (u.empty() || u == "S") return v;
  if (u == "MS") return v / 1000;
  if (u == "M" || u == "MIN") return v * 60;
  if (u == "H") return v * 3600;
  throw std::invalid_argument(fmt::format("duration \"{}\": unknown unit \"{}\" (use ms, s, m or h)", text, u));
}

}  // namespace cosmicai::report
