#pragma once
/// Dense layers for the built-in network: `y = x·Wᵀ + b` through oneDNN's GEMM (AVX-512
/// where the CPU has it, independent of the BLAS that ATen was linked with) or ATen's addmm.
///
/// Internal to src/model (includes ATen).
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace cosmicai::model {

/// Which GEMM implementation runs the dense layers.
enum class GemmBackend {
  kAuto,    ///< oneDNN when its GEMM is present in the process, else ATen
  kOneDnn,  ///< dnnl_sgemm / dnnl_gemm_bf16bf16f32 (resolved at run time from libdnnl)
  kAten,    ///< at::addmm (the BLAS ATen was built against, OpenBLAS here)
};

/// Numeric format of the dense layers' inputs and weights. kFloat32 and kBFloat16 accumulate in
/// float32; kInt8 multiplies u8 activations by s8 weights with int32 accumulation (oneDNN's
/// dnnl_gemm_u8s8s32) and dequantises to float32.
enum class Precision { kFloat32, kBFloat16, kInt8 };

/// Activation applied to a dense layer's output.
enum class Epilogue { kNone, kRelu, kGelu };

/// A dense layer's weights, stored transposed: `wt` (K,N) float32 contiguous (row-major
/// `x·wt` runs ~5-30% faster in oneDNN than `x·wᵀ` at AstroMAE's shapes), `b` (N) float32 or
/// undefined, `wt_bf16` the bfloat16 copy used by Precision::kBFloat16 (undefined otherwise).
struct Linear {
  at::Tensor wt;
  at::Tensor b;
  at::Tensor wt_bf16;
  /// float32 layers of ≥ 256K weights on AVX2 CPUs without AVX-512: the first N/16·16 columns of `wt` packed
  /// once into 16-column panels (N/16, K, 16) for the weight-streaming GEMM that runs them
  /// when M ≤ 256 (the dense heads at a micro-batch of 128 rows); undefined otherwise.
  at::Tensor wp;
  /// Precision::kInt8 (layers made with `allow_int8` and K ≥ 64, N ≥ 16; undefined otherwise):
  /// `wq` (K,N) int8, the weights quantised symmetrically per output channel, |q| ≤
  /// int8_weight_max(), and `wscale` (N) float32 with w ≈ wq · wscale.
  at::Tensor wq;
  at::Tensor wscale;
  /// Static activation quantisation of an int8 layer, fixed by finish_int8_calibration:
  /// x ≈ (q − a_zero) · a_scale with q in [0, 255]; `dq` (N) = a_scale · wscale dequantises the
  /// int32 products. Undefined `dq`: not calibrated yet.
  float a_scale = 0.0F;
  std::int32_t a_zero = 0;
  at::Tensor dq;
};

/// Build a Linear from weight (N,K) and optional bias (N); copies into contiguous float32.
/// With Precision::kInt8 and `allow_int8`, layers with K ≥ 64 and N ≥ 16 also get int8 weights
/// (they still need finish_int8_calibration before they run).
Linear make_linear(const at::Tensor& w, const at::Tensor& b, Precision precision, bool allow_int8 = true);

/// Return true when libdnnl's u8·s8→s32 GEMM is available in this process.
bool onednn_int8_available();

/// Return the largest |weight| of the int8 layers: 127, or 63 where oneDNN's int8 GEMM
/// saturates pairs of products in 16 bits (CPUs without VNNI, where it runs vpmaddubsw:
/// 255·127·2 > 32767), so that no product pair can overflow. Measured once with a probe GEMM.
int int8_weight_max();

/// Activation ranges (min, max) of the int8 layers' inputs, keyed by their weights, recorded
/// while an Int8CalibrationScope is active on the thread.
struct Int8Calibration {
  std::map<const void*, std::pair<float, float>> ranges;
};

/// While alive, linear_into on this thread runs int8 layers in float32 and records the range of
/// their inputs into `c` (post-training calibration).
class Int8CalibrationScope {
 public:
  explicit Int8CalibrationScope(Int8Calibration& c);
  ~Int8CalibrationScope();
  Int8CalibrationScope(const Int8CalibrationScope&) = delete;
  Int8CalibrationScope& operator=(const Int8CalibrationScope&) = delete;

 private:
  Int8Calibration* previous_;
};

/// Return true when linear_into runs `l` in int8 here: Precision::kInt8, int8 weights, and no
/// calibration pass active on this thread.
bool runs_int8(Precision precision, const Linear& l);

/// The transformer MLP in int8, `out += fc2(gelu(fc1(x)))` (x (M,K) float32, out (M,N) float32,
/// both unit column stride), in row blocks: quantise x, fc1's int8 GEMM, dequantise into a
/// block buffer, bias + GELU there (kernels::bias_gelu), quantise for fc2, fc2's int8 GEMM,
/// dequantise + bias + residual into `out`. fc1's float32 output never leaves the cache. Both
/// layers must satisfy runs_int8.
void int8_mlp_into(const at::Tensor& x, const Linear& fc1, const Linear& fc2, at::Tensor& out);

/// Fix an int8 layer's activation scale and zero point from the range `c` recorded for it (widened
/// to include 0, so zero is exact). No-op for layers without int8 weights; throws
/// std::logic_error when calibration never saw the layer.
void finish_int8_calibration(Linear& l, const Int8Calibration& c);

/// Return `backend` with kAuto resolved to what this process can run.
GemmBackend resolve_backend(GemmBackend backend);

/// Return "onednn", "aten" or "auto".
std::string to_string(GemmBackend backend);

/// Return true when libdnnl's bfloat16 GEMM is available in this process.
bool onednn_bf16_available();

/// Compute `out = x·Wᵀ + b` (or `out += x·Wᵀ + b` when `accumulate`). `x` is (M,K) and `out`
/// (M,N), both float32 with unit column stride (row strides may exceed the width, so `out`
/// can be a column slice of a wider buffer). Runs on ATen's intra-op threads. Thread-safe.
void linear_into(GemmBackend backend, Precision precision, const at::Tensor& x, const Linear& l, at::Tensor& out,
                 bool accumulate);

}  // namespace cosmicai::model
