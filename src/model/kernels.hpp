#pragma once
/// Hand-written CPU kernels for the shapes of AstroMAE's encoder where ATen's generic kernels
/// spend more time in dispatch and copies than in arithmetic. Explicit AVX2 + FMA versions where
/// the CPU has both (chosen at run time), else auto-vectorised clones for AVX-512, AVX2 and
/// baseline x86-64. Torch-free header.
#include <cstdint>
#include <vector>

namespace cosmicai::model::kernels {

/// Multi-head self-attention core for 17 tokens, 3 heads of 64: for every sample b and head h,
/// `out[b,i,h*64:(h+1)*64] = softmax_j(q_i · k_j) v_j`, with q, k, v read from `qkv` rows
/// `[q(192) | k(192) | v(192)]` (the 1/8 scale already folded into q). `qkv` is (batch·17, 576)
/// and `out` (batch·17, 192), both row-major. Runs on ATen's intra-op threads.
/// `q_bias` / `v_bias` (192 each, may be null) are added to q and v as they are read, so the qkv
/// GEMM need not write them: the v bias as `out += v_bias` (the weights sum to 1). (A k bias would
/// add a per-query constant to the scores, which softmax ignores; AstroMAE has none.)
void attention_17x3x64(const float* qkv, float* out, std::int64_t batch, const float* q_bias = nullptr,
                       const float* v_bias = nullptr);

/// 3×3 max pooling with stride 1 and padding 1 over `planes` contiguous h×w planes (NCHW).
void max_pool_3x3(const float* in, float* out, std::int64_t planes, int h, int w);

/// `y = gelu(y + bias)` in place over a row-major (rows, n) matrix, GELU the exact (erf) form. erf:
/// on AVX2 CPUs a rational function without exp (|error| ≤ 4.2e-7); elsewhere as ATen's vectorised
/// CPU kernel computes it (Abramowitz-Stegun 7.1.26, 1.5e-7). The fused epilogue of the MLP's fc1.
void bias_gelu(float* y, const float* bias, std::int64_t rows, std::int64_t n);

/// First half of the PCM for the patch tokens of `x` (batch, 17, 192), tokens 1..16: the grouped
/// 1×1 convolution 192 -> 768 (48 groups of 4 -> 16, BatchNorm folded in). Writes `mid`
/// (batch·16, 16, 48), i.e. channel 16g+o at [o][g]. `w1t` is (4,16,48) = [i][o][g], `b1t` (16,48).
void pcm_expand(const float* x, const float* w1t, const float* b1t, float* mid, std::int64_t batch);

/// Second half of the PCM: the grouped 1×1 convolution 768 -> 192 (48 groups of 16 -> 4) of
/// `mid` (after the activation), added into the patch tokens of `x` (batch, 17, 192).
/// `w2t` is (16,4,48) = [m][o][g], `b2t` (4,48).
void pcm_project_add(const float* mid, const float* w2t, const float* b2t, float* x, std::int64_t batch);

/// LayerNorm over the last dimension: `y[r] = (x[r] − mean) / sqrt(var + eps) · w + b` for `rows`
/// rows of `n` (x rows `ldx` apart, y packed), biased variance as ATen's layer_norm. With
/// `add_first` (n values, may be null), `x[r] += add_first` in place first (a residual stream's
/// pending bias), and the row is normalised from there.
void layer_norm(float* x, std::int64_t ldx, float* y, std::int64_t rows, std::int64_t n, const float* w, const float* b,
                float eps, const float* add_first = nullptr);

/// For tests: while on, every kernel runs its portable (auto-vectorised) version even where the
/// CPU has AVX2 and FMA, and pcm_fused_available() is false.
void force_portable_kernels(bool on);

/// True when pcm_fused runs here (AVX2 and FMA).
bool pcm_fused_available();

/// The PCM weights (laid out as for pcm_expand / pcm_project_add) packed for pcm_fused.
std::vector<float> pcm_pack(const float* w1t, const float* b1t, const float* w2t, const float* b2t);

/// The whole PCM, `x[:,1:] += project(silu(expand(x[:,1:])))` in place over `x` (batch, 17, 192),
/// one token at a time with the 768-channel middle in registers (AVX2 + FMA only: check
/// pcm_fused_available). SiLU's reciprocal is rcp + one Newton step (~1e-7 relative).
void pcm_fused(const float* packed, float* x, std::int64_t batch);

/// A float32 NHWC activation view: element (n, y, x, c) at `data[n*image + y*row + x*pixel + c]`.
struct NhwcView {
  float* data;
  std::int64_t image, row, pixel;
};

/// True when conv_nhwc and the NHWC pools run here (AVX2 and FMA).
bool conv_nhwc_available();

/// A convolution's (cout, cin, k, k) weights packed for conv_nhwc: [ky][kx][ci][cout rounded up to 8].
std::vector<float> pack_conv_nhwc(const float* w_oihw, int cout, int cin, int k);

/// A stride-1 k×k convolution over `images` NHWC images, `out[n,y,x,0:cout] = act(bias +
/// Σ in[n, y+ky, x+kx, ci] · w)`, act ReLU or none. `in` points at the input pixel under the
/// window's top-left tap of output (0,0), so padding is the caller's: a zero border in its buffer.
/// `bias_padded` holds cout rounded up to 8 values. Writes only channels 0..cout of each output
/// pixel (so a branch can write its slice of a concatenated output). AVX2 + FMA only.
void conv_nhwc(const NhwcView& in, const NhwcView& out, int images, int out_h, int out_w, int k, int cin, int cout,
               const float* w_packed, const float* bias_padded, bool relu);

/// 3×3 max pooling, stride 1, padding 1, over contiguous NHWC images (c a multiple of 8). AVX2 only.
void max_pool_3x3_nhwc(const float* in, float* out, int images, int h, int w, int c);

/// 2×2 average pooling, stride 2, over contiguous NHWC images (c a multiple of 8). AVX2 only.
void avg_pool_2x2_nhwc(const float* in, float* out, int images, int h, int w, int c);

}  // namespace cosmicai::model::kernels
