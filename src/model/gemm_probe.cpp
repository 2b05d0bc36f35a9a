#include "model/gemm_probe.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "model/gemm.hpp"

namespace cosmicai::model {

Result<double> measure_sgemm_gflops(const std::string& backend, std::int64_t n, int threads, int repeats) {
  GemmBackend b = GemmBackend::kAten;
  if (backend == "onednn") {
    b = GemmBackend::kOneDnn;
    if (resolve_backend(GemmBackend::kAuto) != GemmBackend::kOneDnn)
      return make_error(ErrorCode::kUnavailable, "sgemm probe: oneDNN GEMM not available");
  } else if (backend != "blas") {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("sgemm probe: backend must be \"onednn\" or \"blas\", got \"{}\"", backend));
  }
  at::set_num_threads(threads);
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(threads);
  at::Tensor a = at::rand({n, n});
  Linear w = make_linear(at::rand({n, n}), at::Tensor(), Precision::kFloat32);
  at::Tensor c = at::empty({n, n});
  double best = 0;
  for (int i = 0; i <= repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    linear_into(b, Precision::kFloat32, a, w, c, false);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (i > 0) best = std::max(best, 2.0 * static_cast<double>(n * n * n) / s / 1e9);
  }
  return best;
}

std::string blas_description() {
  using CoreFn = char* (*)();
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  if (auto fn = reinterpret_cast<CoreFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
    return fmt::format("OpenBLAS (core {}, OPENBLAS_CORETYPE={})", fn(), env ? env : "unset");
  }
  return "BLAS (not OpenBLAS)";
}

}  // namespace cosmicai::model
