// ModelRunner::open and the two runners: the built-in AstroMAE and TorchScript modules.
#include "model/model_runner.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <malloc.h>
#include <torch/script.h>

#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "model/astromae.hpp"
#include "model/weights_file.hpp"

namespace cosmicai::model {
namespace {

constexpr std::int64_t kImageElements = 5 * 32 * 32;
constexpr std::int64_t kMagnitudes = 5;

std::string thousands(std::int64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// OpenBLAS keeps its own thread pool; size it like ATen's so the two never oversubscribe the cores.
void set_blas_threads(int threads) {
  using SetFn = void (*)(int);
  static const auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn != nullptr) fn(threads);
}

// Inference allocates and frees the same multi-megabyte activations every batch. glibc's
// defaults return them to the kernel each time (mmap above a moving threshold, heap trimming),
// so every batch page-faults its activations in again: measured 2× slower at batch 128. Keep
// them in the heap instead, unless the user tunes malloc through its environment variables.
void tune_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 32 << 20);
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}

/// Worker threads that live as long as the runner and run one job at a time: `run(n, job)`
/// calls job(0) on the caller and job(1..n-1) on the workers and returns when all are done.
/// Spawning a thread per batch instead gave every batch a thread that had to fault its stack
/// and its malloc arena's pages in again (thousands of page faults per batch).
class WorkerPool {
 public:
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = true;
    }
    start_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run(int n, const std::function<void(int)>& job) {
    while (static_cast<int>(threads_.size()) < n - 1) {
      const int part = static_cast<int>(threads_.size()) + 1;
      threads_.emplace_back([this, part] { loop(part); });
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = &job;
      parts_ = n;
      pending_ = n - 1;
      ++generation_;
    }
    start_.notify_all();
    job(0);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int part) {
    std::uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(m_);
        start_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        if (part < parts_) job = job_;
      }
      if (job == nullptr) continue;
      (*job)(part);
      std::lock_guard<std::mutex> lock(m_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  int pending_ = 0;
  std::uint64_t generation_ = 0;
  bool quit_ = false;
};

/// Batching, threading and locking shared by both runners; subclasses implement `run_batch`.
///
/// Threads: a runner that allows it (`batch_parallel()`) splits each batch of at least
/// kMinPerWorker samples per thread into one contiguous slice per thread, each run with
/// single-threaded kernels: one synchronisation per batch instead of one per operator, which
/// keeps throughput when other processes share the cores. Smaller batches of such a runner run
/// on the calling thread alone; runners that do not allow splitting use ATen's intra-op threads.
class BatchedRunner : public ModelRunner {
 public:
  explicit BatchedRunner(ModelOptions options) : options_(std::move(options)) {}

  std::vector<float> predict(std::span<const float> images, std::span<const float> magnitudes, std::int64_t n,
                             const std::atomic<bool>* stop = nullptr) override {
    if (n < 0 || static_cast<std::int64_t>(images.size()) < n * kImageElements ||
        static_cast<std::int64_t>(magnitudes.size()) < n * kMagnitudes) {
      throw std::invalid_argument(
          fmt::format("predict: {} samples need {} image and {} magnitude values, got {} and {}", n, n * kImageElements,
                      n * kMagnitudes, images.size(), magnitudes.size()));
    }
    std::vector<float> out(static_cast<std::size_t>(n));
    std::lock_guard<std::mutex> lock(mutex_);
    const int threads = options_.threads;
    for (std::int64_t begin = 0; begin < n; begin += options_.batch_size) {
      const std::int64_t count = std::min(options_.batch_size, n - begin);
      if (threads > 1 && batch_parallel() && count >= threads * kMinPerWorker) {
        std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
        const std::function<void(int)> slice = [&](int part) {
          const std::int64_t lo = begin + count * part / threads;
          const std::int64_t hi = begin + count * (part + 1) / threads;
          try {
            run_slice(images, magnitudes, lo, hi - lo, 1, out, stop);
          } catch (...) {
            errors[static_cast<std::size_t>(part)] = std::current_exception();
          }
        };
        pool_.run(threads, slice);
        for (auto& e : errors) {
          if (e) std::rethrow_exception(e);
        }
      } else if (batch_parallel()) {
        // Too few samples to share: per-operator work is too small for intra-op threads to pay
        // for their synchronisation (and stalls badly when the cores are shared).
        run_slice(images, magnitudes, begin, count, 1, out, stop);
      } else {
        run_slice(images, magnitudes, begin, count, threads, out, stop);
      }
    }
    return out;
  }

 protected:
  virtual at::Tensor run_batch(const at::Tensor& images, const at::Tensor& magnitudes) = 0;
  /// Return true when `run_batch` may run concurrently on several threads.
  virtual bool batch_parallel() const { return false; }
  /// Return the largest batch handed to `run_batch` at once (0: the whole slice).
  virtual std::int64_t micro_batch() const { return 0; }
  ModelOptions options_;

 private:
  static constexpr std::int64_t kMinPerWorker = 8;

  // Run samples [begin, begin+count) on the calling thread with `threads` intra-op threads.
  void run_slice(std::span<const float> images, std::span<const float> magnitudes, std::int64_t begin,
                 std::int64_t count, int threads, std::vector<float>& out, const std::atomic<bool>* stop) {
    // ATen's OpenMP thread count is per calling thread: set it every time.
    at::set_num_threads(threads);
    set_blas_threads(threads);
    c10::InferenceMode guard;
    const std::int64_t step = micro_batch() > 0 ? micro_batch() : count;
    for (std::int64_t lo = begin; lo < begin + count; lo += step) {
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) throw PredictionCancelled();
      const std::int64_t m = std::min(step, begin + count - lo);
      // Views of the caller's buffers, no copy.
      at::Tensor img =
          at::from_blob(const_cast<float*>(images.data()) + lo * kImageElements, {m, 5, 32, 32}, at::kFloat);
      at::Tensor mag =
          at::from_blob(const_cast<float*>(magnitudes.data()) + lo * kMagnitudes, {m, kMagnitudes}, at::kFloat);
      at::Tensor y = run_batch(img, mag).to(at::kFloat).contiguous();
      if (y.numel() != m) {
        throw std::runtime_error(fmt::format("{}: returned {} values for a batch of {}", description(), y.numel(), m));
      }
      std::copy_n(y.data_ptr<float>(), m, out.begin() + lo);
    }
  }

  std::mutex mutex_;
  WorkerPool pool_;  // after mutex_: destroyed (workers joined) first
};

class BuiltinRunner final : public BatchedRunner {
 public:
  BuiltinRunner(ModelOptions options, const AstroMaeWeights& weights, std::string origin, Precision precision,
                GemmBackend backend)
      : BatchedRunner(std::move(options)),
        net_(weights, backend, precision),
        params_(weights.parameter_count()),
        origin_(std::move(origin)) {}

  std::string description() const override {
    std::string precision = options_.precision;
    if (net_.precision() == Precision::kInt8) {
      precision += fmt::format(
          " (u8 activations calibrated on {} synthetic samples{}, s8 weights per channel, |w| <= {})",
          AstroMaeNet::kInt8CalibrationSamples,
          net_.int8_ranges_committed() ? fmt::format(": committed for weights {:016x}", net_.weights_digest())
                                       : std::string(" at load"),
          int8_weight_max());
    }
    return fmt::format("AstroMAE built-in, {}, {} parameters, {} {} GEMM, {} thread(s)", origin_, thousands(params_),
                       precision, to_string(net_.backend()), options_.threads);
  }
  std::int64_t parameter_count() const override { return params_; }

 protected:
  at::Tensor run_batch(const at::Tensor& images, const at::Tensor& magnitudes) override {
    return net_.forward(images, magnitudes);
  }
  bool batch_parallel() const override { return true; }  // forward only reads the prepared weights
  // Activations of more than ~128 samples per thread spill out of the caches: 1 thread ran
  // batch 512 at 0.8× the samples/s of batch 128. Results do not depend on it beyond ~1e-8.
  std::int64_t micro_batch() const override { return 128; }

 private:
  AstroMaeNet net_;
  std::int64_t params_;
  std::string origin_;
};

class TorchScriptRunner final : public BatchedRunner {
 public:
  TorchScriptRunner(ModelOptions options, torch::jit::Module module)
      : BatchedRunner(std::move(options)), module_(std::move(module)) {
    std::set<const void*> seen;  // a module registered twice lists its parameters twice
    for (const auto& p : module_.named_parameters(true)) {
      if (seen.insert(p.value.unsafeGetTensorImpl()).second) params_ += p.value.numel();
    }
  }

  std::string description() const override {
    return fmt::format("TorchScript {}, {} parameters, {} thread(s)", options_.source, thousands(params_),
                       options_.threads);
  }
  std::int64_t parameter_count() const override { return params_; }

  at::Tensor run_batch(const at::Tensor& images, const at::Tensor& magnitudes) override {
    c10::IValue out = module_.forward({images, magnitudes});
    if (!out.isTensor()) {
      throw std::runtime_error(fmt::format("TorchScript {}: forward returned a {}, expected a (B,1) tensor",
                                           options_.source, out.tagKind()));
    }
    return out.toTensor();
  }

 private:
  torch::jit::Module module_;
  std::int64_t params_ = 0;
};

Result<std::shared_ptr<ModelRunner>> open_torchscript(const ModelOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.source, ec)) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("model {}: no such file (model sources: \"builtin\", \"builtin:PATH\" or a "
                                  "TorchScript file)",
                                  options.source));
  }
  torch::jit::Module module;
  try {
    module = torch::jit::load(options.source, torch::kCPU);
    module.eval();
  } catch (const std::exception& e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model {}: not a loadable TorchScript module: {}", options.source, what));
  }
  auto runner = std::make_shared<TorchScriptRunner>(options, std::move(module));
  // Check the calling convention once, on one zero sample, so a wrong module fails at open.
  try {
    std::vector<float> img(kImageElements, 0.0F), mag(kMagnitudes, 20.0F);
    runner->predict(img, mag, 1);
  } catch (const std::exception& e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model {}: forward(images (B,5,32,32), magnitudes (B,5)) -> (B,1) failed: {}",
                                  options.source, what));
  }
  return std::shared_ptr<ModelRunner>(std::move(runner));
}

}  // namespace

Result<std::shared_ptr<ModelRunner>> open_model_in_process(const ModelOptions& requested) {
  ModelOptions options = requested;
  tune_allocator();
  if (options.batch_size < 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model options: batch_size must be at least 1, got {}", options.batch_size));
  }
  if (options.threads < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model options: threads must be 0 (all cores) or positive, got {}", options.threads));
  }
  if (options.threads == 0) options.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));

  const std::string builtin = "builtin";
  const bool is_builtin = options.source == builtin || options.source.rfind(builtin + ":", 0) == 0;
  if (!is_builtin) {
    if (options.precision != "fp32") {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("model options: precision \"{}\" applies to the built-in AstroMAE only; the "
                                    "TorchScript model {} runs as it was exported",
                                    options.precision, options.source));
    }
    return open_torchscript(options);
  }

  Precision precision = Precision::kFloat32;
  if (options.precision == "bf16") {
    precision = Precision::kBFloat16;
  } else if (options.precision == "int8") {
    precision = Precision::kInt8;
  } else if (options.precision != "fp32") {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("model options: precision must be \"fp32\", \"bf16\" or \"int8\", got \"{}\"", options.precision));
  }
  GemmBackend backend = GemmBackend::kAuto;
  if (options.gemm == "onednn") {
    backend = GemmBackend::kOneDnn;
  } else if (options.gemm == "aten") {
    backend = GemmBackend::kAten;
  } else if (options.gemm != "auto") {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("model options: gemm must be \"auto\", \"onednn\" or \"aten\", got \"{}\"", options.gemm));
  }
  if (backend == GemmBackend::kOneDnn && resolve_backend(GemmBackend::kAuto) != GemmBackend::kOneDnn) {
    return make_error(ErrorCode::kUnavailable, "model options: gemm \"onednn\": libdnnl's GEMM is not available");
  }
  if (precision == Precision::kBFloat16 && resolve_backend(backend) == GemmBackend::kOneDnn &&
      !onednn_bf16_available()) {
    if (backend == GemmBackend::kOneDnn) {
      return make_error(ErrorCode::kUnavailable,
                        "model options: precision \"bf16\" with gemm \"onednn\": oneDNN's bf16 GEMM is missing or "
                        "cannot run on this CPU (it needs AVX-512)");
    }
    backend = GemmBackend::kAten;  // gemm "auto": ATen's bf16 matmul, which runs on any CPU
  }

  if (precision == Precision::kInt8) {
    if (backend == GemmBackend::kAten) {
      return make_error(ErrorCode::kInvalidArgument,
                        "model options: precision \"int8\" runs on oneDNN's int8 GEMM; gemm \"aten\" has none "
                        "(use gemm \"auto\" or \"onednn\")");
    }
    if (!onednn_int8_available()) {
      return make_error(ErrorCode::kUnavailable,
                        "model options: precision \"int8\": libdnnl.so.2's int8 GEMM (dnnl_gemm_u8s8s32) is missing "
                        "or failed its probe in this process");
    }
    backend = GemmBackend::kOneDnn;
  }
  try {
    if (options.source == builtin) {
      AstroMaeWeights weights = AstroMaeWeights::seeded(options.seed);
      std::string origin = fmt::format("seed {} (untrained weights)", options.seed);
      return std::shared_ptr<ModelRunner>(
          std::make_shared<BuiltinRunner>(options, weights, std::move(origin), precision, backend));
    }
    const std::string path = options.source.substr(builtin.size() + 1);
    auto named = read_named_tensors(path);
    if (!named.ok()) return named.error();
    auto weights = AstroMaeWeights::from_named(*named, path);
    if (!weights.ok()) return weights.error();
    return std::shared_ptr<ModelRunner>(
        std::make_shared<BuiltinRunner>(options, *weights, "weights from " + path, precision, backend));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, fmt::format("model {}: {}", options.source, e.what()));
  }
}

}  // namespace cosmicai::model

// The entry point src/model/loader.cpp looks up after dlopen().
extern "C" __attribute__((visibility("default"))) cosmicai::model::OpenModelFn* cosmicai_model_entry() {
  return &cosmicai::model::open_model_in_process;
}
