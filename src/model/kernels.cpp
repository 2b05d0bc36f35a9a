#include "model/kernels.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

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
void attend_one(const float* qkv, float* out, int head) {
  alignas(64) float qt[kHeadDim][kQ];
  alignas(64) float st[kTokens][kQ];
  for (int d = 0; d < kHeadDim; ++d) {
    for (int i = kTokens; i < kQ; ++i) qt[d][i] = 0.0F;
  }
  for (int i = 0; i < kTokens; ++i) {
    const float* q = qkv + i * kRow + head * kHeadDim;
    for (int d = 0; d < kHeadDim; ++d) qt[d][i] = q[d];
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
    for (int d = 0; d < kHeadDim; ++d) dst[d] = o[d];
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

}  // namespace

void bias_gelu(float* y, const float* bias, std::int64_t rows, std::int64_t n) {
  at::parallel_for(0, rows, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) bias_gelu_row(y + r * n, bias, n);
  });
}

void max_pool_3x3(const float* in, float* out, std::int64_t planes, int h, int w) {
  if (h * w > 64 * 64) throw std::invalid_argument("max_pool_3x3: planes up to 64x64 only");
  at::parallel_for(0, planes, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) pool_plane(in + p * h * w, out + p * h * w, h, w);
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

void attention_17x3x64(const float* qkv, float* out, std::int64_t batch) {
  at::parallel_for(0, batch * kHeads, 16, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t bh = begin; bh < end; ++bh) {
      const std::int64_t b = bh / kHeads;
      attend_one(qkv + b * kTokens * kRow, out + b * kTokens * kEmbed, static_cast<int>(bh % kHeads));
    }
  });
}

}  // namespace cosmicai::model::kernels
