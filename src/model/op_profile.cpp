#include "model/op_profile.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace cosmicai::model::profile {
namespace {

constexpr const char* kNames[kOpCount] = {
    "encoder: patch embedding (GEMM)",
    "encoder: LayerNorm",
    "encoder: PCM (grouped 1x1 + SiLU)",
    "encoder: qkv GEMM",
    "encoder: attention core",
    "encoder: proj GEMM (+residual)",
    "encoder: fc1 GEMM",
    "encoder: bias + GELU (fc1 epilogue)",
    "encoder: fc2 GEMM (+residual)",
    "encoder: pool, fc_norm, head",
    "inception: 1x1 convs",
    "inception: 3x3 convs",
    "inception: 5x5 convs",
    "inception: 3x3 max pool",
    "inception: stem, avg pools, concat",
    "inception: dense layers",
    "magnitude MLP",
    "concat head",
    "(within the GEMMs) int8: quantise inputs",
    "(within the GEMMs) int8: dequantise+bias",
};

std::atomic<std::int64_t> g_ns[kOpCount];
std::atomic<std::int64_t> g_samples{0};
thread_local bool t_suspended = false;

std::int64_t thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void report() {
  std::int64_t total = 0;
  for (int i = 0; i < kFirstNested; ++i) total += g_ns[i].load();
  const double samples = static_cast<double>(std::max<std::int64_t>(1, g_samples.load()));
  std::fprintf(stderr, "model profile (COSMICAI_MODEL_PROFILE): thread CPU time per operator, %lld samples\n",
               static_cast<long long>(g_samples.load()));
  for (int i = 0; i < kOpCount; ++i) {
    const double ns = static_cast<double>(g_ns[i].load());
    std::fprintf(stderr, "  %-40s %9.1f ms %8.1f us/sample %5.1f%%\n", kNames[i], ns / 1e6, ns / 1e3 / samples,
                 total > 0 ? 100.0 * ns / static_cast<double>(total) : 0.0);
  }
  std::fprintf(stderr, "  %-40s %9.1f ms %8.1f us/sample\n", "total", static_cast<double>(total) / 1e6,
               static_cast<double>(total) / 1e3 / samples);
}

}  // namespace

bool enabled() {
  static const bool on = [] {
    const bool e = std::getenv("COSMICAI_MODEL_PROFILE") != nullptr;
    if (e) std::atexit(report);
    return e;
  }();
  return on;
}

void count_samples(std::int64_t samples) {
  if (enabled() && !t_suspended) g_samples += samples;
}

Suspend::Suspend() : previous_(t_suspended) { t_suspended = true; }
Suspend::~Suspend() { t_suspended = previous_; }

OpTimer::OpTimer(Op op) : op_(op) {
  if (enabled() && !t_suspended) start_ns_ = thread_ns();
}

OpTimer::~OpTimer() {
  if (start_ns_ >= 0) g_ns[op_] += thread_ns() - start_ns_;
}

}  // namespace cosmicai::model::profile
