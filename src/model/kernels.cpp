#include "model/kernels.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
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

#define COSMICAI_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("O3", "fp-contract=fast")))

// One (sample, head): scores via k transposed so the inner loops run over independent lanes
// (vectorisable without re-associating sums), then softmax, then the weighted sum of v.
COSMICAI_CLONES
void attend_one(const float* qkv, float* out, int head) {
  alignas(64) float kt[kHeadDim][kPad];
  alignas(64) float s[kPad];
  alignas(64) float o[kHeadDim];
  for (int d = 0; d < kHeadDim; ++d) {
    for (int j = 0; j < kPad; ++j) kt[d][j] = 0.0F;
  }
  for (int j = 0; j < kTokens; ++j) {
    const float* k = qkv + j * kRow + kEmbed + head * kHeadDim;
    for (int d = 0; d < kHeadDim; ++d) kt[d][j] = k[d];
  }
  for (int i = 0; i < kTokens; ++i) {
    const float* q = qkv + i * kRow + head * kHeadDim;
    for (int j = 0; j < kPad; ++j) s[j] = 0.0F;
    for (int d = 0; d < kHeadDim; ++d) {
      const float qd = q[d];
      for (int j = 0; j < kPad; ++j) s[j] += qd * kt[d][j];
    }
    float m = s[0];
    for (int j = 1; j < kTokens; ++j) m = std::max(m, s[j]);
    float sum = 0.0F;
    for (int j = 0; j < kTokens; ++j) {
      s[j] = std::exp(s[j] - m);
      sum += s[j];
    }
    for (int d = 0; d < kHeadDim; ++d) o[d] = 0.0F;
    for (int j = 0; j < kTokens; ++j) {
      const float p = s[j] / sum;
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
    float* dst = mid + o * kGroups;
    const float* b = b1t + o * kGroups;
    for (int g = 0; g < kGroups; ++g) dst[g] = b[g];
    for (int i = 0; i < 4; ++i) {
      const float* wv = w1t + (i * 16 + o) * kGroups;
      for (int g = 0; g < kGroups; ++g) dst[g] += it[i][g] * wv[g];
    }
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

}  // namespace

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
