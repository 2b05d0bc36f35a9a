// `cosmicai plan`: predict wall time and Lambda cost of a run before paying for it, and
// `cosmicai plan --calibrate`: time reading and inference per sample on this machine.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "model/model_runner.hpp"
#include "report/plan.hpp"
#include "report/text_table.hpp"

namespace cosmicai::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string default_calibration_path() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return (fs::path(x) / "cosmicai" / "calibration.json").string();
  if (const char* h = std::getenv("HOME"); h && *h)
    return (fs::path(h) / ".cache" / "cosmicai" / "calibration.json").string();
  return "cosmicai-calibration.json";
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0;
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  }
  return "unknown CPU";
}

struct Options {
  std::string data_size;
  std::vector<double> partition_mb{25, 50, 75, 100};
  std::vector<std::int64_t> world_sizes;
  std::vector<double> memory_mb{10240};
  std::string deadline;
  std::string calibration;
  bool calibrate = false;
  std::int64_t calibrate_samples = 1278;
  int threads = 1;
  std::string output = "table";
  int top = 12;
  report::LambdaModel lambda;
};

report::Calibration run_calibration(const Options& o) {
  const std::int64_t n = o.calibrate_samples;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cosmicai-calibrate-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path file = dir / "1.pt";
  {
    const auto part = data::synthesize_partition(n, 2025);
    std::ofstream out(file, std::ios::binary);
    out << data::serialize_partition(part, "1");
    if (!out) throw std::runtime_error(fmt::format("calibrate: cannot write {}", file.string()));
  }
  const double rss0 = rss_mb();
  data::Partition p;
  double load = 1e30;
  for (int i = 0; i < 3; ++i) {  // the best of three: page cache warm, as an S3 download lands in memory
    const auto t = Clock::now();
    auto st = data::read_partition_file_into(file.string(), p);
    if (!st) throw std::runtime_error(fmt::format("calibrate: reading {}: {}", file.string(), st.error().message));
    load = std::min(load, seconds_since(t));
  }
  const double partition_file_mb = static_cast<double>(fs::file_size(file)) / 1048576.0;
  const double data_mb = std::max(0.0, rss_mb() - rss0);
  fs::remove_all(dir);

  model::ModelOptions mo;
  mo.threads = o.threads;
  mo.batch_size = 512;
  const auto t_open = Clock::now();
  auto runner = model::ModelRunner::open(mo);
  if (!runner) throw std::runtime_error(fmt::format("calibrate: opening the model: {}", runner.error().message));
  std::vector<float> mags(p.magnitudes.begin(), p.magnitudes.end());
  (void)(*runner)->predict(p.images, mags, std::min<std::int64_t>(n, 128));  // warm-up
  const double setup = seconds_since(t_open);
  const auto t = Clock::now();
  (void)(*runner)->predict(p.images, mags, n);
  const double compute = seconds_since(t);

  report::Calibration c;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d", std::gmtime(&now));
  c.source = fmt::format("measured by cosmicai plan --calibrate on {} ({} thread{}), {}: {} samples, {}", cpu_name(),
                         o.threads, o.threads == 1 ? "" : "s", when, n, (*runner)->description());
  c.vcpus = o.threads;
  c.compute_s_per_sample = compute / static_cast<double>(n);
  c.load_s_per_sample = load / static_cast<double>(n);
  c.setup_s = setup;
  c.memory_mb_per_partition_mb = partition_file_mb > 0 ? std::max(1.0, data_mb / partition_file_mb) : 1.0;
  c.memory_base_mb = std::max(0.0, rss_mb() - data_mb);
  c.partitions_held = 2;
  c.overlap_io = true;
  return c;
}

std::string row_name(const report::PlanRow& r) {
  return fmt::format("{}MB × {} ranks at {} MB", report::format_fixed(r.partition_mb, 0), r.world_size,
                     report::format_count(static_cast<long long>(r.memory_mb)));
}

void print_plan(const Options& o, const report::Calibration& cal, const std::string& cal_path) {
  report::PlanRequest req;
  req.data_mb = report::parse_size_mb(o.data_size);
  req.partition_mb = o.partition_mb;
  req.world_sizes = o.world_sizes;
  req.memory_mb = o.memory_mb;
  req.deadline_s = o.deadline.empty() ? 0 : report::parse_duration_s(o.deadline);
  auto rows = report::plan_runs(req, cal, o.lambda);
  const int best = report::recommend(rows, req.deadline_s);
  if (o.output == "json") {
    json out{{"data_mb", req.data_mb},
             {"deadline_s", req.deadline_s},
             {"calibration", report::calibration_to_json(cal)},
             {"lambda", report::lambda_model_to_json(o.lambda)},
             {"rows", json::array()}};
    for (const auto& r : rows) out["rows"].push_back(report::plan_row_to_json(r));
    out["recommended"] = best >= 0 ? json(report::plan_row_to_json(rows[best])) : json(nullptr);
    std::cout << out.dump(2) << "\n";
    return;
  }
  const auto& L = o.lambda;
  std::cout << fmt::format(
      "Plan for {} ({} samples of {} B)\n\n"
      "Assumptions:\n"
      "  calibration ({}): {}\n"
      "    {:.3f} ms compute and {:.3f} ms reading per sample at {} vCPU, {:.2f} s setup per invocation,\n"
      "    memory {:.0f} MB + {:.2f} MB per partition MB × {} partition(s) held{}\n"
      "  Lambda: vCPU = memory / {:.0f} MB, at most {:.0f} (10,240 MB); compute time ∝ 1/vCPU; billed per 1 ms at the\n"
      "    configured memory, ${:.7f}/GB-s + ${:.2f} per 1M requests; cold start {:.2f} s (billed) in every rank;\n"
      "    S3 {:.0f} MiB/s per function; Distributed Map starts {:.1f} children/s, {:.0f} concurrent at most;\n"
      "    Initialize and Summarize {:.1f} s + {:.1f} s at 128 MB.\n"
      "  The seeds' cost formula (their published tables) is requests × mean duration × memory used; \"Cost\" below\n"
      "    is what AWS bills: configured memory × billed duration.\n\n",
      o.data_size, report::format_count(rows.empty() ? 0 : rows[0].samples), L.bytes_per_sample, cal_path, cal.source,
      cal.compute_s_per_sample * 1e3, cal.load_s_per_sample * 1e3, report::format_fixed(cal.vcpus, 2), cal.setup_s,
      cal.memory_base_mb, cal.memory_mb_per_partition_mb,
      cal.partitions_held == 0 ? std::string("all of a rank's") : std::to_string(cal.partitions_held),
      cal.overlap_io ? "; reading overlaps compute" : "; reading before compute", L.mb_per_vcpu, L.max_vcpus,
      L.usd_per_gb_second, L.usd_per_request * 1e6, L.cold_start_s, L.s3_mb_per_s, L.map_launch_per_s, L.concurrency,
      L.init_s, L.summarize_s);
  auto by_cost = rows, by_time = rows;
  std::stable_sort(by_cost.begin(), by_cost.end(), [](const auto& a, const auto& b) {
    return a.fits != b.fits ? a.fits : a.cost_usd < b.cost_usd;  // what fits in memory first
  });
  std::stable_sort(by_time.begin(), by_time.end(), [](const auto& a, const auto& b) {
    return a.fits != b.fits ? a.fits : a.wall_seconds < b.wall_seconds;
  });
  const std::size_t top = std::min<std::size_t>(rows.size(), static_cast<std::size_t>(std::max(1, o.top)));
  by_cost.resize(top);
  by_time.resize(top);
  std::cout << "By cost" << (top < rows.size() ? fmt::format(" (cheapest {} of {})", top, rows.size()) : "") << ":\n"
            << report::render_plan_table(by_cost) << "\nBy time"
            << (top < rows.size() ? fmt::format(" (fastest {} of {})", top, rows.size()) : "") << ":\n"
            << report::render_plan_table(by_time) << "\n";
  if (best < 0) {
    std::cout << "No configuration fits in its Lambda memory; try larger --memory-mb or smaller --partition-mb.\n";
    return;
  }
  const auto& b = rows[best];
  std::size_t eligible = 0;
  for (const auto& r : rows) eligible += r.fits && (req.deadline_s <= 0 || r.wall_seconds <= req.deadline_s);
  if (req.deadline_s > 0 && eligible == 0) {
    std::cout << fmt::format("No configuration meets the {} deadline; the fastest that fits is {}: {:.1f} s, {}.\n",
                             o.deadline, row_name(b), b.wall_seconds, report::format_usd(b.cost_usd));
    return;
  }
  const auto& fastest = by_time.front();
  std::cout << fmt::format(
      "Recommended: {}: {} in {:.1f} s{}. It is the cheapest of the {} configurations that fit in "
      "memory{}; the fastest is {} ({:.1f} s, {}).\n",
      row_name(b), report::format_usd(b.cost_usd), b.wall_seconds,
      req.deadline_s > 0 ? fmt::format(" (deadline {})", o.deadline) : "", eligible,
      req.deadline_s > 0 ? " and meet the deadline" : "", row_name(fastest), fastest.wall_seconds,
      report::format_usd(fastest.cost_usd));
  std::cout << fmt::format(
      "  Why: the cost is Σ billed seconds × memory, so it follows the total work ({} samples × "
      "{:.2f} ms at {:.2f} vCPU) plus the fixed {:.2f} s per rank (cold start + setup) × ranks; "
      "more ranks shorten the wall time but add fixed seconds.\n",
      report::format_count(b.samples), cal.compute_s_per_sample * cal.vcpus / b.vcpus * 1e3, b.vcpus,
      o.lambda.cold_start_s + cal.setup_s);
}

const bool kRegistered = register_command(Command{
    "plan", [](CLI::App& app) {
      auto o = std::make_shared<Options>();
      auto* sub =
          app.add_subcommand("plan", "Predict wall time and Lambda cost per partition size, world size and memory");
      sub->footer(
          "Examples:\n"
          "  cosmicai plan --calibrate                     # time this machine, store "
          "~/.cache/cosmicai/calibration.json\n"
          "  cosmicai plan --data-size 12.6GB --deadline 60s\n"
          "  cosmicai plan --data-size 12.6GB --calibration examples/cosmic-ai/calibration-original-lambda.json \\\n"
          "      --partition-mb 25,50,75,100 --memory-mb 3008,10240\n\n"
          "Sizes are binary (the seeds' 12.6 GB is 12.6 GiB). World sizes default to one rank per partition file.");
      sub->add_option("--data-size", o->data_size, "data set size, e.g. 12.6GB, 800MB, 1TB");
      sub->add_option("--partition-mb", o->partition_mb, "partition sizes in MB")
          ->delimiter(',')
          ->capture_default_str();
      sub->add_option("--world-size", o->world_sizes, "world sizes (default: one rank per file)")->delimiter(',');
      sub->add_option("--memory-mb", o->memory_mb, "Lambda memory sizes in MB (128–10240)")
          ->delimiter(',')
          ->capture_default_str();
      sub->add_option("--deadline", o->deadline, "recommend the cheapest within this wall time, e.g. 60s, 2m");
      sub->add_option("--calibration", o->calibration, "calibration file (default ~/.cache/cosmicai/calibration.json)");
      sub->add_flag("--calibrate", o->calibrate,
                    "time reading and inference per sample here and store the calibration");
      sub->add_option("--calibrate-samples", o->calibrate_samples, "samples to time")
          ->check(CLI::Range(16, 100000))
          ->capture_default_str();
      sub->add_option("--threads", o->threads, "intra-op threads while calibrating (= the vCPUs the figures are per)")
          ->check(CLI::Range(1, 256))
          ->capture_default_str();
      sub->add_option("--top", o->top, "rows shown in each table")->capture_default_str();
      sub->add_option("--output,-o", o->output, "table or json")
          ->check(CLI::IsMember({"table", "json"}))
          ->capture_default_str();
      sub->add_option("--cold-start", o->lambda.cold_start_s, "cold start per invocation, seconds")
          ->capture_default_str();
      sub->add_option("--s3-mbps", o->lambda.s3_mb_per_s, "S3 throughput per function, MiB/s")->capture_default_str();
      sub->add_option("--launch-rate", o->lambda.map_launch_per_s,
                      "Distributed Map child executions started per second")
          ->capture_default_str();
      sub->add_option("--concurrency", o->lambda.concurrency, "Lambda concurrent executions")->capture_default_str();
      sub->add_option("--gb-second-usd", o->lambda.usd_per_gb_second, "price per GB-second")->capture_default_str();
      sub->callback([o] {
        try {
          const std::string path = o->calibration.empty() ? default_calibration_path() : o->calibration;
          if (o->calibrate) {
            const auto c = run_calibration(*o);
            const fs::path p(path);
            if (p.has_parent_path()) fs::create_directories(p.parent_path());
            std::ofstream out(p);
            out << report::calibration_to_json(c).dump(2) << "\n";
            if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
            std::cerr << fmt::format(
                "cosmicai plan: calibration written to {}\n  {}\n  compute {:.3f} ms/sample, reading "
                "{:.3f} ms/sample at {} thread(s); setup {:.2f} s; memory {:.0f} MB + {:.2f} MB/MB\n",
                path, c.source, c.compute_s_per_sample * 1e3, c.load_s_per_sample * 1e3, c.vcpus, c.setup_s,
                c.memory_base_mb, c.memory_mb_per_partition_mb);
            if (o->data_size.empty()) return;
          }
          if (o->data_size.empty()) throw std::runtime_error("--data-size is required (or --calibrate alone)");
          if (!fs::exists(path)) {
            throw std::runtime_error(fmt::format(
                "no calibration at {}: run `cosmicai plan --calibrate` (times this machine) or pass --calibration FILE "
                "(examples/cosmic-ai/calibration-original-lambda.json holds the original Lambda's figures)",
                path));
          }
          const json cj = read_json_file(path);
          report::Calibration cal;
          try {
            cal = report::calibration_from_json(cj);
          } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("{}: {}", path, e.what()));
          }
          print_plan(*o, cal, path);
        } catch (const std::exception& e) {
          std::cerr << "cosmicai plan: error: " << e.what() << "\n";
          throw CLI::RuntimeError(2);
        }
      });
    }});

}  // namespace
}  // namespace cosmicai::cli
