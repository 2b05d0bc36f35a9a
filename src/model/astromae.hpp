#pragma once
/// The pcm-AstroMAE network (`ViT_Astro`) built into the binary: its named weights and a
/// fast inference forward written with ATen ops and direct GEMM calls.
///
/// Internal to src/model (includes ATen); other subsystems use model_runner.hpp.
#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "model/gemm.hpp"

namespace cosmicai::model {

/// How a named tensor is initialised when the weights are seeded (untrained).
enum class InitRule {
  kFanInUniform,   ///< PyTorch's default Linear/Conv init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  kNormal,         ///< N(0, a)
  kOnePlusNormal,  ///< 1 + N(0, a)
  kUniform,        ///< U(a, b)
  kSinCos,         ///< MAE's fixed 2-D sin-cos position table with a zero cls row
  kZero,           ///< all zeros
  kCount,          ///< BatchNorm num_batches_tracked (int64, 1000)
};

/// One tensor of the state dict: name, shape and seeded-init rule.
struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  bool parameter = true;  ///< false for BatchNorm buffers
  InitRule rule = InitRule::kZero;
  double a = 0;          ///< rule argument (std, fan_in or lower bound)
  double b = 0;          ///< rule argument (upper bound)
  std::string alias_of;  ///< non-empty: the same tensor as `alias_of` (the shared stem conv)
};

/// Return every tensor of AstroMAE's state dict (508 names including the
/// `inception_model.vis_inception.0.*` aliases of `inception_model.conv2d_init.*`).
const std::vector<TensorSpec>& astromae_specs();

/// Named weights of AstroMAE, validated against `astromae_specs()`. Immutable after construction.
class AstroMaeWeights {
 public:
  /// Return deterministic seeded (untrained) weights; the same seed gives bitwise equal weights.
  static AstroMaeWeights seeded(std::uint64_t seed);

  /// Take weights by name from `named` (a TorchScript module's parameters and buffers, or a
  /// state dict). Every name must be known, every non-alias tensor present with its exact shape;
  /// aliases, when present, must equal their original; `num_batches_tracked` may be absent.
  /// Errors name `source` and list the missing, unexpected or mis-shaped tensors.
  static Result<AstroMaeWeights> from_named(const std::map<std::string, at::Tensor>& named, std::string_view source);

  /// Return the tensor called `name` (an alias resolves to its original). Asserts the name exists.
  const at::Tensor& get(const std::string& name) const;
  /// Return the number of unique parameter values (buffers and aliases excluded): 15,902,889.
  std::int64_t parameter_count() const;
  /// Return a 64-bit digest of the floating-point tensors (names, shapes and values, in name order;
  /// the BatchNorm counters, unused at inference, excluded): equal weights give equal digests.
  std::uint64_t digest() const;
  /// Return all tensors by name, aliases excluded.
  const std::map<std::string, at::Tensor>& tensors() const { return tensors_; }

 private:
  std::map<std::string, at::Tensor> tensors_;
};

struct CommittedInt8Calibration;  // int8_calibrations.hpp

/// AstroMAE prepared for inference: BatchNorm folded into the convolutions, the attention scale
/// folded into q, sibling 1×1 convolutions merged, consecutive affine layers composed, weights
/// laid out for the GEMM backend.
/// `forward` is re-entrant (weights are read-only); callers serialise it if they want one
/// batch at a time on all threads.
class AstroMaeNet {
 public:
  /// Where an int8 network's activation ranges come from.
  enum class Int8Ranges {
    kCommittedOrCalibrate,  ///< the committed calibration of these weights (int8_calibrations.hpp) when there is one
    kCalibrate,             ///< always the calibration pass at load (what the committed ones are checked against)
  };

  /// Prepare `weights` for inference with the given GEMM backend and precision.
  AstroMaeNet(const AstroMaeWeights& weights, GemmBackend backend, Precision precision,
              Int8Ranges int8_ranges = Int8Ranges::kCommittedOrCalibrate);

  /// Run images (B,5,32,32) float32 and magnitudes (B,5) float32/float64; return (B,1) float32.
  at::Tensor forward(const at::Tensor& images, const at::Tensor& magnitudes) const;

  GemmBackend backend() const { return backend_; }

  /// Precision::kInt8: samples and seed of the synthetic calibration set (data::synthesize_partition).
  static constexpr std::int64_t kInt8CalibrationSamples = 64;
  static constexpr std::uint64_t kInt8CalibrationSeed = 17;
  Precision precision() const { return precision_; }

  /// One int8 layer's input range (min, max) as calibration saw it, by the layer's state-dict name.
  struct LayerRange {
    std::string layer;
    float lo = 0, hi = 0;
  };
  /// Precision::kInt8: every int8 layer's activation range, in the network's layer order; empty otherwise.
  const std::vector<LayerRange>& int8_ranges() const { return ranges_; }
  /// Precision::kInt8: true when the ranges came from the committed calibration of these weights
  /// (no calibration pass at load).
  bool int8_ranges_committed() const { return ranges_committed_; }
  /// The weights' digest (AstroMaeWeights::digest), computed for Precision::kInt8 only (0 otherwise).
  std::uint64_t weights_digest() const { return digest_; }

 private:
  struct Block {
    at::Tensor norm1_w, norm1_b, norm2_w, norm2_b;
    Linear qkv, proj, fc1, fc2;
    // float32/bf16: the same layers without their biases, which are added where the output is
    // read next instead of in a pass of their own (q/v in the attention core, proj/fc2 in the next
    // LayerNorm); q_bias / v_bias are the two non-zero thirds of qkv's bias.
    Linear qkv_nb, proj_nb, fc2_nb;
    at::Tensor q_bias, v_bias;
    at::Tensor pcm1_w, pcm1_b, pcm2_w, pcm2_b;  // (4,16,48) (16,48) (16,4,48) (4,48): see kernels.hpp
    std::vector<float> pcm_packed;              // kernels::pcm_pack of the four (AVX2 CPUs)
  };
  struct ConvBn {  // a convolution with its BatchNorm folded in
    at::Tensor w, b;
    std::int64_t padding = 0;
  };
  struct Inception {
    ConvBn reduce;                        // branch1 | branch2.0 | branch3.0 1×1 convs merged (branch3 only if run)
    std::int64_t c1 = 0, c3 = 0, c5 = 0;  // channel split of `reduce`
    ConvBn conv3, conv5, pool_proj;
    bool custom = false;  // branch3 (5×5) skipped
  };
  struct ConvNhwc {           // a ConvBn packed for kernels::conv_nhwc (AVX2 CPUs)
    std::vector<float> w, b;  // kernels::pack_conv_nhwc; bias padded to a multiple of 8
    int k = 1, cin = 0, cout = 0;
  };
  struct InceptionNhwc {  // an Inception block's convolutions, branch by branch (b3r/b3 empty if custom)
    ConvNhwc b1, b2r, b2, b3r, b3, b4;
  };

  at::Tensor linear(const at::Tensor& x, const Linear& l, Epilogue e) const;
  void calibrate_int8();
  void use_committed_int8(const CommittedInt8Calibration& c);
  std::vector<std::pair<std::string, Linear*>> named_layers();
  at::Tensor encoder(const at::Tensor& images) const;    // (B,192): the pooled, normalised tokens
  at::Tensor inception(const at::Tensor& images) const;  // (B,192): the last Inception block, flattened
  at::Tensor inception_block(const at::Tensor& x, const Inception& blk) const;
  at::Tensor inception_nhwc(const at::Tensor& images) const;

  GemmBackend backend_;
  Precision precision_;
  Linear patch_;
  at::Tensor cls_pos0_, pos_rest_;  // cls_token + pos_embed[0]; pos_embed[1:]
  Linear patch_nb_;                 // patch_ without its bias, which is in pos_bias_ = pos_rest_ + bias
  at::Tensor pos_bias_;
  std::vector<Block> blocks_;
  at::Tensor fc_norm_w_, fc_norm_b_;
  // The affine layers with nothing between them are composed at load (compose_affine): head into
  // vit_block.0 (vit_in_); vit_block.2, vis_inception.12 and magnitude_block.8 into the column
  // slices of concat_block.0 that read them (concat0_, one layer a branch, adding into one output).
  Linear vit_in_;
  ConvBn stem_;
  std::vector<Inception> inc_;
  ConvNhwc stem_nhwc_;
  std::vector<InceptionNhwc> inc_nhwc_;
  Linear inc_fc10_;
  std::vector<Linear> mag_;  // magnitude_block.0 … .6, each followed by ReLU
  std::array<Linear, 3> concat0_;
  Linear concat2_;
  std::vector<LayerRange> ranges_;
  bool ranges_committed_ = false;
  std::uint64_t digest_ = 0;
};

}  // namespace cosmicai::model
