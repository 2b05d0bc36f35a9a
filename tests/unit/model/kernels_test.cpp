// The hand-written kernels against the ATen operations they replace, on random inputs.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <tuple>

#include "model/gemm.hpp"
#include "model/gemm_probe.hpp"
#include "model/kernels.hpp"

namespace cosmicai::model {
namespace {

double max_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// Runs the kernel tests twice: with the explicit AVX2 kernels where the CPU has them, and with the
// portable versions that other CPUs run.
class KernelsBothPaths : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { kernels::force_portable_kernels(GetParam()); }
  void TearDown() override { kernels::force_portable_kernels(false); }
};

TEST_P(KernelsBothPaths, AttentionMatchesSoftmaxOfScaledScores) {
  at::manual_seed(3);
  for (std::int64_t batch : {1, 5}) {
    at::Tensor qkv = at::randn({batch * 17, 576}) * 0.5;  // scores with std ~2, as in the model
    at::Tensor out = at::empty({batch * 17, 192});
    kernels::attention_17x3x64(qkv.data_ptr<float>(), out.data_ptr<float>(), batch);
    at::Tensor v5 = qkv.view({batch, 17, 3, 3, 64}).permute({2, 0, 3, 1, 4});
    at::Tensor attn = at::softmax(at::matmul(v5[0], v5[1].transpose(-2, -1)), -1);
    at::Tensor ref = at::matmul(attn, v5[2]).transpose(1, 2).reshape({batch * 17, 192});
    EXPECT_LE(max_diff(out, ref), 1e-6) << "batch " << batch;

    // q and v biases added as the kernel reads them: the same as adding them to qkv first.
    at::Tensor qb = at::randn({192}), vb = at::randn({192});
    at::Tensor biased = qkv.clone();
    biased.slice(1, 0, 192).add_(qb);
    biased.slice(1, 384, 576).add_(vb);
    at::Tensor want = at::empty({batch * 17, 192}), got = at::empty({batch * 17, 192});
    kernels::attention_17x3x64(biased.data_ptr<float>(), want.data_ptr<float>(), batch);
    kernels::attention_17x3x64(qkv.data_ptr<float>(), got.data_ptr<float>(), batch, qb.data_ptr<float>(),
                               vb.data_ptr<float>());
    // (v's bias is added after the weighted sum, not to each value: rounding, |out| up to ~8 here.)
    EXPECT_LE(max_diff(got, want), 2e-6) << "batch " << batch;
  }
}

TEST_P(KernelsBothPaths, AttentionStaysExactWhenScoresSpreadFarBeyondExpRange) {
  // Scores with a spread of several hundred: most softmax weights underflow (the kernel's exp
  // clamps at exp(-80)) and one key dominates; the result must still equal ATen's softmax.
  at::manual_seed(8);
  at::Tensor qkv = at::randn({2 * 17, 576}) * 4;
  // Small values: the scores' own float rounding (~1e-5 relative of ~300) moves the weights by
  // ~3e-5, so keep |v| ~0.05 to test the exp path rather than the score rounding.
  qkv.view({2 * 17, 3, 192}).select(1, 2).mul_(0.0125);
  at::Tensor out = at::empty({2 * 17, 192});
  kernels::attention_17x3x64(qkv.data_ptr<float>(), out.data_ptr<float>(), 2);
  at::Tensor v5 = qkv.view({2, 17, 3, 3, 64}).permute({2, 0, 3, 1, 4});
  at::Tensor scores = at::matmul(v5[0], v5[1].transpose(-2, -1));
  ASSERT_GT((scores.amax(-1) - scores.amin(-1)).max().item<double>(), 200.0);
  at::Tensor ref = at::matmul(at::softmax(scores, -1), v5[2]).transpose(1, 2).reshape({2 * 17, 192});
  EXPECT_LE(max_diff(out, ref), 1e-5);
  EXPECT_FALSE(out.isnan().any().item<bool>());
}

TEST(Kernels, MaxPoolMatchesAtenAtEveryShapeIncludingBorders) {
  at::manual_seed(4);
  for (auto [h, w] : {std::pair{16, 16}, {8, 8}, {4, 4}, {5, 7}, {1, 3}, {2, 1}}) {
    at::Tensor x = at::randn({3, 4, h, w});
    at::Tensor out = at::empty_like(x);
    kernels::max_pool_3x3(x.data_ptr<float>(), out.data_ptr<float>(), 12, h, w);
    EXPECT_TRUE(at::equal(out, at::max_pool2d(x, {3, 3}, {1, 1}, {1, 1}))) << h << "x" << w;
  }
  std::vector<float> big(65 * 65);
  EXPECT_THROW(kernels::max_pool_3x3(big.data(), big.data(), 1, 65, 65), std::invalid_argument);
}

TEST_P(KernelsBothPaths, PcmMatchesGroupedConvolutions) {
  at::manual_seed(5);
  const std::int64_t batch = 3;
  at::Tensor x = at::randn({batch, 17, 192});
  at::Tensor w1 = at::randn({768, 4, 1, 1}) * 0.3, b1 = at::randn({768});
  at::Tensor w2 = at::randn({192, 16, 1, 1}) * 0.3, b2 = at::randn({192});
  // Reference: the PCM of NormalCell on the raw patch tokens (no BatchNorm here).
  at::Tensor grid = x.slice(1, 1).reshape({batch, 4, 4, 192}).permute({0, 3, 1, 2}).contiguous();
  const std::vector<std::int64_t> one{1, 1}, zero{0, 0};
  at::Tensor conv = at::conv2d(at::silu(at::conv2d(grid, w1, b1, one, at::IntArrayRef(zero), one, 48)), w2, b2, one,
                               at::IntArrayRef(zero), one, 48);
  at::Tensor expected = x.clone();
  expected.slice(1, 1).add_(conv.permute({0, 2, 3, 1}).reshape({batch, 16, 192}));

  at::Tensor w1t = w1.reshape({48, 16, 4}).permute({2, 1, 0}).contiguous();
  at::Tensor b1t = b1.reshape({48, 16}).t().contiguous();
  at::Tensor w2t = w2.reshape({48, 4, 16}).permute({2, 1, 0}).contiguous();
  at::Tensor b2t = b2.reshape({48, 4}).t().contiguous();
  at::Tensor mid = at::empty({batch * 16, 16, 48});
  at::Tensor got = x.clone();
  kernels::pcm_expand(got.data_ptr<float>(), w1t.data_ptr<float>(), b1t.data_ptr<float>(), mid.data_ptr<float>(),
                      batch);
  at::silu_(mid);
  kernels::pcm_project_add(mid.data_ptr<float>(), w2t.data_ptr<float>(), b2t.data_ptr<float>(), got.data_ptr<float>(),
                           batch);
  EXPECT_LE(max_diff(got, expected), 1e-5);
  EXPECT_TRUE(at::equal(got.select(1, 0), x.select(1, 0)));  // the cls token is untouched

  // The fused AVX2 kernel: the same function from the same weights (the portable run has none).
  if (GetParam()) return;
  if (!kernels::pcm_fused_available()) GTEST_SKIP() << "pcm_fused needs AVX2 and FMA";
  const std::vector<float> packed =
      kernels::pcm_pack(w1t.data_ptr<float>(), b1t.data_ptr<float>(), w2t.data_ptr<float>(), b2t.data_ptr<float>());
  at::Tensor fused = x.clone();
  kernels::pcm_fused(packed.data(), fused.data_ptr<float>(), batch);
  EXPECT_LE(max_diff(fused, expected), 1e-5);
  EXPECT_TRUE(at::equal(fused.select(1, 0), x.select(1, 0)));
}

TEST_P(KernelsBothPaths, BiasGeluMatchesAtenGeluOverTheWholeRange) {
  at::manual_seed(7);
  at::Tensor y = at::randn({37, 768}) * 4;  // |x| up to ~16: both tails and the middle
  y[0][0] = 0.0F;
  y[0][1] = -100.0F;
  y[0][2] = 100.0F;
  at::Tensor bias = at::randn({768});
  at::Tensor expected = at::gelu(y + bias);
  at::Tensor got = y.clone();
  kernels::bias_gelu(got.data_ptr<float>(), bias.data_ptr<float>(), 37, 768);
  EXPECT_LE(max_diff(got, expected), 2e-6);
  // Relative check in the small-magnitude region where GELU ≈ x/2.
  at::Tensor small = at::linspace(-1e-3, 1e-3, 101);
  at::Tensor zero = at::zeros({101});
  at::Tensor s = small.clone();
  kernels::bias_gelu(s.data_ptr<float>(), zero.data_ptr<float>(), 1, 101);
  EXPECT_LE(max_diff(s, at::gelu(small)), 1e-9);
}

TEST_P(KernelsBothPaths, LayerNormMatchesAten) {
  at::manual_seed(9);
  for (std::int64_t n : {192, 12}) {                  // the AVX2 path (a multiple of 8) and the scalar one
    at::Tensor x = at::randn({37, n + 5}) * 3 + 1.5;  // rows 5 wider: a column slice
    x[0].fill_(2.0F);                                 // a constant row
    at::Tensor w = at::randn({n}), b = at::randn({n});
    at::Tensor xs = x.slice(1, 0, n);
    at::Tensor got = at::empty({37, n});
    kernels::layer_norm(xs.data_ptr<float>(), xs.stride(0), got.data_ptr<float>(), 37, n, w.data_ptr<float>(),
                        b.data_ptr<float>(), 1e-6F);
    EXPECT_LE(max_diff(got, at::layer_norm(xs, {n}, w, b, 1e-6)), 2e-6) << n;
    // With a bias added to x first, in place.
    at::Tensor add = at::randn({n});
    at::Tensor want_x = xs + add;
    kernels::layer_norm(xs.data_ptr<float>(), xs.stride(0), got.data_ptr<float>(), 37, n, w.data_ptr<float>(),
                        b.data_ptr<float>(), 1e-6F, add.data_ptr<float>());
    EXPECT_TRUE(at::equal(xs, want_x)) << n;
    EXPECT_LE(max_diff(got, at::layer_norm(want_x, {n}, w, b, 1e-6)), 2e-6) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelsBothPaths, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Portable" : "Native"; });

// The Inception branch's channels-last convolutions (AVX2 CPUs) against at::conv2d: every kernel
// size, padding through a zero border in the input buffer, output channel counts that fill 2, 1
// and half a vector, and a write into a channel slice of a wider output that leaves the other
// channels alone.
TEST(Kernels, ConvNhwcMatchesAtenConv2dIntoAChannelSlice) {
  if (!kernels::conv_nhwc_available()) GTEST_SKIP() << "no AVX2 + FMA here";
  at::manual_seed(11);
  struct Shape {
    int k, cin, cout, h;
    bool relu;
  };
  for (const Shape& s : {Shape{1, 5, 32, 16, false}, Shape{1, 64, 16, 16, true}, Shape{3, 16, 16, 16, true},
                         Shape{5, 16, 16, 16, true}, Shape{3, 8, 8, 8, true}, Shape{5, 8, 8, 8, false},
                         Shape{3, 4, 4, 4, true}, Shape{1, 32, 4, 4, true}, Shape{3, 3, 24, 7, true},
                         Shape{5, 2, 12, 13, true}}) {
    const int n = 3, pad = s.k / 2, hp = s.h + 2 * pad, before = 3, ctot = s.cout + 8;
    at::Tensor x = at::randn({n, s.cin, s.h, s.h});
    at::Tensor w = at::randn({s.cout, s.cin, s.k, s.k}) * 0.3;
    at::Tensor b = at::randn({s.cout});
    at::Tensor ref = at::conv2d(x, w, b, 1, pad);
    if (s.relu) ref = ref.relu();
    at::Tensor padded = at::constant_pad_nd(x, {pad, pad, pad, pad}).permute({0, 2, 3, 1}).contiguous();
    at::Tensor out = at::full({n, s.h, s.h, ctot}, 7.0F);
    const std::vector<float> wp = kernels::pack_conv_nhwc(w.data_ptr<float>(), s.cout, s.cin, s.k);
    std::vector<float> bp((s.cout + 7) / 8 * 8, 0.0F);
    std::copy_n(b.data_ptr<float>(), s.cout, bp.begin());
    kernels::conv_nhwc({padded.data_ptr<float>(), std::int64_t{hp} * hp * s.cin, std::int64_t{hp} * s.cin, s.cin},
                       {out.data_ptr<float>() + before, std::int64_t{s.h} * s.h * ctot, std::int64_t{s.h} * ctot, ctot},
                       n, s.h, s.h, s.k, s.cin, s.cout, wp.data(), bp.data(), s.relu);
    const std::string what = "k " + std::to_string(s.k) + " cin " + std::to_string(s.cin) + " cout " +
                             std::to_string(s.cout) + " h " + std::to_string(s.h);
    EXPECT_LE(max_diff(out.slice(3, before, before + s.cout), ref.permute({0, 2, 3, 1})), 2e-5) << what;
    EXPECT_TRUE(out.slice(3, 0, before).eq(7.0F).all().item<bool>()) << what;
    EXPECT_TRUE(out.slice(3, before + s.cout).eq(7.0F).all().item<bool>()) << what;
  }
}

TEST(Kernels, NhwcPoolsMatchAten) {
  if (!kernels::conv_nhwc_available()) GTEST_SKIP() << "no AVX2 + FMA here";
  at::manual_seed(12);
  for (auto [n, c, h] : {std::tuple{2, 32, 16}, std::tuple{3, 64, 8}, std::tuple{1, 8, 4}, std::tuple{2, 16, 2}}) {
    at::Tensor x = at::randn({n, c, h, h});
    at::Tensor xl = x.permute({0, 2, 3, 1}).contiguous();
    at::Tensor mx = at::empty_like(xl);
    kernels::max_pool_3x3_nhwc(xl.data_ptr<float>(), mx.data_ptr<float>(), n, h, h, c);
    EXPECT_EQ(max_diff(mx, at::max_pool2d(x, {3, 3}, {1, 1}, {1, 1}).permute({0, 2, 3, 1})), 0.0) << c << "x" << h;
    at::Tensor av = at::empty({n, h / 2, h / 2, c});
    kernels::avg_pool_2x2_nhwc(xl.data_ptr<float>(), av.data_ptr<float>(), n, h, h, c);
    EXPECT_LE(max_diff(av, at::avg_pool2d(x, {2, 2}).permute({0, 2, 3, 1})), 1e-6) << c << "x" << h;
  }
}

TEST(Gemm, BothBackendsComputeALinearLayerIntoAColumnSlice) {
  at::manual_seed(6);
  at::Tensor x = at::randn({37, 50}), w = at::randn({20, 50}), b = at::randn({20});
  at::Tensor ref = at::addmm(b, x, w.t());
  for (GemmBackend backend : {GemmBackend::kAten, GemmBackend::kAuto}) {
    Linear l = make_linear(w, b, Precision::kFloat32);
    at::Tensor wide = at::full({37, 64}, 7.0F);
    at::Tensor slice = wide.slice(1, 10, 30);
    linear_into(backend, Precision::kFloat32, x, l, slice, /*accumulate=*/false);
    EXPECT_LE(max_diff(slice, ref), 1e-4) << to_string(backend);
    EXPECT_TRUE(at::equal(wide.slice(1, 0, 10), at::full({37, 10}, 7.0F)));  // neighbours untouched
    linear_into(backend, Precision::kFloat32, x, l, slice, /*accumulate=*/true);
    EXPECT_LE(max_diff(slice, 2 * ref), 2e-4) << to_string(backend);
  }
}

TEST(Gemm, WideLayersWithFewRowsMatchAddmmAtEveryRowCount) {
  // Layers of >= 256K weights run a weight-streaming kernel on AVX2-only CPUs when M <= 256
  // (weights pre-packed in 16-column panels, N % 16 columns through oneDNN); elsewhere, and for
  // M > 256, the oneDNN path. Both must compute the same layer, with and without bias, into a
  // column slice, replacing or accumulating.
  at::manual_seed(9);
  const std::int64_t k = 300, n = 1096;  // 300 = 256 + 44 (K blocks), 1096 = 68·16 + 8
  at::Tensor w = at::randn({n, k}) * 0.1, b = at::randn({n});
  for (bool bias : {true, false}) {
    Linear l = make_linear(w, bias ? b : at::Tensor(), Precision::kFloat32);
    for (std::int64_t m : {1, 5, 6, 7, 128, 256, 257}) {
      at::Tensor x = at::randn({m, k});
      at::Tensor ref = bias ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
      at::Tensor wide = at::full({m, n + 24}, 3.0F);
      at::Tensor slice = wide.slice(1, 8, 8 + n);
      linear_into(GemmBackend::kAuto, Precision::kFloat32, x, l, slice, /*accumulate=*/false);
      EXPECT_LE(max_diff(slice, ref), 1e-4) << "m " << m << " bias " << bias;
      linear_into(GemmBackend::kAuto, Precision::kFloat32, x, l, slice, /*accumulate=*/true);
      EXPECT_LE(max_diff(slice, 2 * ref), 2e-4) << "m " << m << " bias " << bias;
      EXPECT_TRUE(at::equal(wide.slice(1, 0, 8), at::full({m, 8}, 3.0F)));
      EXPECT_TRUE(at::equal(wide.slice(1, 8 + n), at::full({m, 16}, 3.0F)));
    }
  }
}

TEST(GemmProbe, MeasuresAPositiveRateAndRejectsUnknownBackends) {
  auto rate = measure_sgemm_gflops("blas", 64, 1, 1);
  ASSERT_TRUE(rate.ok()) << rate.error().message;
  EXPECT_GT(*rate, 0.0);
  auto bad = measure_sgemm_gflops("cuda", 64, 1, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("cuda"), std::string::npos);
  EXPECT_NE(blas_description().find("BLAS"), std::string::npos);
}

}  // namespace
}  // namespace cosmicai::model
