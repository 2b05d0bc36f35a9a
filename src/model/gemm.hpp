#pragma once
/// Dense layers for the built-in network: `y = x·Wᵀ + b` through oneDNN's GEMM (AVX-512
/// where the CPU has it, independent of the BLAS that ATen was linked with) or ATen's addmm.
///
/// Internal to src/model (includes ATen).
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace cosmicai::model {

/// Which GEMM implementation runs the dense layers.
enum class GemmBackend {
  kAuto,    ///< oneDNN when its GEMM is present in the process, else ATen
  kOneDnn,  ///< dnnl_sgemm / dnnl_gemm_bf16bf16f32 (resolved at run time from libdnnl)
  kAten,    ///< at::addmm (the BLAS ATen was built against, OpenBLAS here)
};

/// Numeric format of the dense layers' inputs and weights (accumulation is always float32).
enum class Precision { kFloat32, kBFloat16 };

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
};

/// Build a Linear from weight (N,K) and optional bias (N); copies into contiguous float32.
Linear make_linear(const at::Tensor& w, const at::Tensor& b, Precision precision);

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
