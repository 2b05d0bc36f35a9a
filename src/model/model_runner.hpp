#pragma once
/// Inference runner for redshift models; LibTorch stays behind this header.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::model {

/// Where the model comes from and how it runs.
struct ModelOptions {
  /// "builtin" (AstroMAE with deterministic seeded, untrained weights), a
  /// TorchScript file (`forward(images, magnitudes) -> (B,1)`), or
  /// "builtin:PATH" (the built-in network with weights loaded by parameter name
  /// from the TorchScript module or state-dict file at PATH).
  std::string source = "builtin";
  std::uint64_t seed = 0;  ///< seed of the built-in weights
  int threads = 0;         ///< intra-op threads; 0 = all cores
  std::int64_t batch_size = 512;
  /// Number format of the built-in network's dense layers: "fp32" (default, matches the
  /// reference within 1e-5), "bf16" (opt-in: bfloat16 inputs/weights with float32
  /// accumulation; faster on CPUs with AVX-512 BF16, less exact) or "int8" (opt-in,
  /// post-training: s8 weights with per-output-channel scales, u8 activations with per-layer
  /// ranges calibrated on synthetic samples (committed for the bundled weights, else at load,
  /// ~0.25 s more), oneDNN's int8 GEMM; needs libdnnl's
  /// dnnl_gemm_u8s8s32; fastest with AVX-512 VNNI; the patch embedding, attention, LayerNorm and
  /// the activations stay float32).
  std::string precision = "fp32";
  /// GEMM implementation of the built-in network: "auto" (oneDNN when present, else ATen),
  /// "onednn" or "aten" (the BLAS that LibTorch links, e.g. OpenBLAS).
  std::string gemm = "auto";
};

/// The values ModelOptions::precision accepts (for option checks at the CLI and Lambda boundaries).
inline constexpr std::array<std::string_view, 3> kPrecisions{"fp32", "bf16", "int8"};

/// Thrown by ModelRunner::predict when its `stop` flag was set.
class PredictionCancelled : public std::runtime_error {
 public:
  PredictionCancelled() : std::runtime_error("prediction cancelled") {}
};

/// A loaded model. Load once per worker and reuse; `predict` is thread-safe.
class ModelRunner {
 public:
  virtual ~ModelRunner() = default;

  /// Open a model; errors name the source and what is wrong. The first call also keeps glibc
  /// from returning large freed blocks to the kernel (M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD
  /// 512 MiB) so activations are not page-faulted in again every batch; setting
  /// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ in the environment overrides this.
  static Result<std::shared_ptr<ModelRunner>> open(const ModelOptions& options);

  /// Predict redshift for `n` samples: images n×5×32×32 float32, magnitudes n×5
  /// float32, read in place (no copy). Runs in batches of the configured batch size on
  /// `threads` intra-op threads (set on the calling thread each call); returns n values.
  /// The built-in network splits big batches further (one slice per thread, at most 128
  /// samples per forward) for cache efficiency; outputs do not depend on it beyond ~1e-8.
  /// Thread-safe: concurrent calls run one after the other. Throws std::invalid_argument
  /// when the spans hold fewer than n samples.
  /// `stop`, when given, is checked before every micro-batch (every slice of every thread): once
  /// it is true, predict throws PredictionCancelled, so a cancelled inference ends within one
  /// micro-batch.
  virtual std::vector<float> predict(std::span<const float> images, std::span<const float> magnitudes, std::int64_t n,
                                     const std::atomic<bool>* stop = nullptr) = 0;

  /// Return a one-line description ("AstroMAE built-in, seed 0 (untrained weights), 15,902,889 parameters").
  virtual std::string description() const = 0;
  /// Return the number of parameters (a tensor shared under two names counts once).
  virtual std::int64_t parameter_count() const = 0;
};

/// Signature of the model library's opener.
using OpenModelFn = Result<std::shared_ptr<ModelRunner>>(const ModelOptions&);

/// Open a model in this process: the body of ModelRunner::open, defined in the
/// LibTorch model library (libcosmicai_model.so). ModelRunner::open loads that
/// library on first use and calls this; code linked with the library may call it directly.
Result<std::shared_ptr<ModelRunner>> open_model_in_process(const ModelOptions& options);

/// Return where the model library was loaded from, loading it if needed, or
/// the error that says why it cannot be loaded.
Result<std::string> model_library_path();

}  // namespace cosmicai::model
