#pragma once
/// Hardware reference for benchmarks: the machine's fp32 GEMM rate through the GEMMs the
/// model can use. Torch-free header.
#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace cosmicai::model {

/// Measure C = A·B for square n×n float32 matrices on `threads` threads with `backend`
/// ("onednn": dnnl_sgemm; "blas": ATen's mm, i.e. the linked BLAS). Returns the best
/// GFLOP/s (2n³ per product) of `repeats` timed runs after one warm-up.
Result<double> measure_sgemm_gflops(const std::string& backend, std::int64_t n, int threads, int repeats);

/// Describe the BLAS in this process, e.g. "OpenBLAS (core Haswell, OPENBLAS_CORETYPE=Haswell)".
std::string blas_description();

}  // namespace cosmicai::model
