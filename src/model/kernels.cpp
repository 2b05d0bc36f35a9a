#include "model/kernels.hpp"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace cosmicai::model::kernels {
namespace {

constexpr int kTokens = 17;
constexpr int kPad = 32;  // tokens padded to two AVX-512 vectors
constexpr int kHeadDim = 64;
constexpr int kHeads = 3;
constexpr int kEmbed = kHeads * kHeadDim;
constexpr int kRow = 3 * kEmbed;

// Built with -fno-trapping-math (cmake/cosmicai.cmake) so that exp_poly's loops vectorise.
#define COSMICAI_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("O3", "fp-contract=fast")))

// expf for the clones below, written so that loops over it vectorise (std::exp does not): Cephes'
// range reduction and degree-6 polynomial, about 1 ulp. Inputs are clamped to [-80, 88]: below,
// the result stays at exp(-80) ≈ 1.8e-35 instead of sinking into denormals (which cost ~100 cycles
// per operation downstream, and every use here adds it to ≥ 1 or multiplies it by a bounded
// factor, so the difference is < 1e-33); above, it would overflow.
__attribute__((always_inline)) inline float exp_poly(float x) {
  x = x < -80.0F ? -80.0F : x;
  x = x > 88.0F ? 88.0F : x;
  // Round to nearest by adding and removing 1.5·2^23 (std::floor would not vectorise).
  const float fx = (x * 1.44269504088896341F + 12582912.0F) - 12582912.0F;
  x -= fx * 0.693359375F;
  x -= fx * -2.12194440e-4F;
  float y = 1.9875691500E-4F;
  y = y * x + 1.3981999507E-3F;
  y = y * x + 8.3334519073E-3F;
  y = y * x + 4.1665795894E-2F;
  y = y * x + 1.6666665459E-1F;
  y = y * x + 5.0000001201E-1F;
  y = y * x * x + x + 1.0F;
  return y * std::bit_cast<float>((static_cast<std::int32_t>(fx) + 127) << 23);
}

constexpr int kQ = 24;  // queries padded to three AVX2 vectors

// One (sample, head). Queries are the vector lanes: q transposed to qt[d][i], scores st[j][i] =
// q_i·k_j accumulated over d with k_j[d] broadcast, softmax over j per lane (vertical max and
// sum), then o_i = Σ_j p[j][i] v_j vectorised over d. Padding lanes compute garbage-free zeros.
COSMICAI_CLONES
void attend_one(const float* qkv, float* out, int head, const float* q_bias, const float* v_bias) {
  alignas(64) float qt[kHeadDim][kQ];
  alignas(64) float st[kTokens][kQ];
  for (int d = 0; d < kHeadDim; ++d) {
    for (int i = kTokens; i < kQ; ++i) qt[d][i] = 0.0F;
  }
  for (int i = 0; i < kTokens; ++i) {
    const float* q = qkv + i * kRow + head * kHeadDim;
    for (int d = 0; d < kHeadDim; ++d) qt[d][i] = q[d] + (q_bias != nullptr ? q_bias[head * kHeadDim + d] : 0.0F);
  }
  for (int j = 0; j < kTokens; ++j) {
    const float* k = qkv + j * kRow + kEmbed + head * kHeadDim;
    float acc[kQ] = {};
    for (int d = 0; d < kHeadDim; ++d) {
      const float kd = k[d];
      for (int i = 0; i < kQ; ++i) acc[i] += qt[d][i] * kd;
    }
    for (int i = 0; i < kQ; ++i) st[j][i] = acc[i];
  }
  float m[kQ], sum[kQ];
  for (int i = 0; i < kQ; ++i) m[i] = st[0][i];
  for (int j = 1; j < kTokens; ++j) {
    for (int i = 0; i < kQ; ++i) m[i] = std::max(m[i], st[j][i]);
  }
  for (int i = 0; i < kQ; ++i) sum[i] = 0.0F;
  for (int j = 0; j < kTokens; ++j) {
    for (int i = 0; i < kQ; ++i) {
      st[j][i] = exp_poly(st[j][i] - m[i]);
      sum[i] += st[j][i];
    }
  }
  for (int i = 0; i < kQ; ++i) sum[i] = 1.0F / sum[i];
  for (int i = 0; i < kTokens; ++i) {
    float o[kHeadDim] = {};
    for (int j = 0; j < kTokens; ++j) {
      const float p = st[j][i] * sum[i];
      const float* v = qkv + j * kRow + 2 * kEmbed + head * kHeadDim;
      for (int d = 0; d < kHeadDim; ++d) o[d] += p * v[d];
    }
    float* dst = out + i * kEmbed + head * kHeadDim;
    for (int d = 0; d < kHeadDim; ++d) dst[d] = o[d] + (v_bias != nullptr ? v_bias[head * kHeadDim + d] : 0.0F);
  }
}

COSMICAI_CLONES
void pool_plane(const float* in, float* out, int h, int w) {
  // Row maxima over 3 columns, then column maxima over 3 rows; borders see fewer neighbours.
  float rows[64 * 64];
  for (int y = 0; y < h; ++y) {
    const float* r = in + y * w;
    float* d = rows + y * w;
    d[0] = w > 1 ? std::max(r[0], r[1]) : r[0];
    for (int x = 1; x + 1 < w; ++x) d[x] = std::max(std::max(r[x - 1], r[x]), r[x + 1]);
    if (w > 1) d[w - 1] = std::max(r[w - 2], r[w - 1]);
  }
  for (int y = 0; y < h; ++y) {
    const float* up = rows + (y > 0 ? y - 1 : y) * w;
    const float* mid = rows + y * w;
    const float* dn = rows + (y + 1 < h ? y + 1 : y) * w;
    float* d = out + y * w;
    for (int x = 0; x < w; ++x) d[x] = std::max(std::max(up[x], mid[x]), dn[x]);
  }
}

constexpr int kGroups = 48;
constexpr int kPatches = 16;

COSMICAI_CLONES
void pcm_expand_token(const float* in, const float* w1t, const float* b1t, float* mid) {
  alignas(64) float it[4][kGroups];  // channel 4g+i at [i][g]
  for (int g = 0; g < kGroups; ++g) {
    for (int i = 0; i < 4; ++i) it[i][g] = in[4 * g + i];
  }
  for (int o = 0; o < 16; ++o) {
    float acc[kGroups];
    const float* b = b1t + o * kGroups;
    for (int g = 0; g < kGroups; ++g) acc[g] = b[g];
    for (int i = 0; i < 4; ++i) {
      const float* wv = w1t + (i * 16 + o) * kGroups;
      for (int g = 0; g < kGroups; ++g) acc[g] += it[i][g] * wv[g];
    }
    float* dst = mid + o * kGroups;
    for (int g = 0; g < kGroups; ++g) dst[g] = acc[g];
  }
}

COSMICAI_CLONES
void pcm_project_token(const float* mid, const float* w2t, const float* b2t, float* x) {
  alignas(64) float acc[4][kGroups];
  for (int o = 0; o < 4; ++o) {
    for (int g = 0; g < kGroups; ++g) acc[o][g] = b2t[o * kGroups + g];
  }
  for (int m = 0; m < 16; ++m) {
    const float* mv = mid + m * kGroups;
    for (int o = 0; o < 4; ++o) {
      const float* wv = w2t + (m * 4 + o) * kGroups;
      for (int g = 0; g < kGroups; ++g) acc[o][g] += mv[g] * wv[g];
    }
  }
  for (int g = 0; g < kGroups; ++g) {
    for (int o = 0; o < 4; ++o) x[4 * g + o] += acc[o][g];
  }
}

// y = gelu(y + bias) over one row, with erf as ATen's vectorised CPU GELU computes it
// (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7), so results match PyTorch's to rounding.
COSMICAI_CLONES
void bias_gelu_row(float* y, const float* bias, std::int64_t n) {
  for (std::int64_t c = 0; c < n; ++c) {
    const float x = y[c] + bias[c];
    const float z = x * 0.70710678118654752440F;
    const float a = std::fabs(z);
    const float t = 1.0F / (0.3275911F * a + 1.0F);
    float r = 1.061405429F;
    r = r * t - 1.453152027F;
    r = r * t + 1.421413741F;
    r = r * t - 0.284496736F;
    r = r * t + 0.254829592F;
    const float e = 1.0F - r * t * exp_poly(-z * z);
    const float erf = std::copysign(e, z);
    y[c] = 0.5F * x * (1.0F + erf);
  }
}

// === Explicit AVX2 + FMA versions (chosen at run time where the CPU has both) ===
//
// The clones above leave the compiler to vectorise; for the attention core it kept the 64-wide
// output row in memory and re-read it for every key (measured 208 us a sample for what is ~3
// MFLOP). These keep every accumulator in a register.

#define COSMICAI_AVX2 __attribute__((target("avx2,fma")))

std::atomic<bool> g_portable{false};  // force_portable_kernels

bool have_avx2() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok && !g_portable.load(std::memory_order_relaxed);
}

// exp_poly on 8 lanes (same clamping, range reduction and polynomial).
COSMICAI_AVX2 inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-80.0F)), _mm256_set1_ps(88.0F));
  const __m256 magic = _mm256_set1_ps(12582912.0F);
  const __m256 fx = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341F), magic), magic);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375F), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4F), x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4F);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3F));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3F));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2F));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1F));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1F));
  y = _mm256_fmadd_ps(_mm256_mul_ps(y, x), x, _mm256_add_ps(x, _mm256_set1_ps(1.0F)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// 8×8 transpose of rows r[0..7] (8 floats each) into c[0..7].
COSMICAI_AVX2 inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Scores of keys j0..j0+J-1 for all (padded) queries: st[j][i] = Σ_d qt[d][i] k_j[d].
template <int J>
COSMICAI_AVX2 inline void scores_avx2(const float (*qt)[kQ], const float* k0, float (*st)[kQ], int j0) {
  __m256 a[J][3];
  for (int jj = 0; jj < J; ++jj) a[jj][0] = a[jj][1] = a[jj][2] = _mm256_setzero_ps();
  for (int d = 0; d < kHeadDim; ++d) {
    const __m256 q0 = _mm256_load_ps(qt[d]), q1 = _mm256_load_ps(qt[d] + 8), q2 = _mm256_load_ps(qt[d] + 16);
    for (int jj = 0; jj < J; ++jj) {
      const __m256 kb = _mm256_broadcast_ss(k0 + (j0 + jj) * kRow + d);
      a[jj][0] = _mm256_fmadd_ps(q0, kb, a[jj][0]);
      a[jj][1] = _mm256_fmadd_ps(q1, kb, a[jj][1]);
      a[jj][2] = _mm256_fmadd_ps(q2, kb, a[jj][2]);
    }
  }
  for (int jj = 0; jj < J; ++jj) {
    _mm256_store_ps(st[j0 + jj], a[jj][0]);
    _mm256_store_ps(st[j0 + jj] + 8, a[jj][1]);
    _mm256_store_ps(st[j0 + jj] + 16, a[jj][2]);
  }
}

// o_i = Σ_j p[j][i] v_j for queries i0..i0+I-1, 32 of the 64 dimensions (from `v0`).
template <int I>
COSMICAI_AVX2 inline void weighted_values_avx2(const float (*st)[kQ], const float* v0, float* out, int i0,
                                               const float* vb) {
  __m256 a[I][4];
  for (int ii = 0; ii < I; ++ii) a[ii][0] = a[ii][1] = a[ii][2] = a[ii][3] = _mm256_setzero_ps();
  for (int j = 0; j < kTokens; ++j) {
    const float* v = v0 + j * kRow;
    const __m256 v_0 = _mm256_loadu_ps(v), v_1 = _mm256_loadu_ps(v + 8), v_2 = _mm256_loadu_ps(v + 16),
                 v_3 = _mm256_loadu_ps(v + 24);
    for (int ii = 0; ii < I; ++ii) {
      const __m256 p = _mm256_broadcast_ss(&st[j][i0 + ii]);
      a[ii][0] = _mm256_fmadd_ps(p, v_0, a[ii][0]);
      a[ii][1] = _mm256_fmadd_ps(p, v_1, a[ii][1]);
      a[ii][2] = _mm256_fmadd_ps(p, v_2, a[ii][2]);
      a[ii][3] = _mm256_fmadd_ps(p, v_3, a[ii][3]);
    }
  }
  for (int ii = 0; ii < I; ++ii) {
    float* o = out + (i0 + ii) * kEmbed;
    for (int c = 0; c < 4; ++c) _mm256_storeu_ps(o + 8 * c, _mm256_add_ps(a[ii][c], _mm256_loadu_ps(vb + 8 * c)));
  }
}

// attend_one with explicit AVX2: the same computation (scores, max-shifted exp, weights
// normalised before the weighted sum of the values).
COSMICAI_AVX2 void attend_one_avx2(const float* qkv, float* out, int head, const float* q_bias, const float* v_bias) {
  alignas(32) static const float kZeros[kHeadDim] = {};
  const float* qb = q_bias != nullptr ? q_bias + head * kHeadDim : kZeros;
  const float* vb = v_bias != nullptr ? v_bias + head * kHeadDim : kZeros;
  alignas(32) float qt[kHeadDim][kQ];
  alignas(32) float st[kTokens][kQ];
  const float* q = qkv + head * kHeadDim;
  // qt[d][i] = q_i[d]: queries 0-15 by 8×8 transposes, query 16 and the zero padding by lanes.
  for (int i0 = 0; i0 < 16; i0 += 8) {
    for (int d0 = 0; d0 < kHeadDim; d0 += 8) {
      __m256 r[8];
      const __m256 bias = _mm256_loadu_ps(qb + d0);
      for (int i = 0; i < 8; ++i) r[i] = _mm256_add_ps(_mm256_loadu_ps(q + (i0 + i) * kRow + d0), bias);
      transpose8(r);
      for (int d = 0; d < 8; ++d) _mm256_store_ps(&qt[d0 + d][i0], r[d]);
    }
  }
  for (int d = 0; d < kHeadDim; ++d) {
    _mm256_store_ps(&qt[d][16], _mm256_setr_ps(q[16 * kRow + d] + qb[d], 0, 0, 0, 0, 0, 0, 0));
  }
  const float* k0 = qkv + kEmbed + head * kHeadDim;
  scores_avx2<4>(qt, k0, st, 0);
  scores_avx2<4>(qt, k0, st, 4);
  scores_avx2<4>(qt, k0, st, 8);
  scores_avx2<4>(qt, k0, st, 12);
  scores_avx2<1>(qt, k0, st, 16);
  __m256 m[3], sum[3];
  for (int c = 0; c < 3; ++c) {
    m[c] = _mm256_load_ps(st[0] + 8 * c);
    for (int j = 1; j < kTokens; ++j) m[c] = _mm256_max_ps(m[c], _mm256_load_ps(st[j] + 8 * c));
    sum[c] = _mm256_setzero_ps();
    for (int j = 0; j < kTokens; ++j) {
      const __m256 e = exp8(_mm256_sub_ps(_mm256_load_ps(st[j] + 8 * c), m[c]));
      _mm256_store_ps(st[j] + 8 * c, e);
      sum[c] = _mm256_add_ps(sum[c], e);
    }
    const __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0F), sum[c]);
    for (int j = 0; j < kTokens; ++j) _mm256_store_ps(st[j] + 8 * c, _mm256_mul_ps(_mm256_load_ps(st[j] + 8 * c), inv));
  }
  const float* v0 = qkv + 2 * kEmbed + head * kHeadDim;
  float* o = out + head * kHeadDim;
  for (int half = 0; half < 2; ++half) {
    for (int i0 = 0; i0 < 15; i0 += 3) weighted_values_avx2<3>(st, v0 + 32 * half, o + 32 * half, i0, vb + 32 * half);
    weighted_values_avx2<2>(st, v0 + 32 * half, o + 32 * half, 15, vb + 32 * half);
  }
}

// === PCM fused, AVX2: expand → SiLU → project → add, one token at a time, all in registers ===
//
// The unfused path writes the 768-channel middle (6.3 MB a micro-batch) to memory, runs ATen's
// SiLU over it and reads it back. Here a token's 48 groups are 6 vectors of 8 groups; the input's
// 4 channels per group are de-interleaved by unpack/shuffle, which leaves the groups of a vector in
// the order kLaneGroup, so the packed weights use that order too.
constexpr int kLaneGroup[8] = {0, 2, 4, 6, 1, 3, 5, 7};
constexpr int kPcmPackPerVector = 16 * (4 + 1 + 4) * 8 + 4 * 8;  // per m: w1[i], b1, w2[o]; then b2[o]

COSMICAI_AVX2 inline __m256 silu8(__m256 x) {
  // x / (1 + exp(-x)), the reciprocal by rcp and one Newton step (relative error ~1e-7).
  const __m256 d = _mm256_add_ps(_mm256_set1_ps(1.0F), exp8(_mm256_sub_ps(_mm256_setzero_ps(), x)));
  __m256 r = _mm256_rcp_ps(d);
  r = _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.0F)));
  return _mm256_mul_ps(x, r);
}

COSMICAI_AVX2 void pcm_fused_token(const float* packed, float* x) {
  for (int gv = 0; gv < kGroups / 8; ++gv) {
    float* xg = x + gv * 32;
    const __m256 r0 = _mm256_loadu_ps(xg), r1 = _mm256_loadu_ps(xg + 8), r2 = _mm256_loadu_ps(xg + 16),
                 r3 = _mm256_loadu_ps(xg + 24);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 in0 = _mm256_shuffle_ps(t0, t2, 0x44), in1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 in2 = _mm256_shuffle_ps(t1, t3, 0x44), in3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const float* w = packed + gv * kPcmPackPerVector;
    const float* b2 = w + 16 * 9 * 8;
    __m256 a0 = _mm256_loadu_ps(b2), a1 = _mm256_loadu_ps(b2 + 8), a2 = _mm256_loadu_ps(b2 + 16),
           a3 = _mm256_loadu_ps(b2 + 24);
    for (int m = 0; m < 16; ++m, w += 72) {
      __m256 h = _mm256_loadu_ps(w + 32);  // b1
      h = _mm256_fmadd_ps(in0, _mm256_loadu_ps(w), h);
      h = _mm256_fmadd_ps(in1, _mm256_loadu_ps(w + 8), h);
      h = _mm256_fmadd_ps(in2, _mm256_loadu_ps(w + 16), h);
      h = _mm256_fmadd_ps(in3, _mm256_loadu_ps(w + 24), h);
      h = silu8(h);
      a0 = _mm256_fmadd_ps(h, _mm256_loadu_ps(w + 40), a0);
      a1 = _mm256_fmadd_ps(h, _mm256_loadu_ps(w + 48), a1);
      a2 = _mm256_fmadd_ps(h, _mm256_loadu_ps(w + 56), a2);
      a3 = _mm256_fmadd_ps(h, _mm256_loadu_ps(w + 64), a3);
    }
    // Back to 4 channels per group, in group order, added into the token.
    const __m256 u0 = _mm256_unpacklo_ps(a0, a1), u1 = _mm256_unpackhi_ps(a0, a1);
    const __m256 u2 = _mm256_unpacklo_ps(a2, a3), u3 = _mm256_unpackhi_ps(a2, a3);
    _mm256_storeu_ps(xg, _mm256_add_ps(r0, _mm256_shuffle_ps(u0, u2, 0x44)));
    _mm256_storeu_ps(xg + 8, _mm256_add_ps(r1, _mm256_shuffle_ps(u0, u2, 0xEE)));
    _mm256_storeu_ps(xg + 16, _mm256_add_ps(r2, _mm256_shuffle_ps(u1, u3, 0x44)));
    _mm256_storeu_ps(xg + 24, _mm256_add_ps(r3, _mm256_shuffle_ps(u1, u3, 0xEE)));
  }
}

// bias_gelu_row with explicit AVX2. erf(z) as a rational function of z on [-4, 4] (Eigen's float
// erf: odd degree-13 numerator, even degree-8 denominator, |error| ≤ 4.2e-7 against A-S's 1.5e-7),
// which needs no exp: ~20 operations a vector instead of ~30 for Abramowitz-Stegun 7.1.26.
COSMICAI_AVX2 void bias_gelu_row_avx2(float* y, const float* bias, std::int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0F), two = _mm256_set1_ps(2.0F);
  std::int64_t c = 0;
  for (; c + 8 <= n; c += 8) {
    const __m256 x = _mm256_add_ps(_mm256_loadu_ps(y + c), _mm256_loadu_ps(bias + c));
    __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752440F));
    z = _mm256_min_ps(_mm256_max_ps(z, _mm256_set1_ps(-4.0F)), _mm256_set1_ps(4.0F));
    const __m256 z2 = _mm256_mul_ps(z, z);
    __m256 p = _mm256_set1_ps(-2.72614225801306e-10F);
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(2.77068142495902e-08F));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.10102402082508e-06F));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-5.69250639462346e-05F));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-7.34990630326855e-04F));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.95459980854025e-03F));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-1.60960333262415e-02F));
    p = _mm256_mul_ps(p, z);
    __m256 q = _mm256_set1_ps(-1.45660718464996e-05F);
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-2.13374055278905e-04F));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.68282697438203e-03F));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-7.37332916720468e-03F));
    q = _mm256_fmadd_ps(q, z2, _mm256_set1_ps(-1.42647390514189e-02F));
    __m256 r = _mm256_rcp_ps(q);
    r = _mm256_mul_ps(r, _mm256_fnmadd_ps(q, r, two));
    // |z| ≥ 3.92: erf is ±1 in float (the rational form is 4e-7 off near 4).
    const __m256 far = _mm256_cmp_ps(_mm256_mul_ps(z, z), _mm256_set1_ps(3.92F * 3.92F), _CMP_GE_OQ);
    const __m256 erf =
        _mm256_blendv_ps(_mm256_mul_ps(p, r), _mm256_or_ps(one, _mm256_and_ps(_mm256_set1_ps(-0.0F), z)), far);
    _mm256_storeu_ps(y + c, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5F), x), _mm256_add_ps(one, erf)));
  }
  if (c < n) bias_gelu_row(y + c, bias + c, n - c);
}

COSMICAI_AVX2 inline float hsum(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

// LayerNorm over rows of n (a multiple of 8): mean, then the variance of the deviations (two
// passes over the row, which stays in L1), as ATen's (biased variance, eps inside the root).
COSMICAI_AVX2 void layer_norm_row_avx2(float* x, float* y, std::int64_t n, const float* w, const float* b, float eps,
                                       const float* add_first) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  std::int64_t c = 0;
  if (add_first != nullptr) {
    for (c = 0; c < n; c += 8)
      _mm256_storeu_ps(x + c, _mm256_add_ps(_mm256_loadu_ps(x + c), _mm256_loadu_ps(add_first + c)));
    c = 0;
  }
  for (; c + 16 <= n; c += 16) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + c));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + c + 8));
  }
  for (; c < n; c += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + c));
  const float mean = hsum(_mm256_add_ps(s0, s1)) / static_cast<float>(n);
  const __m256 m = _mm256_set1_ps(mean);
  s0 = _mm256_setzero_ps();
  s1 = _mm256_setzero_ps();
  for (c = 0; c + 16 <= n; c += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + c), m), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + c + 8), m);
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
  }
  for (; c < n; c += 8) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + c), m);
    s0 = _mm256_fmadd_ps(d0, d0, s0);
  }
  const float var = hsum(_mm256_add_ps(s0, s1)) / static_cast<float>(n);
  const __m256 rstd = _mm256_set1_ps(1.0F / std::sqrt(var + eps));
  for (c = 0; c < n; c += 8) {
    const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + c), m), rstd);
    _mm256_storeu_ps(y + c, _mm256_fmadd_ps(d, _mm256_loadu_ps(w + c), _mm256_loadu_ps(b + c)));
  }
}
}  // namespace

void layer_norm(float* x, std::int64_t ldx, float* y, std::int64_t rows, std::int64_t n, const float* w, const float* b,
                float eps, const float* add_first) {
  at::parallel_for(0, rows, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      float* xr = x + r * ldx;
      float* yr = y + r * n;
      if (have_avx2() && n % 8 == 0) {
        layer_norm_row_avx2(xr, yr, n, w, b, eps, add_first);
        continue;
      }
      if (add_first != nullptr) {
        for (std::int64_t c = 0; c < n; ++c) xr[c] += add_first[c];
      }
      double sum = 0;
      for (std::int64_t c = 0; c < n; ++c) sum += xr[c];
      const double mean = sum / static_cast<double>(n);
      double sq = 0;
      for (std::int64_t c = 0; c < n; ++c) sq += (xr[c] - mean) * (xr[c] - mean);
      const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
      for (std::int64_t c = 0; c < n; ++c) yr[c] = static_cast<float>((xr[c] - mean) * rstd * w[c] + b[c]);
    }
  });
}

void bias_gelu(float* y, const float* bias, std::int64_t rows, std::int64_t n) {
  at::parallel_for(0, rows, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      if (have_avx2())
        bias_gelu_row_avx2(y + r * n, bias, n);
      else
        bias_gelu_row(y + r * n, bias, n);
    }
  });
}

void max_pool_3x3(const float* in, float* out, std::int64_t planes, int h, int w) {
  if (h * w > 64 * 64) throw std::invalid_argument("max_pool_3x3: planes up to 64x64 only");
  at::parallel_for(0, planes, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) pool_plane(in + p * h * w, out + p * h * w, h, w);
  });
}

void force_portable_kernels(bool on) { g_portable.store(on); }

bool pcm_fused_available() { return have_avx2(); }

std::vector<float> pcm_pack(const float* w1t, const float* b1t, const float* w2t, const float* b2t) {
  std::vector<float> p(static_cast<std::size_t>(kGroups / 8 * kPcmPackPerVector));
  for (int gv = 0; gv < kGroups / 8; ++gv) {
    float* w = p.data() + gv * kPcmPackPerVector;
    for (int m = 0; m < 16; ++m, w += 72) {
      for (int l = 0; l < 8; ++l) {
        const int g = gv * 8 + kLaneGroup[l];
        for (int i = 0; i < 4; ++i) w[8 * i + l] = w1t[(i * 16 + m) * kGroups + g];
        w[32 + l] = b1t[m * kGroups + g];
        for (int o = 0; o < 4; ++o) w[40 + 8 * o + l] = w2t[(m * 4 + o) * kGroups + g];
      }
    }
    for (int l = 0; l < 8; ++l) {
      for (int o = 0; o < 4; ++o) w[8 * o + l] = b2t[o * kGroups + gv * 8 + kLaneGroup[l]];
    }
  }
  return p;
}

void pcm_fused(const float* packed, float* x, std::int64_t batch) {
  if (!have_avx2()) throw std::logic_error("pcm_fused needs AVX2 and FMA (see pcm_fused_available)");
  at::parallel_for(0, batch * kPatches, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / kPatches;
      const std::int64_t p = t % kPatches;
      pcm_fused_token(packed, x + (b * kTokens + 1 + p) * kEmbed);
    }
  });
}

void pcm_expand(const float* x, const float* w1t, const float* b1t, float* mid, std::int64_t batch) {
  at::parallel_for(0, batch * kPatches, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / kPatches;
      const std::int64_t p = t % kPatches;
      pcm_expand_token(x + (b * kTokens + 1 + p) * kEmbed, w1t, b1t, mid + t * 16 * kGroups);
    }
  });
}

void pcm_project_add(const float* mid, const float* w2t, const float* b2t, float* x, std::int64_t batch) {
  at::parallel_for(0, batch * kPatches, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / kPatches;
      const std::int64_t p = t % kPatches;
      pcm_project_token(mid + t * 16 * kGroups, w2t, b2t, x + (b * kTokens + 1 + p) * kEmbed);
    }
  });
}

void attention_17x3x64(const float* qkv, float* out, std::int64_t batch, const float* q_bias, const float* v_bias) {
  at::parallel_for(0, batch * kHeads, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t bh = begin; bh < end; ++bh) {
      const std::int64_t b = bh / kHeads;
      const int head = static_cast<int>(bh % kHeads);
      if (have_avx2())
        attend_one_avx2(qkv + b * kTokens * kRow, out + b * kTokens * kEmbed, head, q_bias, v_bias);
      else
        attend_one(qkv + b * kTokens * kRow, out + b * kTokens * kEmbed, head, q_bias, v_bias);
    }
  });
}

}  // namespace cosmicai::model::kernels

// === NHWC convolutions for the Inception branch (AVX2 + FMA) ===
//
// ATen ran these as NCHW convolutions (im2col + a GEMM with 16 output channels) followed by ReLU
// passes and a concatenation copy; here each convolution is a register-blocked direct kernel over
// P pixels of a row × 8·NV output channels that adds the bias, applies ReLU and stores straight
// into its channel range of the block's (already concatenated) output.

namespace cosmicai::model::kernels {
namespace {

template <int NV, int P>
COSMICAI_AVX2 void conv_tile(const float* in, std::int64_t in_row, std::int64_t in_px, int k, int cin, const float* w,
                             int cout_pad, const float* bias, int cout_left, float* out, std::int64_t out_px,
                             bool relu) {
  __m256 acc[P][NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    const __m256 b = _mm256_loadu_ps(bias + 8 * v);
#pragma GCC unroll 12
    for (int p = 0; p < P; ++p) acc[p][v] = b;
  }
  for (int ky = 0; ky < k; ++ky) {
    for (int kx = 0; kx < k; ++kx) {
      const float* ip = in + ky * in_row + kx * in_px;
      const float* wp = w + static_cast<std::int64_t>(ky * k + kx) * cin * cout_pad;
      for (int ci = 0; ci < cin; ++ci, wp += cout_pad) {
        __m256 wv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) wv[v] = _mm256_loadu_ps(wp + 8 * v);
#pragma GCC unroll 12
        for (int p = 0; p < P; ++p) {
          const __m256 a = _mm256_broadcast_ss(ip + p * in_px + ci);
#pragma GCC unroll 2
          for (int v = 0; v < NV; ++v) acc[p][v] = _mm256_fmadd_ps(a, wv[v], acc[p][v]);
        }
      }
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 12
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      __m256 r = relu ? _mm256_max_ps(acc[p][v], zero) : acc[p][v];
      float* o = out + p * out_px + 8 * v;
      const int left = cout_left - 8 * v;
      if (left >= 8) {
        _mm256_storeu_ps(o, r);
      } else {
        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_maskstore_ps(o, _mm256_cmpgt_epi32(_mm256_set1_epi32(left), idx), r);
      }
    }
  }
}

template <int NV, int PMax>
COSMICAI_AVX2 void conv_row(const float* in, std::int64_t in_row, std::int64_t in_px, int out_w, int k, int cin,
                            const float* w, int cout_pad, const float* bias, int cout_left, float* out,
                            std::int64_t out_px, bool relu) {
  int x = 0;
  for (; x + PMax <= out_w; x += PMax)
    conv_tile<NV, PMax>(in + x * in_px, in_row, in_px, k, cin, w, cout_pad, bias, cout_left, out + x * out_px, out_px,
                        relu);
  for (; x + 4 <= out_w; x += 4)
    conv_tile<NV, 4>(in + x * in_px, in_row, in_px, k, cin, w, cout_pad, bias, cout_left, out + x * out_px, out_px,
                     relu);
  for (; x < out_w; ++x)
    conv_tile<NV, 1>(in + x * in_px, in_row, in_px, k, cin, w, cout_pad, bias, cout_left, out + x * out_px, out_px,
                     relu);
}

}  // namespace

bool conv_nhwc_available() { return have_avx2(); }

std::vector<float> pack_conv_nhwc(const float* w_oihw, int cout, int cin, int k) {
  const int cout_pad = (cout + 7) / 8 * 8;
  std::vector<float> p(static_cast<std::size_t>(k) * k * cin * cout_pad, 0.0F);
  for (int o = 0; o < cout; ++o)
    for (int i = 0; i < cin; ++i)
      for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx)
          p[((static_cast<std::size_t>(ky) * k + kx) * cin + i) * cout_pad + o] = w_oihw[((o * cin + i) * k + ky) * k + kx];
  return p;
}

void conv_nhwc(const NhwcView& in, const NhwcView& out, int images, int out_h, int out_w, int k, int cin, int cout,
               const float* w_packed, const float* bias_padded, bool relu) {
  if (!have_avx2()) throw std::logic_error("conv_nhwc needs AVX2 and FMA (see conv_nhwc_available)");
  const int cout_pad = (cout + 7) / 8 * 8;
  for (int n = 0; n < images; ++n) {
    for (int y = 0; y < out_h; ++y) {
      const float* irow = in.data + n * in.image + y * in.row;
      float* orow = out.data + n * out.image + y * out.row;
      int c = 0;
      for (; c + 16 <= cout_pad; c += 16)
        conv_row<2, 6>(irow, in.row, in.pixel, out_w, k, cin, w_packed + c, cout_pad, bias_padded + c, cout - c,
                       orow + c, out.pixel, relu);
      if (c < cout_pad)
        conv_row<1, 12>(irow, in.row, in.pixel, out_w, k, cin, w_packed + c, cout_pad, bias_padded + c, cout - c,
                        orow + c, out.pixel, relu);
    }
  }
}

COSMICAI_AVX2 void max_pool_3x3_nhwc(const float* in, float* out, int images, int h, int w, int c) {
  if (!have_avx2() || c % 8 != 0) throw std::logic_error("max_pool_3x3_nhwc needs AVX2 and channels in 8s");
  // Separable: the max over each pixel's row neighbours (x-1..x+1) into `rows`, then over y-1..y+1.
  const std::int64_t rc = static_cast<std::int64_t>(w) * c;
  std::vector<float> rows(static_cast<std::size_t>(h) * rc);
  for (int n = 0; n < images; ++n) {
    const float* im = in + n * h * rc;
    float* om = out + n * h * rc;
    for (int y = 0; y < h; ++y) {
      const float* r = im + y * rc;
      float* m = rows.data() + y * rc;
      for (int x = 0; x < w; ++x) {
        const float* l = r + std::max(x - 1, 0) * c;
        const float* mid = r + x * c;
        const float* rt = r + std::min(x + 1, w - 1) * c;
        for (int ch = 0; ch < c; ch += 8)
          _mm256_storeu_ps(m + x * c + ch, _mm256_max_ps(_mm256_max_ps(_mm256_loadu_ps(l + ch), _mm256_loadu_ps(mid + ch)),
                                                         _mm256_loadu_ps(rt + ch)));
      }
    }
    for (int y = 0; y < h; ++y) {
      const float* a = rows.data() + std::max(y - 1, 0) * rc;
      const float* b = rows.data() + y * rc;
      const float* d = rows.data() + std::min(y + 1, h - 1) * rc;
      float* o = om + y * rc;
      for (std::int64_t e = 0; e < rc; e += 8)
        _mm256_storeu_ps(o + e, _mm256_max_ps(_mm256_max_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e)),
                                              _mm256_loadu_ps(d + e)));
    }
  }
}

COSMICAI_AVX2 void avg_pool_2x2_nhwc(const float* in, float* out, int images, int h, int w, int c) {
  if (!have_avx2() || c % 8 != 0) throw std::logic_error("avg_pool_2x2_nhwc needs AVX2 and channels in 8s");
  const int oh = h / 2, ow = w / 2;
  const __m256 q = _mm256_set1_ps(0.25F);
  for (int n = 0; n < images; ++n) {
    const float* im = in + static_cast<std::int64_t>(n) * h * w * c;
    float* om = out + static_cast<std::int64_t>(n) * oh * ow * c;
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        const float* a = im + (static_cast<std::int64_t>(2 * y) * w + 2 * x) * c;
        const float* b = a + static_cast<std::int64_t>(w) * c;
        for (int ch = 0; ch < c; ch += 8) {
          const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(a + ch), _mm256_loadu_ps(a + c + ch)),
                                         _mm256_add_ps(_mm256_loadu_ps(b + ch), _mm256_loadu_ps(b + c + ch)));
          _mm256_storeu_ps(om + (static_cast<std::int64_t>(y) * ow + x) * c + ch, _mm256_mul_ps(s, q));
        }
      }
    }
  }
}

}  // namespace cosmicai::model::kernels
