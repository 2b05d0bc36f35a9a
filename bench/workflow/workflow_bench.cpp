// End-to-end workflow overhead: runs the seeds' Cosmic AI state machine
// (examples/cosmic-ai/cai-state-machine.json, Initialize → Distributed Map of Model Inference
// ranks → Summarize) with `cosmicai run` on a synthetic 1 GB data set, and compares the wall time
// with the pure model compute time the ranks report. Not a pass/fail test.
//
//   bench_workflow [--cosmicai PATH] [--dir DIR] [--sizes 100,25] [--total-mb 1024]
//                  [--rounds 3] [--threads 0] [--json FILE]
//
// Definitions (printed with the numbers):
//   wall      W: from starting `cosmicai run` to its exit (process start, model load,
//                Initialize, every rank's read/compute/write, Summarize).
//   compute   C: Σ over ranks of `compute_seconds` in RESULT_PATH/<rank>.json: the time inside
//                ModelRunner::predict only (the compute gate already held).
//   slots     P: models that may compute at once, max(1, cores / threads) (the ComputeGate);
//                with threads = every core it is 1, so compute is serial and C is a lower
//                bound of W.
//   overhead  (W − C/P) / (C/P): everything that is not model compute and not hidden behind
//                it (orchestration, non-overlapped reads, writes, process and model start-up).
//
// Model alone, measured in this process between the workflow rounds (same model options as the
// ranks: built-in seed-0 weights, the same threads, batches of the payload's batch_size): the
// model open time (library load, then weights + pre-packing), the first batch of a fresh runner,
// and the steady rate on partition 1 of the same data, once in whole batches only (what
// bench_inference measures) and once as a rank runs it (the partial last batch included). The
// workflow's compute rate (samples × P / C) is compared with those, and the cosmicai process's
// page faults and context switches (getrusage of the child) are reported per sample.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/json.hpp"
#include "data/partition.hpp"
#include "model/model_runner.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_workflow: " << what << "\n";
  std::exit(1);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Run a shell command; die with its log when it fails.
void run_or_die(const std::string& cmd, const std::string& log) {
  const int rc = std::system((cmd + " >" + quote(log) + " 2>&1").c_str());
  if (rc != 0) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    die(fmt::format("command failed (status {}): {}\n{}", rc, cmd, ss.str()));
  }
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) die("cannot read " + p.string());
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    die(fmt::format("{}: {}", p.string(), e.what()));
  }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Options {
  std::string cosmicai;
  std::string dir;
  std::vector<int> sizes{100};
  int total_mb = 1024;
  int rounds = 3;
  int threads = 0;
  std::int64_t batch = 0;  // 0: the payload's batch_size
  bool model_alone = true;
  std::string json_out;
};

double seconds(SteadyClock::time_point t0) { return std::chrono::duration<double>(SteadyClock::now() - t0).count(); }

/// The model alone on one partition, as the ranks run it.
struct ModelAlone {
  double library_s = 0;           // loading libcosmicai_model.so (LibTorch), once per process
  double open_s = 0;              // ModelRunner::open: weights + folding + pre-packing
  double first_batch_s = 0;       // the first predict of a fresh runner (cold activations)
  double steady_batch_s = 0;      // the same batch again
  std::vector<double> full_rate;  // samples/s, whole batches only
  std::vector<double> rank_rate;  // samples/s, the partition in batches as a rank does it
  std::int64_t samples = 0;
  std::int64_t full_batches = 0;
  std::int64_t last_batch = 0;
  long minflt_per_batch = 0;  // page faults per steady batch in this process
};

class ModelBench {
 public:
  ModelBench(const fs::path& partition, int threads, std::int64_t batch) : batch_(batch) {
    auto t0 = SteadyClock::now();
    auto lib = cosmicai::model::model_library_path();
    if (!lib.ok()) die("model library: " + lib.error().message);
    r_.library_s = seconds(t0);
    cosmicai::model::ModelOptions mo;  // as cosmic/infer.cpp opens it for the ranks
    mo.threads = threads;
    mo.batch_size = 1 << 20;
    t0 = SteadyClock::now();
    auto runner = cosmicai::model::ModelRunner::open(mo);
    if (!runner.ok()) die("model: " + runner.error().message);
    r_.open_s = seconds(t0);
    runner_ = *runner;
    auto part = cosmicai::data::read_partition_file(partition.string());
    if (!part.ok()) die(part.error().message);
    part_ = std::move(*part);
    mags_.assign(part_.magnitudes.begin(), part_.magnitudes.end());
    r_.samples = part_.samples;
    r_.full_batches = part_.samples / batch_;
    r_.last_batch = part_.samples % batch_;
    if (r_.full_batches == 0) die(fmt::format("{}: fewer samples than one batch of {}", partition.string(), batch_));
    t0 = SteadyClock::now();
    predict(0, batch_);
    r_.first_batch_s = seconds(t0);
    rusage a{}, b{};
    getrusage(RUSAGE_SELF, &a);
    t0 = SteadyClock::now();
    predict(0, batch_);
    r_.steady_batch_s = seconds(t0);
    getrusage(RUSAGE_SELF, &b);
    r_.minflt_per_batch = b.ru_minflt - a.ru_minflt;
  }

  /// One measurement of both rates (call between workflow rounds).
  void measure() {
    auto t0 = SteadyClock::now();
    for (std::int64_t i = 0; i < r_.full_batches; ++i) predict(i * batch_, batch_);
    r_.full_rate.push_back(static_cast<double>(r_.full_batches * batch_) / seconds(t0));
    t0 = SteadyClock::now();
    for (std::int64_t b = 0; b < part_.samples; b += batch_) predict(b, std::min(batch_, part_.samples - b));
    r_.rank_rate.push_back(static_cast<double>(part_.samples) / seconds(t0));
  }

  const ModelAlone& result() const { return r_; }

 private:
  void predict(std::int64_t begin, std::int64_t n) {
    const std::span<const float> img(part_.images.data() + begin * cosmicai::data::kImageElements,
                                     static_cast<std::size_t>(n * cosmicai::data::kImageElements));
    const std::span<const float> mag(mags_.data() + begin * cosmicai::data::kMagnitudes,
                                     static_cast<std::size_t>(n * cosmicai::data::kMagnitudes));
    (void)runner_->predict(img, mag, n);
  }

  std::int64_t batch_;
  ModelAlone r_;
  std::shared_ptr<cosmicai::model::ModelRunner> runner_;
  cosmicai::data::Partition part_;
  std::vector<float> mags_;
};

/// One execution's figures.
struct Round {
  double wall = 0;          // W
  double compute = 0;       // Σ compute_seconds
  double load = 0;          // Σ load_seconds (reads; overlapped with another rank's compute)
  double write = 0;         // Σ write_seconds
  double gate_wait = 0;     // Σ gate_wait_seconds
  double model = 0;         // Σ model_seconds (model open or cache lookup)
  double ranks_span = 0;    // last rank end − first rank start
  std::int64_t samples = 0;
  std::int64_t ranks = 0;
  double max_model = 0;                                // the slowest model_seconds (the first rank's load)
  long minflt = 0, majflt = 0, nvcsw = 0, nivcsw = 0;  // the cosmicai process (getrusage children)
  double overhead() const { return compute > 0 ? (wall - compute_path()) / compute_path() : 0; }
  double compute_path() const { return compute / slots; }
  int slots = 1;
};

Options parse_args(int argc, char** argv) {
  Options o;
  const fs::path self = fs::absolute(argv[0]).parent_path();
  o.cosmicai = (self / ".." / "cosmicai").lexically_normal().string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--cosmicai") {
      o.cosmicai = value();
    } else if (a == "--dir") {
      o.dir = value();
    } else if (a == "--sizes") {
      o.sizes.clear();
      std::stringstream ss(value());
      for (std::string t; std::getline(ss, t, ',');) o.sizes.push_back(std::stoi(t));
    } else if (a == "--total-mb") {
      o.total_mb = std::stoi(value());
    } else if (a == "--rounds") {
      o.rounds = std::max(1, std::stoi(value()));
    } else if (a == "--threads") {
      o.threads = std::stoi(value());
    } else if (a == "--batch") {
      o.batch = std::stoll(value());
    } else if (a == "--no-model-alone") {
      o.model_alone = false;
    } else if (a == "--json") {
      o.json_out = value();
    } else if (a == "--help" || a == "-h") {
      std::cout << "bench_workflow [--cosmicai PATH] [--dir DIR] [--sizes 100,25] [--total-mb 1024] [--rounds 3] "
                   "[--threads 0] [--batch N (default: the payload's)] [--no-model-alone] [--json FILE]\n";
      std::exit(0);
    } else {
      die("unknown argument " + a);
    }
  }
  if (!fs::exists(o.cosmicai)) die("cosmicai binary not found at " + o.cosmicai + " (use --cosmicai)");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);
  const fs::path src = COSMICAI_SOURCE_DIR;
  const fs::path machine = src / "examples/cosmic-ai/cai-state-machine.json";
  const json base_payload = read_json(src / "examples/cosmic-ai/payloads/world11-100MB.json");
  const bool own_dir = opt.dir.empty();
  const fs::path dir = own_dir ? fs::temp_directory_path() / fmt::format("cosmicai-bench-workflow-{}", ::getpid())
                               : fs::path(opt.dir);
  fs::create_directories(dir);
  const std::string bucket = base_payload.at("data_bucket").get<std::string>();
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int per_model = opt.threads > 0 ? std::min(opt.threads, cores) : cores;
  const int slots = std::max(1, cores / per_model);

  std::cout << fmt::format("cosmicai: {}\nstore: file://{}\ncores: {}, threads per model: {}, compute slots P: {}\n",
                           opt.cosmicai, dir.string(), cores, per_model, slots);
  json all = json::array();
  for (int mb : opt.sizes) {
    const int files = (opt.total_mb + mb - 1) / mb;
    const std::string prefix = fmt::format("{}MB", mb);
    // 1. Data, synthesized once per size (deterministic, so an existing set is reused).
    if (!fs::exists(dir / bucket / prefix / fmt::format("{}.pt", files))) {
      std::cout << fmt::format("synthesizing {} MB as {} MB partitions…\n", opt.total_mb, mb) << std::flush;
      run_or_die(fmt::format("{} dataset synth --root {} --bucket {} --partition-mb {} --total-mb {}",
                             quote(opt.cosmicai), quote(dir.string()), quote(bucket), mb, opt.total_mb),
                 (dir / "synth.log").string());
    }
    const std::int64_t batch = opt.batch > 0 ? opt.batch : base_payload.at("batch_size").get<std::int64_t>();
    std::unique_ptr<ModelBench> alone;
    if (opt.model_alone) alone = std::make_unique<ModelBench>(dir / bucket / prefix / "1.pt", per_model, batch);
    std::vector<Round> rounds;
    for (int r = 1; r <= opt.rounds; ++r) {
      if (alone) alone->measure();
      json payload = base_payload;
      payload["batch_size"] = batch;
      payload["data_prefix"] = prefix;
      payload["file_limit"] = std::to_string(files);
      const std::string result_path = fmt::format("bench-workflow/{}MB/round{}", mb, r);
      payload["result_path"] = result_path;
      fs::remove_all(dir / bucket / result_path);
      const fs::path payload_file = dir / "payload.json";
      std::ofstream(payload_file) << payload.dump(2);
      const std::string cmd =
          fmt::format("{} run {} --input {} --store {} --threads {}", quote(opt.cosmicai), quote(machine.string()),
                      quote(payload_file.string()), quote("file://" + dir.string()), opt.threads);
      rusage ru0{}, ru1{};
      getrusage(RUSAGE_CHILDREN, &ru0);
      const auto t0 = SteadyClock::now();
      run_or_die(cmd, (dir / "run.json").string());
      Round rd;
      rd.wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
      getrusage(RUSAGE_CHILDREN, &ru1);
      rd.minflt = ru1.ru_minflt - ru0.ru_minflt;
      rd.majflt = ru1.ru_majflt - ru0.ru_majflt;
      rd.nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
      rd.nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;
      rd.slots = slots;
      double first_start = 1e300, last_end = 0;
      for (int rank = 0;; ++rank) {
        const fs::path p = dir / bucket / result_path / fmt::format("{}.json", rank);
        if (!fs::exists(p)) break;
        const json j = read_json(p);
        rd.compute += j.at("compute_seconds").get<double>();
        rd.load += j.at("load_seconds").get<double>();
        rd.write += j.at("write_seconds").get<double>();
        rd.gate_wait += j.at("gate_wait_seconds").get<double>();
        rd.model += j.at("model_seconds").get<double>();
        rd.max_model = std::max(rd.max_model, j.at("model_seconds").get<double>());
        rd.samples += j.at("samples").get<std::int64_t>();
        first_start = std::min(first_start, j.at("start_time").get<double>());
        last_end = std::max(last_end, j.at("end_time").get<double>());
        ++rd.ranks;
      }
      if (rd.ranks == 0) die("no rank results under " + (dir / bucket / result_path).string());
      rd.ranks_span = last_end - first_start;
      std::cout << fmt::format(
                       "{} MB × {} round {}: wall {:.2f} s, Σcompute {:.2f} s, overhead {:+.2f}%, {:.1f} samples/s "
                       "(model alone {:.1f})\n",
                       mb, rd.ranks, r, rd.wall, rd.compute, 100 * rd.overhead(),
                       static_cast<double>(rd.samples) / rd.wall, static_cast<double>(rd.samples) * slots / rd.compute)
                << std::flush;
      rounds.push_back(rd);
      fs::remove_all(dir / bucket / result_path);
    }
    auto med = [&](auto field) {
      std::vector<double> v;
      for (const auto& rd : rounds) v.push_back(field(rd));
      return median(v);
    };
    const double wall = med([](const Round& r) { return r.wall; });
    const double compute = med([](const Round& r) { return r.compute; });
    const double overhead = med([](const Round& r) { return r.overhead(); });
    const double samples = static_cast<double>(rounds.front().samples);
    const double load = med([](const Round& r) { return r.load; });
    const double write = med([](const Round& r) { return r.write; });
    const double model = med([](const Round& r) { return r.model; });
    const double outside = med([](const Round& r) { return r.wall - r.ranks_span; });
    std::cout << fmt::format(
        "\n== {} MB partitions: {} ranks, {} samples, median of {} rounds ==\n"
        "wall time W (cosmicai run, start to exit)        {:8.2f} s\n"
        "Σ pure compute C (ModelRunner::predict)           {:8.2f} s   (C/P = {:.2f} s)\n"
        "overhead (W − C/P) / (C/P)                         {:+7.2f} %   goal ≤ 5%: {}\n"
        "end-to-end samples/s (samples / W)                {:8.1f}\n"
        "pure-model samples/s (samples × P / C)            {:8.1f}\n"
        "  where the overhead goes (medians, Σ over ranks):\n"
        "  partition reads (load_seconds; a rank reads while another computes, so mostly hidden) {:.2f} s\n"
        "  result writes (write_seconds)                   {:8.2f} s\n"
        "  model open / cache lookups (model_seconds)      {:8.2f} s\n"
        "  outside the ranks (start-up, Initialize, Summarize, exit) {:.2f} s\n",
        mb, rounds.front().ranks, rounds.front().samples, rounds.size(), wall, compute, compute / slots,
        100 * overhead, overhead <= 0.05 ? "met" : "NOT met", samples / wall, samples * slots / compute, load, write,
        model, outside);
    const double wf_rate = samples * slots / compute;
    const double minflt = med([](const Round& r) { return static_cast<double>(r.minflt); });
    const double nivcsw = med([](const Round& r) { return static_cast<double>(r.nivcsw); });
    const double nvcsw = med([](const Round& r) { return static_cast<double>(r.nvcsw); });
    std::cout << fmt::format(
        "  cosmicai process: {:.0f} minor page faults ({:.2f} per sample), {:.0f} voluntary / {:.0f} involuntary "
        "context switches; slowest model_seconds (first rank's load) {:.2f} s\n",
        minflt, minflt / samples, nvcsw, nivcsw, med([](const Round& r) { return r.max_model; }));
    json alone_json;
    if (alone) {
      const ModelAlone& m = alone->result();
      const double full = median(m.full_rate), rank = median(m.rank_rate);
      std::cout << fmt::format(
          "model alone, same run, batch {} ({} threads, partition 1: {} samples = {} × {} + {}):\n"
          "  library load {:.2f} s (once per process), model open (weights + pre-packing) {:.3f} s\n"
          "  first batch of a fresh runner {:.3f} s vs {:.3f} s steady ({:+.0f}%; {} page faults in a steady batch)\n"
          "  whole batches only (as bench_inference)         {:8.1f} samples/s\n"
          "  the partition as a rank runs it (partial last)  {:8.1f} samples/s  ({:+.1f}% vs whole batches)\n"
          "  workflow compute rate (samples × P / C)         {:8.1f} samples/s  ({:+.1f}% vs whole batches, "
          "{:+.1f}% vs as-a-rank)\n",
          batch, per_model, m.samples, m.full_batches, batch, m.last_batch, m.library_s, m.open_s, m.first_batch_s,
          m.steady_batch_s, 100 * (m.first_batch_s / m.steady_batch_s - 1), m.minflt_per_batch, full, rank,
          100 * (rank / full - 1), wf_rate, 100 * (wf_rate / full - 1), 100 * (wf_rate / rank - 1));
      alone_json = {{"batch", batch},
                    {"library_load_s", m.library_s},
                    {"model_open_s", m.open_s},
                    {"first_batch_s", m.first_batch_s},
                    {"steady_batch_s", m.steady_batch_s},
                    {"minflt_per_steady_batch", m.minflt_per_batch},
                    {"whole_batches_samples_per_s", full},
                    {"as_rank_samples_per_s", rank},
                    {"whole_batches_runs", m.full_rate},
                    {"as_rank_runs", m.rank_rate}};
    }
    json rj = json::array();
    for (const auto& rd : rounds) {
      rj.push_back({{"wall_s", rd.wall},
                    {"compute_sum_s", rd.compute},
                    {"overhead", rd.overhead()},
                    {"load_sum_s", rd.load},
                    {"write_sum_s", rd.write},
                    {"gate_wait_sum_s", rd.gate_wait},
                    {"model_sum_s", rd.model},
                    {"ranks_span_s", rd.ranks_span},
                    {"samples", rd.samples},
                    {"ranks", rd.ranks},
                    {"max_model_s", rd.max_model},
                    {"minflt", rd.minflt},
                    {"majflt", rd.majflt},
                    {"nvcsw", rd.nvcsw},
                    {"nivcsw", rd.nivcsw}});
    }
    all.push_back({{"partition_mb", mb},
                   {"files", files},
                   {"cores", cores},
                   {"threads_per_model", per_model},
                   {"compute_slots", slots},
                   {"median_wall_s", wall},
                   {"median_compute_sum_s", compute},
                   {"median_overhead", overhead},
                   {"samples_per_s", samples / wall},
                   {"model_samples_per_s", samples * slots / compute},
                   {"batch", batch},
                   {"model_alone", alone_json},
                   {"rounds", rj}});
  }
  if (!opt.json_out.empty()) std::ofstream(opt.json_out) << all.dump(2) << "\n";
  if (own_dir) fs::remove_all(dir);
  return 0;
}
