#include "model/gemm.hpp"

#include "model/kernels.hpp"
#include "model/op_profile.hpp"

#include <dlfcn.h>
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace cosmicai::model {
namespace {

// Row-major GEMMs exported by libdnnl.so.2 (oneDNN 2.x C API), which libtorch_cpu loads.
// Resolved at run time so that no oneDNN headers are needed and ATen remains a fallback.
using SgemmFn = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                        const float*, std::int64_t, float, float*, std::int64_t);
using Bf16GemmFn = int (*)(char, char, std::int64_t, std::int64_t, std::int64_t, float, const void*, std::int64_t,
                           const void*, std::int64_t, float, float*, std::int64_t);

// C = alpha·(op(A) − ao)·(op(B) − bo) + beta·C + co, A u8, B s8, C s32 (offsetc 'F': one co).
using U8S8GemmFn = int (*)(char, char, char, std::int64_t, std::int64_t, std::int64_t, float, const std::uint8_t*,
                           std::int64_t, std::uint8_t, const std::int8_t*, std::int64_t, std::int8_t, float,
                           std::int32_t*, std::int64_t, const std::int32_t*);

struct OneDnn {
  SgemmFn sgemm = nullptr;
  Bf16GemmFn gemm_bf16 = nullptr;
};

struct OneDnnInt8 {
  U8S8GemmFn gemm_u8s8 = nullptr;
  int int8_weight_max = 127;
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

// The int8 GEMM, resolved and probed on first use (by int8 models only: the probe JITs kernels).
const OneDnnInt8& onednn_int8() {
  static const OneDnnInt8 fns = [] {
    OneDnnInt8 f;
    void* handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) handle = dlopen("libdnnl.so.2", RTLD_NOW);
    if (handle != nullptr) f.gemm_u8s8 = reinterpret_cast<U8S8GemmFn>(dlsym(handle, "dnnl_gemm_u8s8s32"));
    if (f.gemm_u8s8 != nullptr) {
      // Check the zero-point convention ((A − ao)) and whether pairs of u8·s8 products saturate
      // in 16 bits (vpmaddubsw, CPUs without VNNI): 1×1×2 with A = 255, B = 127 is 64770 exactly.
      const std::uint8_t a[2] = {255, 255};
      const std::int8_t b[2] = {127, 127};
      const std::int32_t co = 0;
      std::int32_t c = 0;
      if (f.gemm_u8s8('N', 'N', 'F', 1, 1, 2, 1.0F, a, 2, 0, b, 1, 0, 0.0F, &c, 1, &co) != 0) {
        f.gemm_u8s8 = nullptr;
      } else if (c != 64770) {
        f.int8_weight_max = 63;  // 255·63·2 = 32130 fits
      }
      // (Small weights here: the zero point is applied as a separate compensation, after the
      // possibly saturated raw products.)
      const std::int8_t ones[2] = {1, 1};
      std::int32_t z = 0;
      if (f.gemm_u8s8 != nullptr &&
          (f.gemm_u8s8('N', 'N', 'F', 1, 1, 2, 1.0F, a, 2, 250, ones, 1, 0, 0.0F, &z, 1, &co) != 0 || z != 10)) {
        f.gemm_u8s8 = nullptr;  // not the documented (A − ao) convention: do not guess
      }
    }
    return f;
  }();
  return fns;
}

}  // namespace

// === Weight-streaming GEMM for short, wide layers ===
//
// The dense heads (magnitude MLP 1024², concat 3216×1024, ViT/Inception 1096²) run with 128
// rows a micro-batch. dnnl_sgemm packs the whole weight matrix into its panel layout on every
// call, which at 128 rows costs about as much as the products (the heads ran at ~45 GFLOP/s of
// thread CPU time against ~88 for the encoder's GEMMs). Here the weights are packed once, at
// load, into 16-column panels (`Linear::wp`, (N/16, K, 16), read sequentially; the row-major
// (K,N) matrix read in place puts every k of a panel in the same L1 set and a different page),
// and the kernel runs 6×16 register tiles (12 AVX2 accumulators) with K in blocks of 256, so a
// panel block (16 KB) stays in L1 and the activations' block in L2.
namespace {

constexpr std::int64_t kStreamKc = 256;
constexpr std::int64_t kStreamMaxRows = 256;            // a micro-batch's rows (or two)
constexpr std::int64_t kStreamMinWeights = 256 * 1024;  // 1 MB of weights and up

template <int R>
__attribute__((target("avx2,fma"))) inline void stream_tile(const float* x, std::int64_t ldx, const float* w,
                                                            std::int64_t ldw, float* o, std::int64_t ldo,
                                                            std::int64_t kc, const float* init_bias, bool load_out) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    if (load_out) {
      c0[r] = _mm256_loadu_ps(o + r * ldo);
      c1[r] = _mm256_loadu_ps(o + r * ldo + 8);
    } else {
      c0[r] = _mm256_setzero_ps();
      c1[r] = _mm256_setzero_ps();
    }
    if (init_bias != nullptr) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(init_bias));
      c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(init_bias + 8));
    }
  }
  for (std::int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(w + k * ldw);
    const __m256 b1 = _mm256_loadu_ps(w + k * ldw + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 a = _mm256_broadcast_ss(x + r * ldx + k);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(o + r * ldo, c0[r]);
    _mm256_storeu_ps(o + r * ldo + 8, c1[r]);
  }
}

using TileFn = void (*)(const float*, std::int64_t, const float*, std::int64_t, float*, std::int64_t, std::int64_t,
                        const float*, bool);
constexpr TileFn kTiles[7] = {nullptr,        stream_tile<1>, stream_tile<2>, stream_tile<3>,
                              stream_tile<4>, stream_tile<5>, stream_tile<6>};

// out (m,n) = [out +] x (m,k) · w (k,n) [+ bias] with w packed as (n/16, k, 16); n a multiple
// of 16 here (the caller computes the rest).
__attribute__((target("avx2,fma"))) void stream_gemm(const float* x, std::int64_t ldx, const float* wp, float* out,
                                                     std::int64_t ldo, std::int64_t m, std::int64_t n, std::int64_t k,
                                                     const float* bias, bool accumulate) {
  for (std::int64_t k0 = 0; k0 < k; k0 += kStreamKc) {
    const std::int64_t kc = std::min(kStreamKc, k - k0);
    const bool first = k0 == 0;
    for (std::int64_t n0 = 0; n0 < n; n0 += 16) {
      const float* b = first && bias != nullptr ? bias + n0 : nullptr;
      const float* panel = wp + (n0 / 16) * k * 16 + k0 * 16;
      for (std::int64_t m0 = 0; m0 < m; m0 += 6) {
        const int rows = static_cast<int>(std::min<std::int64_t>(6, m - m0));
        kTiles[rows](x + m0 * ldx + k0, ldx, panel, 16, out + m0 * ldo + n0, ldo, kc, b, !first || accumulate);
      }
    }
  }
}

// Measured on AVX2 (Zen, no AVX-512): heads 1.75× faster than dnnl_sgemm. With AVX-512,
// oneDNN's kernels have twice the width, so they keep these layers there (not measured here).
bool stream_gemm_available() {
  static const bool ok =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !__builtin_cpu_supports("avx512f");
  return ok;
}

}  // namespace

Linear make_linear(const at::Tensor& w, const at::Tensor& b, Precision precision, bool allow_int8) {
  Linear l;
  l.wt = w.to(at::kFloat).t().contiguous();
  if (b.defined()) l.b = b.to(at::kFloat).contiguous().clone();
  if (precision == Precision::kBFloat16) l.wt_bf16 = l.wt.to(at::kBFloat16).contiguous();
  const std::int64_t k = l.wt.size(0), n = l.wt.size(1);
  if (precision == Precision::kInt8 && allow_int8 && k >= 64 && n >= 16) {
    // Symmetric per-output-channel scales (in float64, then rounded to the nearest step, ties to
    // even). One pass per channel instead of ATen's float64 temporaries of the whole matrix
    // (0.1-0.2 s of an int8 load); the same numbers.
    const at::Tensor wf = w.to(at::kFloat).contiguous();  // (N,K)
    const double qmax = int8_weight_max();
    l.wq = at::empty({k, n}, at::kChar);
    l.wscale = at::empty({n}, at::kFloat);
    const float* src = wf.data_ptr<float>();
    std::int8_t* q = l.wq.data_ptr<std::int8_t>();
    float* ws = l.wscale.data_ptr<float>();
    std::vector<std::int8_t> row(static_cast<std::size_t>(k));
    for (std::int64_t o = 0; o < n; ++o) {
      const float* wr = src + o * k;
      double amax = 0;
      for (std::int64_t i = 0; i < k; ++i) amax = std::max(amax, std::abs(static_cast<double>(wr[i])));
      const double scale = std::max(amax, 1e-30) / qmax;
      for (std::int64_t i = 0; i < k; ++i)
        row[static_cast<std::size_t>(i)] =
            static_cast<std::int8_t>(std::clamp(std::nearbyint(static_cast<double>(wr[i]) / scale), -qmax, qmax));
      for (std::int64_t i = 0; i < k; ++i) q[i * n + o] = row[static_cast<std::size_t>(i)];
      ws[o] = static_cast<float>(scale);
    }
    return l;
  }
  if (precision != Precision::kBFloat16 && k * n >= kStreamMinWeights && n >= 16 && stream_gemm_available()) {
    const std::int64_t n16 = n / 16 * 16;
    l.wp = l.wt.slice(1, 0, n16).reshape({k, n16 / 16, 16}).permute({1, 0, 2}).contiguous();
  }
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

bool onednn_int8_available() { return onednn_int8().gemm_u8s8 != nullptr; }

int int8_weight_max() { return onednn_int8().int8_weight_max; }

// === int8 ===
namespace {

thread_local Int8Calibration* t_calibration = nullptr;

// q = clamp(round(x · inv + zero), 0, 255), row by row (x rows ldx apart, q packed (m,k)).
__attribute__((target("avx2,fma"))) void quantize_u8_avx2(const float* x, std::int64_t ldx, std::int64_t m,
                                                          std::int64_t k, float inv, float zero, std::uint8_t* q) {
  const __m256 vinv = _mm256_set1_ps(inv), vz = _mm256_set1_ps(zero);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (std::int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * ldx;
    std::uint8_t* qr = q + r * k;
    std::int64_t j = 0;
    for (; j + 32 <= k; j += 32) {
      const __m256i i0 = _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(xr + j), vinv, vz));
      const __m256i i1 = _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(xr + j + 8), vinv, vz));
      const __m256i i2 = _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(xr + j + 16), vinv, vz));
      const __m256i i3 = _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_loadu_ps(xr + j + 24), vinv, vz));
      // Saturating packs (s32 → s16 → u8) interleave the 128-bit lanes; the permute restores order.
      const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qr + j), _mm256_permutevar8x32_epi32(bytes, order));
    }
    for (; j < k; ++j)
      qr[j] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(std::fma(xr[j], inv, zero)), 0.0F, 255.0F));
  }
}

void quantize_u8(const float* x, std::int64_t ldx, std::int64_t m, std::int64_t k, float inv, float zero,
                 std::uint8_t* q) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return quantize_u8_avx2(x, ldx, m, k, inv, zero, q);
  for (std::int64_t r = 0; r < m; ++r) {
    for (std::int64_t j = 0; j < k; ++j) {
      q[r * k + j] =
          static_cast<std::uint8_t>(std::clamp(std::nearbyint(std::fma(x[r * ldx + j], inv, zero)), 0.0F, 255.0F));
    }
  }
}

// One row of out = [out +] c · dq [+ bias].
__attribute__((always_inline)) inline void dequantise_row(const std::int32_t* c, float* o, std::int64_t n,
                                                          const float* dq, const float* bias, bool accumulate) {
  if (accumulate && bias != nullptr) {
    for (std::int64_t j = 0; j < n; ++j) o[j] += static_cast<float>(c[j]) * dq[j] + bias[j];
  } else if (accumulate) {
    for (std::int64_t j = 0; j < n; ++j) o[j] += static_cast<float>(c[j]) * dq[j];
  } else if (bias != nullptr) {
    for (std::int64_t j = 0; j < n; ++j) o[j] = static_cast<float>(c[j]) * dq[j] + bias[j];
  } else {
    for (std::int64_t j = 0; j < n; ++j) o[j] = static_cast<float>(c[j]) * dq[j];
  }
}

__attribute__((target("avx2,fma"))) void dequantise_avx2(const std::int32_t* c, float* o, std::int64_t ldo,
                                                         std::int64_t m, std::int64_t n, const float* dq,
                                                         const float* bias, bool accumulate) {
  for (std::int64_t r = 0; r < m; ++r) dequantise_row(c + r * n, o + r * ldo, n, dq, bias, accumulate);
}

void dequantise(const std::int32_t* c, float* o, std::int64_t ldo, std::int64_t m, std::int64_t n, const float* dq,
                const float* bias, bool accumulate) {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return dequantise_avx2(c, o, ldo, m, n, dq, bias, accumulate);
  for (std::int64_t r = 0; r < m; ++r) dequantise_row(c + r * n, o + r * ldo, n, dq, bias, accumulate);
}

// Rows per int8 GEMM call: the int32 products of a block (rows × N × 4 bytes, 2 MB) are
// dequantised while still in cache (a whole micro-batch of fc1, 2176 × 768, is 6.7 MB). Blocks of
// 128 KB to unblocked measured within ±10% of each other here (thread CPU time, AVX2 EPYC);
// 2 MB was the best of them by a few %: smaller blocks re-pack the weights more often.
constexpr std::int64_t kInt8BlockBytes = 2048 * 1024;

// out (m,n) = [out +] (u8(x) − zero)·wq · dq + b, with oneDNN's u8·s8→s32 GEMM, in row blocks.
void int8_linear(const at::Tensor& x, const Linear& l, at::Tensor& out, bool accumulate) {
  const std::int64_t m = x.size(0), k = x.size(1), n = l.wq.size(1);
  if (onednn_int8().gemm_u8s8 == nullptr)
    throw std::runtime_error("oneDNN's int8 GEMM (dnnl_gemm_u8s8s32) is not available");
  const std::int64_t block =
      std::clamp<std::int64_t>(kInt8BlockBytes / (4 * n) / 8 * 8, 16, std::max<std::int64_t>(m, 16));
  thread_local std::vector<std::uint8_t> qa;
  thread_local std::vector<std::int32_t> acc;
  if (qa.size() < static_cast<std::size_t>(block * k)) qa.resize(static_cast<std::size_t>(block * k));
  if (acc.size() < static_cast<std::size_t>(block * n)) acc.resize(static_cast<std::size_t>(block * n));
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const std::int64_t ldx = x.stride(0), ldo = out.stride(0);
  const float inv = 1.0F / l.a_scale, zero = static_cast<float>(l.a_zero);
  const std::int32_t co = 0;
  for (std::int64_t r0 = 0; r0 < m; r0 += block) {
    const std::int64_t rows = std::min(block, m - r0);
    {
      profile::OpTimer t(profile::kInt8Quantise);
      quantize_u8(xp + r0 * ldx, ldx, rows, k, inv, zero, qa.data());
    }
    const int st =
        onednn_int8().gemm_u8s8('N', 'N', 'F', rows, n, k, 1.0F, qa.data(), k, static_cast<std::uint8_t>(l.a_zero),
                                l.wq.data_ptr<std::int8_t>(), n, 0, 0.0F, acc.data(), n, &co);
    if (st != 0) throw std::runtime_error("oneDNN int8 GEMM failed with status " + std::to_string(st));
    profile::OpTimer t(profile::kInt8Dequantise);
    dequantise(acc.data(), op + r0 * ldo, ldo, rows, n, l.dq.data_ptr<float>(),
               l.b.defined() ? l.b.data_ptr<float>() : nullptr, accumulate);
  }
}

}  // namespace

bool runs_int8(Precision precision, const Linear& l) {
  return precision == Precision::kInt8 && l.wq.defined() && t_calibration == nullptr;
}

void int8_mlp_into(const at::Tensor& x, const Linear& fc1, const Linear& fc2, at::Tensor& out) {
  const std::int64_t m = x.size(0), k = x.size(1), hidden = fc1.wq.size(1), n = fc2.wq.size(1);
  assert(fc1.wq.size(0) == k && fc2.wq.size(0) == hidden && out.size(0) == m && out.size(1) == n);
  if (!fc1.dq.defined() || !fc2.dq.defined()) throw std::logic_error("int8 layer run before calibration");
  if (!fc1.b.defined()) throw std::logic_error("int8_mlp_into: fc1 needs a bias");
  if (onednn_int8().gemm_u8s8 == nullptr)
    throw std::runtime_error("oneDNN's int8 GEMM (dnnl_gemm_u8s8s32) is not available");
  // 256 rows: fc1's int32 products and their float32 form are 768 KB each at hidden 768.
  constexpr std::int64_t kRows = 256;
  const std::int64_t block = std::min(kRows, m);
  thread_local std::vector<std::uint8_t> qx, qh;
  thread_local std::vector<std::int32_t> acc;
  thread_local std::vector<float> h;
  auto grow = [](auto& v, std::int64_t size) {
    if (v.size() < static_cast<std::size_t>(size)) v.resize(static_cast<std::size_t>(size));
  };
  grow(qx, block * k);
  grow(qh, block * hidden);
  grow(acc, block * std::max(hidden, n));
  grow(h, block * hidden);
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const std::int64_t ldx = x.stride(0), ldo = out.stride(0);
  const std::int32_t co = 0;
  for (std::int64_t r0 = 0; r0 < m; r0 += block) {
    const std::int64_t rows = std::min(block, m - r0);
    {
      profile::OpTimer t(profile::kFc1Gemm);
      {
        profile::OpTimer tq(profile::kInt8Quantise);
        quantize_u8(xp + r0 * ldx, ldx, rows, k, 1.0F / fc1.a_scale, static_cast<float>(fc1.a_zero), qx.data());
      }
      const int st = onednn_int8().gemm_u8s8('N', 'N', 'F', rows, hidden, k, 1.0F, qx.data(), k,
                                             static_cast<std::uint8_t>(fc1.a_zero), fc1.wq.data_ptr<std::int8_t>(),
                                             hidden, 0, 0.0F, acc.data(), hidden, &co);
      if (st != 0) throw std::runtime_error("oneDNN int8 GEMM failed with status " + std::to_string(st));
      profile::OpTimer td(profile::kInt8Dequantise);
      dequantise(acc.data(), h.data(), hidden, rows, hidden, fc1.dq.data_ptr<float>(), nullptr, false);
    }
    {
      profile::OpTimer t(profile::kGelu);
      kernels::bias_gelu(h.data(), fc1.b.data_ptr<float>(), rows, hidden);
    }
    profile::OpTimer t(profile::kFc2Gemm);
    {
      profile::OpTimer tq(profile::kInt8Quantise);
      quantize_u8(h.data(), hidden, rows, hidden, 1.0F / fc2.a_scale, static_cast<float>(fc2.a_zero), qh.data());
    }
    const int st = onednn_int8().gemm_u8s8('N', 'N', 'F', rows, n, hidden, 1.0F, qh.data(), hidden,
                                           static_cast<std::uint8_t>(fc2.a_zero), fc2.wq.data_ptr<std::int8_t>(), n, 0,
                                           0.0F, acc.data(), n, &co);
    if (st != 0) throw std::runtime_error("oneDNN int8 GEMM failed with status " + std::to_string(st));
    profile::OpTimer td(profile::kInt8Dequantise);
    dequantise(acc.data(), op + r0 * ldo, ldo, rows, n, fc2.dq.data_ptr<float>(),
               fc2.b.defined() ? fc2.b.data_ptr<float>() : nullptr, true);
  }
}

Int8CalibrationScope::Int8CalibrationScope(Int8Calibration& c) : previous_(t_calibration) { t_calibration = &c; }
Int8CalibrationScope::~Int8CalibrationScope() { t_calibration = previous_; }

void finish_int8_calibration(Linear& l, const Int8Calibration& c) {
  if (!l.wq.defined()) return;
  const auto it = c.ranges.find(l.wt.data_ptr());
  if (it == c.ranges.end()) throw std::logic_error("int8 calibration: a layer was never run");
  const float lo = std::min(it->second.first, 0.0F), hi = std::max(it->second.second, 0.0F);
  const float scale = hi > lo ? (hi - lo) / 255.0F : 1.0F;
  l.a_scale = scale;
  l.a_zero = static_cast<std::int32_t>(std::clamp(std::nearbyint(-lo / scale), 0.0F, 255.0F));
  l.dq = (l.wscale * scale).contiguous();
}

void linear_into(GemmBackend backend, Precision precision, const at::Tensor& x, const Linear& l, at::Tensor& out,
                 bool accumulate) {
  assert(x.dim() == 2 && out.dim() == 2 && x.stride(1) == 1 && out.stride(1) == 1);
  const std::int64_t m = x.size(0);
  const std::int64_t k = x.size(1);
  const std::int64_t n = l.wt.size(1);
  assert(l.wt.size(0) == k && out.size(0) == m && out.size(1) == n);
  if (m == 0) return;
  if (precision == Precision::kInt8 && l.wq.defined()) {
    if (t_calibration == nullptr) {
      if (!l.dq.defined()) throw std::logic_error("int8 layer run before calibration");
      int8_linear(x, l, out, accumulate);
      return;
    }
    // Calibration: record the input's range, compute in float32 below.
    const auto [mn, mx] = at::aminmax(x);
    const float lo = mn.item<float>(), hi = mx.item<float>();
    auto [it, fresh] = t_calibration->ranges.try_emplace(l.wt.data_ptr(), lo, hi);
    if (!fresh) it->second = {std::min(it->second.first, lo), std::max(it->second.second, hi)};
  }
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
  if (precision != Precision::kBFloat16 && m <= kStreamMaxRows && l.wp.defined()) {
    const std::int64_t n16 = n / 16 * 16;
    stream_gemm(x.data_ptr<float>(), x.stride(0), l.wp.data_ptr<float>(), out.data_ptr<float>(), out.stride(0), m, n16,
                k, l.b.defined() ? l.b.data_ptr<float>() : nullptr, accumulate);
    if (n16 == n) return;
    // The last n % 16 columns through oneDNN (a column slice of the same matrices).
    float* o = out.data_ptr<float>() + n16;
    const std::int64_t ldo = out.stride(0);
    if (l.b.defined()) {
      const float* b = l.b.data_ptr<float>() + n16;
      for (std::int64_t r = 0; r < m; ++r) {
        for (std::int64_t c = 0; c < n - n16; ++c) o[r * ldo + c] = (accumulate ? o[r * ldo + c] : 0.0F) + b[c];
      }
    }
    const float tail_beta = accumulate || l.b.defined() ? 1.0F : 0.0F;
    const int st = onednn().sgemm('N', 'N', m, n - n16, k, 1.0F, x.data_ptr<float>(), x.stride(0),
                                  l.wt.data_ptr<float>() + n16, n, tail_beta, o, ldo);
    if (st != 0) throw std::runtime_error("oneDNN GEMM failed with status " + std::to_string(st));
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
