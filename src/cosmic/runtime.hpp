#pragma once
/// Shared state of the Cosmic AI handlers: store, model cache, compute gate, progress.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/json.hpp"
#include "common/result.hpp"
#include "cosmic/progress.hpp"
#include "model/model_runner.hpp"
#include "report/cost.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {

/// How the handlers run; filled from `cosmicai run`'s provider options.
struct CosmicConfig {
  std::shared_ptr<storage::ObjectStore> store;  ///< where data, code folders and results live
  std::string model;            ///< `--model`: overrides the code folder's model; empty = not given
  int threads = 0;              ///< intra-op threads per inference; 0 = every core
  int cores = 0;                ///< cores this process may use (the compute gate's budget); 0 = every core
  std::uint64_t seed = 0;       ///< seed of the built-in model's weights
  std::string precision = "fp32";  ///< the built-in model's dense layers: fp32, bf16 or int8 (opt-in)
  report::LambdaPricing pricing;  ///< for the summary's cost
  std::shared_ptr<Progress> progress;  ///< may be null (no progress kept)
};

/// A counting semaphore bounding concurrent model computations so that
/// concurrent ranks × intra-op threads ≤ cores. Waiting blocks the caller only.
/// Thread-safe.
class ComputeGate {
 public:
  explicit ComputeGate(int slots);
  /// A held slot; released on destruction.
  class Slot {
   public:
    explicit Slot(ComputeGate* gate) : gate_(gate) {}
    Slot(Slot&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    ComputeGate* gate_;
  };
  /// Block until a slot is free and take it.
  Slot acquire();
  /// Block until a slot is free or `stop` is set (re-checked on wake()); nullopt when stopped.
  std::optional<Slot> acquire_unless(const std::atomic<bool>& stop);
  /// Wake the waiters of acquire_unless so they re-check their flag.
  void wake();
  int slots() const { return slots_; }
  /// Return how many callers are blocked in acquire() now (for progress and tests).
  int waiting() const;

 private:
  const int slots_;
  int free_;
  int waiting_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

/// Return how many models may compute at once: max(1, cores / threads) where threads 0 means
/// every core.
int compute_slots(int threads, int cores);

/// Return the model for `options`, loading it on first use. The cache is process-wide and keyed
/// by source, seed and threads, so every invocation in the process shares one loaded model;
/// concurrent first callers wait for a single load. A failed load is not cached. Thread-safe.
Result<std::shared_ptr<model::ModelRunner>> cached_model(const model::ModelOptions& options);

/// Return the number of models loaded by cached_model so far in this process.
std::int64_t models_loaded();

/// Return the process's peak resident set size in MiB (getrusage ru_maxrss).
double peak_rss_mb();

}  // namespace cosmicai::cosmic
