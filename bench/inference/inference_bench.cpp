// bench_inference: AstroMAE throughput of cosmicai's inference path against ONNX Runtime
// (onnxruntime-node on the exported model), PyTorch eager (Python) and the machine's fp32 GEMM
// rate, all measured in this one run. See bench/README.md.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/json.hpp"
#include "cosmicai_reference_model_status.hpp"
#include "data/synthetic.hpp"
#include "model/gemm_probe.hpp"
#include "model/model_runner.hpp"
#include "report/accuracy.hpp"

namespace {

using cosmicai::json;
namespace model = cosmicai::model;

constexpr double kGflopPerSample = 2.0 * 110'768'000 / 1e9;  // 0.221536 (reference README MAC count)
// What the built-in network executes of those: the composed layers (head, vit_block.2,
// vis_inception.12, magnitude_block.8: 36,864 + 2 × 1,201,216 + 1,048,576 MACs) and the last
// block's fc2 on one row instead of 17 (16 × 768 × 192) are not computed.
constexpr double kExecutedGflopPerSample = 2.0 * (110'768'000 - 5'847'168) / 1e9;  // 0.209842

struct Args {
  std::vector<int> threads{1, 2};
  std::vector<std::int64_t> batches{1, 32, 128, 256, 512};
  double min_time = 1.5;
  int rounds = 3;  // interleaved rounds (cosmicai, then PyTorch); medians over rounds
  std::string python = "/usr/bin/python3";
  std::string python_coretype;  // extra PyTorch run with this OPENBLAS_CORETYPE
  std::string node = "node";    // ONNX Runtime baseline (empty: skipped)
  std::string onnx;             // exported model (default: beside the reference model)
  std::vector<std::string> variants{"default"};
  std::int64_t gemm_n = 2048;
  std::string json_out;
  bool accuracy = false;   // --accuracy: reduced precisions' accuracy cost, then exit
  bool load_time = false;  // --load-time: ModelRunner::open time per variant, then exit
  int accuracy_partition_mb = 100;
  std::uint64_t accuracy_seed = 2025;  // `cosmicai dataset synth`'s default seed
};

template <class T>
std::vector<T> parse_list(const std::string& s) {
  std::vector<T> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if constexpr (std::is_same_v<T, std::string>)
      out.push_back(item);
    else
      out.push_back(static_cast<T>(std::stoll(item)));
  }
  return out;
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(k + " needs a value");
      return argv[++i];
    };
    if (k == "--threads")
      a.threads = parse_list<int>(next());
    else if (k == "--batches")
      a.batches = parse_list<std::int64_t>(next());
    else if (k == "--min-time")
      a.min_time = std::stod(next());
    else if (k == "--rounds")
      a.rounds = std::stoi(next());
    else if (k == "--python")
      a.python = next();
    else if (k == "--no-python")
      a.python.clear();
    else if (k == "--node")
      a.node = next();
    else if (k == "--no-ort")
      a.node.clear();
    else if (k == "--onnx")
      a.onnx = next();
    else if (k == "--python-coretype")
      a.python_coretype = next();
    else if (k == "--variants")
      a.variants = parse_list<std::string>(next());
    else if (k == "--gemm-n")
      a.gemm_n = std::stoll(next());
    else if (k == "--json")
      a.json_out = next();
    else if (k == "--accuracy")
      a.accuracy = true;
    else if (k == "--load-time")
      a.load_time = true;
    else if (k == "--accuracy-partition-mb")
      a.accuracy_partition_mb = std::stoi(next());
    else if (k == "--accuracy-seed")
      a.accuracy_seed = std::stoull(next());
    else if (k == "--help" || k == "-h") {
      std::puts(
          "bench_inference [--threads 1,2] [--batches 1,32,128,512] [--min-time S] [--rounds N]\n"
          "                [--variants default,aten,bf16,int8,torchscript] [--python PATH | --no-python]\n"
          "                [--python-coretype SkylakeX] [--node PATH | --no-ort] [--onnx FILE]\n"
          "                [--gemm-n 2048] [--json FILE]\n"
          "bench_inference --accuracy [--variants bf16,int8] [--threads 2] [--accuracy-partition-mb 100]\n"
          "                [--accuracy-seed 2025] [--json FILE]\n"
          "bench_inference --load-time [--variants default,int8] [--rounds 5] [--threads 1] [--json FILE]\n"
          "  model open time (weights file read + preparation, after the model library is loaded) per\n"
          "  variant, the variants interleaved per round; median and range\n"
          "  accuracy of each variant against fp32 on reference_io.json and on the first file of the\n"
          "  synthetic data set (`cosmicai dataset synth --partition-mb 100`), no timing\n"
          "The ONNX Runtime baseline needs `npm ci --prefix bench/inference/ort --ignore-scripts` once\n"
          "(or scripts/setup.sh --bench-ort); without it the ORT columns are skipped with a note.\n"
          "Example: bench_inference --threads 2 --batches 128,256,512");
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument " + k + " (see --help)");
    }
  }
  return a;
}

// The seed-0 reference model that the build generates (cmake/fixtures.cmake) and the project's
// PyTorch definition of the model that generated it.
std::string reference_model() {
  const std::string path = COSMICAI_REFERENCE_MODEL;
  if (!std::filesystem::is_regular_file(path)) {
    const std::string why = COSMICAI_REFERENCE_MODEL_MISSING;
    throw std::runtime_error("reference model " + path + " is missing: " +
                             (why.empty() ? std::string("build the target cosmicai_reference_model") : why));
  }
  return path;
}
std::string model_definition_dir() { return std::string(COSMICAI_FIXTURES_DIR) + "/astromae/model"; }

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

model::ModelOptions variant_options(const std::string& variant, int threads, std::int64_t batch) {
  model::ModelOptions o;
  o.source = "builtin:" + reference_model();
  o.threads = threads;
  o.batch_size = batch;
  if (variant == "aten")
    o.gemm = "aten";
  else if (variant == "bf16")
    o.precision = "bf16";
  else if (variant == "int8")
    o.precision = "int8";
  else if (variant == "torchscript")
    o.source = reference_model();
  else if (variant != "default")
    throw std::invalid_argument("unknown variant " + variant);
  return o;
}

// Samples/s of one run of at least `min_time` seconds, after a warm-up batch.
double time_runner(model::ModelRunner& runner, std::int64_t batch, double min_time) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> pix(0.0F, 1.0F), mag(14.0F, 24.0F);
  std::vector<float> images(static_cast<std::size_t>(batch) * 5 * 32 * 32), mags(static_cast<std::size_t>(batch) * 5);
  for (auto& v : images) v = pix(rng);
  for (auto& v : mags) v = mag(rng);
  (void)runner.predict(images, mags, batch);
  std::int64_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double dt = 0;
  do {
    (void)runner.predict(images, mags, batch);
    n += batch;
    dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (dt < min_time);
  return static_cast<double>(n) / dt;
}

// Run the Python baseline; returns (threads, batch) -> samples/s.
std::map<std::pair<int, std::int64_t>, double> run_python(const Args& a, const std::string& coretype) {
  std::map<std::pair<int, std::int64_t>, double> out;
  std::string threads, batches;
  for (int t : a.threads) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  for (auto b : a.batches) batches += (batches.empty() ? "" : ",") + std::to_string(b);
  const std::string env = coretype.empty() ? "" : "OPENBLAS_CORETYPE=" + coretype + " ";
  const std::string cmd = fmt::format(
      "{}{} {}/bench/inference/pytorch_eager.py --model-dir {} --weights {} --threads {} --batches {} "
      "--min-time {} --repeats 1",
      env, a.python, COSMICAI_SOURCE_DIR, model_definition_dir(), reference_model(), threads, batches, a.min_time);
  std::fprintf(stderr, "running: %s\n", cmd.c_str());
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    json j = json::parse(buf, nullptr, false);
    if (j.is_discarded() || !j.contains("samples_per_s")) continue;
    out[{j["threads"].get<int>(), j["batch"].get<std::int64_t>()}] = j["samples_per_s"].get<double>();
  }
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error(fmt::format("PyTorch baseline failed (status {}): {}", rc, cmd));
  return out;
}

// === ONNX Runtime baseline ===

std::string ort_dir() { return std::string(COSMICAI_SOURCE_DIR) + "/bench/inference/ort"; }

// Why the ONNX Runtime baseline cannot run here, or empty when it can.
std::string ort_unavailable(const Args& a) {
  if (a.node.empty()) return "--no-ort";
  if (!std::filesystem::is_directory(ort_dir() + "/node_modules/onnxruntime-node")) {
    return "onnxruntime-node is not installed: run `npm ci --prefix bench/inference/ort --ignore-scripts` "
           "(or scripts/setup.sh --bench-ort; ~290 MB)";
  }
  if (std::system((a.node + " --version >/dev/null 2>&1").c_str()) != 0) return "no Node.js at " + a.node;
  if (a.python.empty() && (a.onnx.empty() || !std::filesystem::is_regular_file(a.onnx)))
    return "exporting the ONNX model needs Python with torch (--no-python given without --onnx FILE)";
  return "";
}

// The ONNX export of the reference model (bench/inference/export_onnx.py), regenerated when it is
// missing or older than the reference model or the export script.
std::string prepare_onnx(const Args& a) {
  namespace fs = std::filesystem;
  const std::string out =
      a.onnx.empty() ? (fs::path(reference_model()).parent_path() / "astromae_seed0.onnx").string() : a.onnx;
  const std::string script = std::string(COSMICAI_SOURCE_DIR) + "/bench/inference/export_onnx.py";
  if (a.python.empty()) return out;  // --no-python with an existing --onnx FILE: taken as it is
  if (fs::is_regular_file(out) && fs::last_write_time(out) >= fs::last_write_time(reference_model()) &&
      fs::last_write_time(out) >= fs::last_write_time(script)) {
    return out;
  }
  const std::string cmd = fmt::format("{} {} --model-dir {} --weights {} --out {} >&2", a.python, script,
                                      model_definition_dir(), reference_model(), out);
  std::fprintf(stderr, "running: %s\n", cmd.c_str());
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("ONNX export failed: " + cmd);
  return out;
}

// Run the ONNX Runtime baseline; returns (threads, batch) -> samples/s and sets `check` to the
// largest |ORT − reference| over reference_io.json when `with_check`.
std::map<std::pair<int, std::int64_t>, double> run_ort(const Args& a, const std::string& onnx, bool with_check,
                                                       double& check) {
  std::map<std::pair<int, std::int64_t>, double> out;
  std::string threads, batches;
  for (int t : a.threads) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  for (auto b : a.batches) batches += (batches.empty() ? "" : ",") + std::to_string(b);
  const std::string cmd = fmt::format(
      "{} {}/ort_bench.mjs --model {} {} --threads {} --batches {} --min-time {} --repeats 1", a.node, ort_dir(), onnx,
      with_check ? "--reference " + std::string(COSMICAI_FIXTURES_DIR) + "/astromae/reference_io.json" : std::string(),
      threads, batches, a.min_time);
  std::fprintf(stderr, "running: %s\n", cmd.c_str());
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    json j = json::parse(buf, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.contains("check")) check = j["check"]["max_abs_diff"].get<double>();
    if (j.contains("samples_per_s"))
      out[{j["threads"].get<int>(), j["batch"].get<std::int64_t>()}] = j["samples_per_s"].get<double>();
  }
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error(fmt::format("ONNX Runtime baseline failed (status {}): {}", rc, cmd));
  return out;
}

// === Accuracy of the reduced precisions (--accuracy) ===

struct Diff {
  double max = 0, mean = 0;
};

Diff diff(const std::vector<float>& a, const std::vector<float>& b) {
  Diff d;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double e = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    d.max = std::max(d.max, e);
    d.mean += e;
  }
  if (n > 0) d.mean /= static_cast<double>(n);
  return d;
}

std::vector<float> json_floats(const json& arr) {
  std::vector<float> v;
  for (const auto& x : arr) v.push_back(x.get<float>());
  return v;
}

double mae(const std::vector<float>& predicted, const std::vector<float>& truth) {
  std::vector<double> p(predicted.begin(), predicted.end()), t(truth.begin(), truth.end());
  auto acc = cosmicai::report::compute_accuracy(t, p);
  if (!acc.ok()) throw std::runtime_error(acc.error().message);
  return acc->mae;
}

// Predictions of every variant against fp32 (the default) on reference_io.json (also against
// PyTorch's outputs stored there) and on one synthetic partition (also the change in MAE
// against its redshift).
int run_accuracy(const Args& a) {
  const int threads = a.threads.empty() ? 1 : a.threads.back();
  json report;
  report["machine"] = {{"cpu", cpu_model()}, {"logical_cpus", std::thread::hardware_concurrency()}};
  std::ifstream in(std::string(COSMICAI_FIXTURES_DIR) + "/astromae/reference_io.json");
  const json ref = json::parse(in);
  const std::int64_t ref_n = ref["outputs_shape"][0].get<std::int64_t>();
  const std::vector<float> ref_images = json_floats(ref["images"]), ref_mags = json_floats(ref["magnitudes"]),
                           ref_out = json_floats(ref["outputs"]);

  const std::int64_t samples = cosmicai::data::samples_per_partition(a.accuracy_partition_mb);
  const auto t0 = std::chrono::steady_clock::now();
  const cosmicai::data::Partition part = cosmicai::data::synthesize_partition(samples, a.accuracy_seed);
  std::vector<float> mags(part.magnitudes.begin(), part.magnitudes.end());
  std::printf("synthetic partition: %ld samples (%d MB file 1, seed %llu), made in %.1f s\n",
              static_cast<long>(samples), a.accuracy_partition_mb, static_cast<unsigned long long>(a.accuracy_seed),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  std::vector<std::string> variants{"default"};
  for (const auto& v : a.variants) {
    if (v != "default") variants.push_back(v);
  }
  std::map<std::string, std::vector<float>> on_ref, on_part;
  for (const auto& v : variants) {
    auto runner = model::ModelRunner::open(variant_options(v, threads, 256));
    if (!runner.ok()) throw std::runtime_error(runner.error().message);
    on_ref[v] = (*runner)->predict(ref_images, ref_mags, ref_n);
    const auto t1 = std::chrono::steady_clock::now();
    on_part[v] = (*runner)->predict(part.images, mags, samples);
    std::fprintf(stderr, "%s: %s, partition in %.1f s\n", v.c_str(), (*runner)->description().c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
  }
  const double mae_fp32 = mae(on_part["default"], part.redshift);
  std::printf("\n%-9s | %-32s | %-32s | %-21s | %-23s\n", "variant", "reference_io: vs PyTorch max/mean",
              "reference_io: vs fp32 max/mean", "partition: vs fp32 max", "mean; MAE, change vs fp32");
  for (const auto& v : variants) {
    const Diff r_ref = diff(on_ref[v], ref_out), r_fp = diff(on_ref[v], on_ref["default"]),
               p_fp = diff(on_part[v], on_part["default"]);
    const double m = mae(on_part[v], part.redshift);
    std::printf("%-9s | %15.3e %16.3e | %15.3e %16.3e | %21.3e | %.3e; %.6f, %+.3e\n", v.c_str(), r_ref.max, r_ref.mean,
                r_fp.max, r_fp.mean, p_fp.max, p_fp.mean, m, m - mae_fp32);
    report["accuracy"].push_back({{"variant", v},
                                  {"threads", threads},
                                  {"reference_io",
                                   {{"samples", ref_n},
                                    {"vs_pytorch_max_abs", r_ref.max},
                                    {"vs_pytorch_mean_abs", r_ref.mean},
                                    {"vs_fp32_max_abs", r_fp.max},
                                    {"vs_fp32_mean_abs", r_fp.mean}}},
                                  {"synthetic_partition",
                                   {{"partition_mb", a.accuracy_partition_mb},
                                    {"seed", a.accuracy_seed},
                                    {"samples", samples},
                                    {"vs_fp32_max_abs", p_fp.max},
                                    {"vs_fp32_mean_abs", p_fp.mean},
                                    {"mae_vs_redshift", m},
                                    {"mae_change_vs_fp32", m - mae_fp32}}}});
  }
  std::printf(
      "(the weights are the untrained seed-0 reference weights: predictions are nearly constant, so the MAE "
      "against the redshift is large and its change is what matters)\n");
  if (!a.json_out.empty()) std::ofstream(a.json_out) << report.dump(2) << "\n";
  return 0;
}

// ModelRunner::open time of each variant (the library load, once per process, is timed apart
// first), the variants interleaved in every round.
int run_load_time(const Args& a) {
  const int threads = a.threads.empty() ? 1 : a.threads.front();
  json report;
  report["machine"] = {{"cpu", cpu_model()}, {"logical_cpus", std::thread::hardware_concurrency()}};
  auto t0 = std::chrono::steady_clock::now();
  auto lib = model::model_library_path();
  if (!lib.ok()) throw std::runtime_error(lib.error().message);
  const double lib_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("model library %s loaded in %.3f s\n", lib->c_str(), lib_s);
  report["library_load_s"] = lib_s;
  std::map<std::string, std::vector<double>> runs;
  for (int round = 0; round < a.rounds; ++round) {
    for (const auto& v : a.variants) {
      t0 = std::chrono::steady_clock::now();
      auto runner = model::ModelRunner::open(variant_options(v, threads, 256));
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!runner.ok()) throw std::runtime_error(runner.error().message);
      runs[v].push_back(s);
      std::fprintf(stderr, "round %d %s: open %.3f s (%s)\n", round + 1, v.c_str(), s,
                   (*runner)->description().c_str());
    }
  }
  for (const auto& v : a.variants) {
    const auto [lo, hi] = std::minmax_element(runs[v].begin(), runs[v].end());
    std::printf("%-11s model open: median %.3f s (%d rounds: %.3f-%.3f)\n", v.c_str(), median(runs[v]), a.rounds, *lo,
                *hi);
    report["load_time"].push_back({{"variant", v}, {"median_s", median(runs[v])}, {"runs_s", runs[v]}});
  }
  if (!a.json_out.empty()) std::ofstream(a.json_out) << report.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse_args(argc, argv);
  if (a.accuracy) return run_accuracy(a);
  if (a.load_time) return run_load_time(a);
  json report;
  report["machine"] = {
      {"cpu", cpu_model()}, {"logical_cpus", std::thread::hardware_concurrency()}, {"blas", model::blas_description()}};
  std::printf("machine: %s, %u logical CPUs; %s\n", cpu_model().c_str(), std::thread::hardware_concurrency(),
              model::blas_description().c_str());

  // Rounds: every measurement once per round, so that load from other processes on a shared
  // machine hits all of them alike; medians over rounds are reported (GEMM: the best).
  using Key = std::pair<int, std::int64_t>;
  std::map<int, double> peak;
  std::map<std::string, std::map<Key, std::vector<double>>> ours_runs;
  std::map<Key, std::vector<double>> torch_env_runs, torch_core_runs, ort_runs;
  std::map<std::string, std::shared_ptr<model::ModelRunner>> runners;
  const std::string no_ort = ort_unavailable(a);
  const std::string onnx = no_ort.empty() ? prepare_onnx(a) : "";
  if (!no_ort.empty()) std::printf("ONNX Runtime baseline skipped: %s\n", no_ort.c_str());
  double ort_check = -1;
  for (int round = 0; round < a.rounds; ++round) {
    std::fprintf(stderr, "round %d/%d\n", round + 1, a.rounds);
    for (int t : a.threads) {  // 1. hardware reference
      for (const char* backend : {"onednn", "blas"}) {
        auto g = model::measure_sgemm_gflops(backend, a.gemm_n, t, 3);
        if (!g.ok()) continue;
        report["gemm"].push_back({{"round", round}, {"threads", t}, {"backend", backend}, {"gflops", *g}});
        peak[t] = std::max(peak[t], *g);
      }
    }
    for (int t : a.threads) {  // 2. cosmicai: the variants back to back at each thread count and batch
      for (auto b : a.batches) {
        for (const auto& variant : a.variants) {
          const std::string key = fmt::format("{}/{}/{}", variant, t, b);
          if (!runners.count(key)) {
            auto runner = model::ModelRunner::open(variant_options(variant, t, b));
            if (!runner.ok()) throw std::runtime_error(runner.error().message);
            runners[key] = *runner;
          }
          const double sps = time_runner(*runners[key], b, a.min_time);
          ours_runs[variant][{t, b}].push_back(sps);
          std::fprintf(stderr, "cosmicai %-11s threads %d batch %4ld: %8.1f samples/s\n", variant.c_str(), t,
                       static_cast<long>(b), sps);
        }
      }
    }
    if (!a.python.empty()) {  // 3. PyTorch eager
      for (const auto& [k, v] : run_python(a, "")) torch_env_runs[k].push_back(v);
      if (!a.python_coretype.empty()) {
        for (const auto& [k, v] : run_python(a, a.python_coretype)) torch_core_runs[k].push_back(v);
      }
    }
    if (!onnx.empty()) {  // 4. ONNX Runtime
      for (const auto& [k, v] : run_ort(a, onnx, round == 0, ort_check)) ort_runs[k].push_back(v);
    }
  }
  for (const auto& [t, g] : peak)
    std::printf("best sgemm %ldx%ld, %d thread(s): %.1f GFLOP/s\n", static_cast<long>(a.gemm_n),
                static_cast<long>(a.gemm_n), t, g);
  std::map<std::string, std::map<Key, double>> ours;
  std::map<Key, double> torch_env, torch_core;
  for (const auto& [variant, m] : ours_runs) {
    for (const auto& [k, runs] : m) {
      ours[variant][k] = median(runs);
      report["cosmicai"].push_back({{"variant", variant},
                                    {"threads", k.first},
                                    {"batch", k.second},
                                    {"samples_per_s", median(runs)},
                                    {"runs", runs}});
    }
  }
  for (const auto& [k, runs] : torch_env_runs) {
    torch_env[k] = median(runs);
    report["pytorch_eager"].push_back(
        {{"threads", k.first}, {"batch", k.second}, {"samples_per_s", median(runs)}, {"runs", runs}});
  }
  for (const auto& [k, runs] : torch_core_runs) {
    torch_core[k] = median(runs);
    report["pytorch_eager_coretype"].push_back({{"coretype", a.python_coretype},
                                                {"threads", k.first},
                                                {"batch", k.second},
                                                {"samples_per_s", median(runs)},
                                                {"runs", runs}});
  }

  std::map<Key, double> ort;
  for (const auto& [k, runs] : ort_runs) {
    ort[k] = median(runs);
    report["onnxruntime"].push_back(
        {{"threads", k.first}, {"batch", k.second}, {"samples_per_s", median(runs)}, {"runs", runs}});
  }
  if (!onnx.empty()) {
    report["onnxruntime_check"] = {{"model", onnx}, {"max_abs_diff_vs_reference_io", ort_check}};
    std::printf(
        "ONNX Runtime (onnxruntime-node, graph optimisation all, %s): max |ORT - reference| on "
        "reference_io.json = %.3g\n",
        onnx.c_str(), ort_check);
  }

  // Table.
  std::printf("\n%-11s %7s %5s %10s %8s %7s", "variant", "threads", "batch", "samples/s", "GFLOP/s", "%GEMM");
  if (!ort.empty()) std::printf(" %10s %7s", "ORT s/s", "ratio");
  if (!torch_env.empty()) std::printf(" %12s %7s", "PyTorch s/s", "ratio");
  if (!torch_core.empty()) std::printf(" %14s %7s", ("PyTorch " + a.python_coretype).c_str(), "ratio");
  std::printf("\n");
  for (const auto& variant : a.variants) {
    for (int t : a.threads) {
      for (auto b : a.batches) {
        const double sps = ours[variant][{t, b}];
        const double gf = sps * kGflopPerSample;
        std::printf("%-11s %7d %5ld %10.1f %8.1f %6.1f%%", variant.c_str(), t, static_cast<long>(b), sps, gf,
                    peak[t] > 0 ? 100.0 * gf / peak[t] : 0.0);
        if (!ort.empty()) {
          if (ort.count({t, b}))
            std::printf(" %10.1f %6.2fx", ort[{t, b}], sps / ort[{t, b}]);
          else
            std::printf(" %10s %7s", "-", "-");
        }
        if (torch_env.count({t, b})) {
          std::printf(" %12.1f %6.2fx", torch_env[{t, b}], sps / torch_env[{t, b}]);
        }
        if (torch_core.count({t, b})) std::printf(" %14.1f %6.2fx", torch_core[{t, b}], sps / torch_core[{t, b}]);
        std::printf("\n");
      }
    }
  }
  // Reduced precisions against fp32 (the default variant) in the same run: the median of the
  // per-round ratios (each round times both back to back) and their range.
  if (ours_runs.count("default")) {
    for (const auto& variant : a.variants) {
      if (variant == "default" || variant == "torchscript") continue;
      for (int t : a.threads) {
        for (auto b : a.batches) {
          const auto& mine = ours_runs[variant][{t, b}];
          const auto& base = ours_runs["default"][{t, b}];
          std::vector<double> ratios;
          for (std::size_t i = 0; i < std::min(mine.size(), base.size()); ++i) ratios.push_back(mine[i] / base[i]);
          if (ratios.empty()) continue;
          const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
          std::printf("%s / fp32, %d thread(s), batch %ld: %.2fx (rounds %.2f-%.2f)\n", variant.c_str(), t,
                      static_cast<long>(b), median(ratios), *lo, *hi);
          report["ratio_vs_fp32"].push_back(
              {{"variant", variant}, {"threads", t}, {"batch", b}, {"median", median(ratios)}, {"per_round", ratios}});
        }
      }
    }
  }
  std::printf(
      "GFLOP per sample %.6f (the model's; the built-in network executes %.6f of them); %%GEMM = achieved "
      "GFLOP/s / best sgemm GFLOP/s at the same thread count, with the model's count; ratio = cosmicai "
      "samples/s / the baseline's (ORT: ONNX Runtime, PyTorch: eager)\n",
      kGflopPerSample, kExecutedGflopPerSample);
  if (!a.json_out.empty()) std::ofstream(a.json_out) << report.dump(2) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_inference: %s\n", e.what());
  return 1;
}
