#include "cosmic/runtime.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>

namespace cosmicai::cosmic {

ComputeGate::ComputeGate(int slots) : slots_(std::max(1, slots)), free_(slots_) {}

ComputeGate::Slot ComputeGate::acquire() {
  std::unique_lock lock(mu_);
  ++waiting_;
  cv_.wait(lock, [this] { return free_ > 0; });
  --waiting_;
  --free_;
  return Slot(this);
}

int ComputeGate::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

std::optional<ComputeGate::Slot> ComputeGate::acquire_unless(const std::atomic<bool>& stop) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return free_ > 0 || stop.load(); });
  if (stop.load()) return std::nullopt;
  --free_;
  return Slot(this);
}

void ComputeGate::wake() {
  { std::lock_guard lock(mu_); }  // a waiter between its check and its wait holds mu_
  cv_.notify_all();
}

ComputeGate::Slot::~Slot() {
  if (!gate_) return;
  {
    std::lock_guard lock(gate_->mu_);
    ++gate_->free_;
  }
  gate_->cv_.notify_one();
}

int compute_slots(int threads, int cores) {
  cores = std::max(1, cores);
  const int per_model = threads > 0 ? std::min(threads, cores) : cores;
  return std::max(1, cores / per_model);
}

namespace {
using ModelResult = Result<std::shared_ptr<model::ModelRunner>>;
std::atomic<std::int64_t> g_models_loaded{0};
}  // namespace

ModelResult cached_model(const model::ModelOptions& options) {
  static std::mutex mu;
  static std::map<std::string, std::shared_future<ModelResult>> cache;
  const std::string key = fmt::format("{}|seed={}|threads={}|precision={}", options.source, options.seed,
                                      options.threads, options.precision);
  std::promise<ModelResult> promise;
  std::shared_future<ModelResult> future;
  bool loader = false;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache.emplace(key, future);
      loader = true;
    }
  }
  if (loader) {
    ModelResult loaded = [&]() -> ModelResult {
      try {
        return model::ModelRunner::open(options);
      } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal, fmt::format("model {}: {}", options.source, e.what()));
      }
    }();
    if (loaded.ok()) {
      ++g_models_loaded;
    } else {
      std::lock_guard lock(mu);
      cache.erase(key);
    }
    promise.set_value(std::move(loaded));
  }
  return future.get();
}

std::int64_t models_loaded() { return g_models_loaded.load(); }

double peak_rss_mb() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace cosmicai::cosmic
