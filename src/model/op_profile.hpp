#pragma once
/// Per-operator CPU-time profile of the built-in network, off unless the environment variable
/// COSMICAI_MODEL_PROFILE is set (checked once). When on, every `OpTimer` scope adds the calling
/// thread's CPU time to its operator's total, and the totals (ms and share, per forward sample)
/// are printed to stderr when the process exits. Costs one branch per scope when off.
/// Internal to src/model; torch-free.
#include <cstdint>

namespace cosmicai::model::profile {

enum Op : int {
  kPatchEmbed,
  kLayerNorm,
  kPcm,
  kQkvGemm,
  kAttention,
  kProjGemm,
  kFc1Gemm,
  kGelu,
  kFc2Gemm,
  kEncoderHead,
  kIncConv1x1,
  kIncConv3x3,
  kIncConv5x5,
  kIncMaxPool,
  kIncOther,  // stem, average pools, concatenation
  kIncDense,
  kMagnitudeMlp,
  kConcatHead,
  // Parts of the int8 GEMMs above, timed inside them (not added to the total again).
  kInt8Quantise,
  kInt8Dequantise,
  kOpCount
};
/// The first of the ops that are timed inside other ops.
constexpr int kFirstNested = kInt8Quantise;

/// Return true when COSMICAI_MODEL_PROFILE is set.
bool enabled();
/// Add `samples` to the count of forwarded samples (for per-sample figures).
void count_samples(std::int64_t samples);

/// While alive, nothing on the calling thread is counted (the int8 calibration pass at load).
class Suspend {
 public:
  Suspend();
  ~Suspend();
  Suspend(const Suspend&) = delete;
  Suspend& operator=(const Suspend&) = delete;

 private:
  bool previous_;
};

/// Adds the thread CPU time of its lifetime to `op` when profiling is enabled.
class OpTimer {
 public:
  explicit OpTimer(Op op);
  ~OpTimer();
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;

 private:
  Op op_;
  std::int64_t start_ns_ = -1;
};

}  // namespace cosmicai::model::profile
