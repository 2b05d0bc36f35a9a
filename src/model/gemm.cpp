#include "model/gemm.hpp"

#include <dlfcn.h>

#include <cassert>
#include <cstdint>
#include <stdexcept>

namespace cosmicai::model {
namespace {

// Row-major GEMMs exported by libdnnl.so.2 (oneDNN 2.x C API), which libtorch_cpu loads.
// Resolved at run time so that no oneDNN headers are needed and ATen remains a fallback.
using SgemmFn = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                        const float*, std::int64_t, float, float*, std::int64_t);
using Bf16GemmFn = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const void*, std::int64_t,
                           const void*, std::int64_t, float, float*, std::int64_t);

struct OneDnn {
  SgemmFn sgemm = nullptr;
  Bf16GemmFn gemm_bf16 = nullptr;
};

const OneDnn& onednn() {
  static const OneDnn fns = [] {
    OneDnn f;
    void* handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) handle = dlopen("libdnnl.so.2", RTLD_NOW);
    if (handle != nullptr) {
      f.sgemm = reinterpret_cast<SgemmFn>(dlsym(handle, "dnnl_sgemm"));
      f.gemm_bf16 = reinterpret_cast<Bf16GemmFn>(dlsym(handle, "dnnl_gemm_bf16bf16f32"));
    }
    if (f.gemm_bf16 != nullptr) {
      // Every libdnnl has the bf16 GEMM, but it runs only on CPUs with AVX-512 and returns
      // dnnl_unimplemented (3) elsewhere (e.g. an AVX2-only Zen 3): try one 1x1x1 product.
      const std::uint16_t one = 0x3F80;  // 1.0 in bfloat16
      float c = 0.0F;
      if (f.gemm_bf16('N', 'N', 1, 1, 1, 1.0F, &one, 1, &one, 1, 0.0F, &c, 1) != 0 || c != 1.0F) f.gemm_bf16 = nullptr;
    }
    return f;
  }();
  return fns;
}

}  // namespace

Linear make_linear(const at::Tensor& w, const at::Tensor& b, Precision precision) {
  Linear l;
  l.wt = w.to(at::kFloat).t().contiguous();
  if (b.defined()) l.b = b.to(at::kFloat).contiguous().clone();
  if (precision == Precision::kBFloat16) l.wt_bf16 = l.wt.to(at::kBFloat16).contiguous();
  return l;
}

GemmBackend resolve_backend(GemmBackend backend) {
  if (backend != GemmBackend::kAuto) return backend;
  return onednn().sgemm != nullptr ? GemmBackend::kOneDnn : GemmBackend::kAten;
}

std::string to_string(GemmBackend backend) {
  switch (backend) {
    case GemmBackend::kAuto:
      return "auto";
    case GemmBackend::kOneDnn:
      return "onednn";
    case GemmBackend::kAten:
      return "aten";
  }
  return "?";
}

bool onednn_bf16_available() { return onednn().gemm_bf16 != nullptr; }

void linear_into(GemmBackend backend, Precision precision, const at::Tensor& x, const Linear& l, at::Tensor& out,
                 bool accumulate) {
  assert(x.dim() == 2 && out.dim() == 2 && x.stride(1) == 1 && out.stride(1) == 1);
  const std::int64_t m = x.size(0);
  const std::int64_t k = x.size(1);
  const std::int64_t n = l.wt.size(1);
  assert(l.wt.size(0) == k && out.size(0) == m && out.size(1) == n);
  if (m == 0) return;
  backend = resolve_backend(backend);
  if (backend == GemmBackend::kAten) {
    if (precision == Precision::kBFloat16) {
      // bfloat16 inputs and weights with float32 products and output, as oneDNN's bf16 GEMM
      // computes them. (ATen's bf16 matmul would also round the output to bfloat16: ~10× the
      // error.) Without AVX-512 this path is for the numbers, not for speed.
      at::Tensor y = at::matmul(x.to(at::kBFloat16).to(at::kFloat), l.wt_bf16.to(at::kFloat));
      if (l.b.defined()) y.add_(l.b);
      if (accumulate)
        out.add_(y);
      else
        out.copy_(y);
      return;
    }
    if (accumulate) {
      out.addmm_(x, l.wt);
      if (l.b.defined()) out.add_(l.b);
    } else if (l.b.defined()) {
      at::addmm_out(out, l.b, x, l.wt);
    } else {
      at::mm_out(out, x, l.wt);
    }
    return;
  }
  float beta = accumulate ? 1.0F : 0.0F;
  if (l.b.defined()) {
    if (accumulate)
      out.add_(l.b);
    else
      out.copy_(l.b.expand({m, n}));
    beta = 1.0F;
  }
  int status = 0;
  if (precision == Precision::kBFloat16) {
    if (onednn().gemm_bf16 == nullptr) throw std::runtime_error("oneDNN bfloat16 GEMM is not available");
    at::Tensor xb = x.to(at::kBFloat16).contiguous();
    status = onednn().gemm_bf16('N', 'N', m, n, k, 1.0F, xb.data_ptr(), k, l.wt_bf16.data_ptr(), n, beta,
                                out.data_ptr<float>(), out.stride(0));
  } else {
    status = onednn().sgemm('N', 'N', m, n, k, 1.0F, x.data_ptr<float>(), x.stride(0), l.wt.data_ptr<float>(), n, beta,
                            out.data_ptr<float>(), out.stride(0));
  }
  if (status != 0) throw std::runtime_error("oneDNN GEMM failed with status " + std::to_string(status));
}

}  // namespace cosmicai::model
