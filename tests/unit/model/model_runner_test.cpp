// ModelRunner through its public interface: parity with the PyTorch reference outputs,
// batching, TorchScript modules, seeded weights and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/json.hpp"
#include "data/partition.hpp"
#include "model/kernels.hpp"
#include "model/model_runner.hpp"
#include "support/fixtures.hpp"

namespace cosmicai::model {
namespace {

// tests/fixtures/astromae (reference_io.json, partitions/) and the generated seed-0 reference model.
const std::string kRefDir = fixtures::astromae_dir();
const std::string kTorchScript = fixtures::reference_model();
constexpr std::int64_t kParams = 15'902'889;

struct ReferenceIo {
  std::int64_t n = 0;
  std::vector<float> images, magnitudes, outputs;
};

std::vector<float> floats(const json& arr) {
  std::vector<float> v;
  v.reserve(arr.size());
  for (const auto& x : arr) v.push_back(x.get<float>());
  return v;
}

const ReferenceIo& reference() {
  static const ReferenceIo ref = [] {
    json j = read_json_file(kRefDir + "/reference_io.json");
    ReferenceIo r;
    r.n = j["outputs_shape"][0].get<std::int64_t>();
    r.images = floats(j["images"]);
    r.magnitudes = floats(j["magnitudes"]);
    r.outputs = floats(j["outputs"]);
    return r;
  }();
  return ref;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

std::shared_ptr<ModelRunner> open_ok(const ModelOptions& options) {
  auto r = ModelRunner::open(options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : nullptr;
}

std::shared_ptr<ModelRunner> reference_builtin(const std::string& gemm = "auto", std::int64_t batch = 512) {
  static std::map<std::pair<std::string, std::int64_t>, std::shared_ptr<ModelRunner>> cache;
  auto& slot = cache[{gemm, batch}];
  if (!slot) {
    ModelOptions o;
    o.source = "builtin:" + kTorchScript;
    o.gemm = gemm;
    o.batch_size = batch;
    o.threads = 1;
    slot = open_ok(o);
  }
  return slot;
}

std::vector<float> predict_ref(ModelRunner& m) {
  const auto& ref = reference();
  return m.predict(ref.images, ref.magnitudes, ref.n);
}

TEST(ModelRunner, BuiltinWithReferenceWeightsMatchesPyTorchWithin1e6) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto m = reference_builtin();
  ASSERT_TRUE(m);
  const double diff = max_abs_diff(predict_ref(*m), reference().outputs);
  std::printf("built-in (%s) vs reference_io: max |diff| = %.3e\n", m->description().c_str(), diff);
  RecordProperty("max_abs_diff", std::to_string(diff));
  EXPECT_LE(diff, 1e-6);
}

TEST(ModelRunner, AtenGemmBackendMatchesReferenceWithin1e6) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto m = reference_builtin("aten");
  ASSERT_TRUE(m);
  const double diff = max_abs_diff(predict_ref(*m), reference().outputs);
  std::printf("built-in (aten GEMM) vs reference_io: max |diff| = %.3e\n", diff);
  EXPECT_LE(diff, 1e-6);
}

// CPUs without AVX2 + FMA run the portable kernels and ATen's NCHW convolutions in the Inception
// branch (AVX2 CPUs run its channels-last kernels): that path must match the reference too.
TEST(ModelRunner, PortableKernelPathMatchesReferenceWithin1e6) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  kernels::force_portable_kernels(true);
  ModelOptions o;
  o.source = "builtin:" + kTorchScript;
  o.threads = 1;
  auto m = open_ok(o);
  const double diff = m ? max_abs_diff(predict_ref(*m), reference().outputs) : 1.0;
  kernels::force_portable_kernels(false);
  ASSERT_TRUE(m);
  std::printf("built-in, portable kernels, vs reference_io: max |diff| = %.3e\n", diff);
  EXPECT_LE(diff, 1e-6);
}

TEST(ModelRunner, BatchOfOneAgreesWithWholeBatch) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto whole = reference_builtin("auto", 512);
  auto single = reference_builtin("auto", 1);
  auto odd = reference_builtin("auto", 5);  // 16 = 5 + 5 + 5 + 1: a short last batch
  ASSERT_TRUE(whole && single && odd);
  const auto a = predict_ref(*whole);
  EXPECT_LE(max_abs_diff(predict_ref(*single), a), 1e-6);
  EXPECT_LE(max_abs_diff(predict_ref(*odd), a), 1e-6);
  EXPECT_LE(max_abs_diff(predict_ref(*single), reference().outputs), 1e-6);
}

TEST(ModelRunner, TwoThreadsSplittingTheBatchAgreeWithOneThread) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  ModelOptions o;
  o.source = "builtin:" + kTorchScript;
  o.threads = 2;  // 16 samples >= 2 x 8: two slices of 8 on two threads
  auto two = open_ok(o);
  ASSERT_TRUE(two);
  EXPECT_LE(max_abs_diff(predict_ref(*two), predict_ref(*reference_builtin())), 1e-6);
  EXPECT_LE(max_abs_diff(predict_ref(*two), reference().outputs), 1e-6);
}

TEST(ModelRunner, TwoThreadRunnerStaysCorrectAcrossCallsAndAfterACancelledOne) {
  // The slices run on worker threads that live as long as the runner: many calls (several
  // batches each), a cancelled call in between, and the answers must not change.
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  const ReferenceIo& ref = reference();
  std::vector<float> images, mags, want;
  for (int copy = 0; copy < 3; ++copy) {
    images.insert(images.end(), ref.images.begin(), ref.images.end());
    mags.insert(mags.end(), ref.magnitudes.begin(), ref.magnitudes.end());
    want.insert(want.end(), ref.outputs.begin(), ref.outputs.end());
  }
  ModelOptions o;
  o.source = "builtin:" + kTorchScript;
  o.threads = 2;
  o.batch_size = 20;  // 48 = 20 + 20 + 8: two split batches, then one too small to split
  auto m = open_ok(o);
  ASSERT_TRUE(m);
  for (int call = 0; call < 3; ++call) {
    EXPECT_LE(max_abs_diff(m->predict(images, mags, 3 * ref.n), want), 1e-6) << "call " << call;
    if (call == 1) {
      std::atomic<bool> stop{true};
      EXPECT_THROW(m->predict(images, mags, 3 * ref.n, &stop), PredictionCancelled);
    }
  }
}

TEST(ModelRunner, ConcurrentPredictCallsGiveTheSameAnswers) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto m = reference_builtin();
  ASSERT_TRUE(m);
  const auto expected = predict_ref(*m);
  std::vector<std::vector<float>> got(3);
  std::vector<std::thread> callers;
  for (auto& g : got) callers.emplace_back([&] { g = predict_ref(*m); });
  for (auto& c : callers) c.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(ModelRunner, FirstPredictionsOfPartitionOneMatchExpectedJson) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  json expected = read_json_file(kRefDir + "/partitions/tiny/expected.json");
  const auto first4 = floats(expected["predictions_file1_first4"]);
  auto m = reference_builtin();
  ASSERT_TRUE(m);
  const auto& ref = reference();
  const auto got = m->predict(ref.images, ref.magnitudes, 4);
  EXPECT_LE(max_abs_diff(got, first4), 1e-6);
}

TEST(ModelRunner, WholePartitionFileOnePredictionsMatchExpectedJson) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  // The real input path: the native partition reader, float64 magnitudes cast to float32.
  auto part = data::read_partition_file(kRefDir + "/partitions/tiny/1.pt");
  ASSERT_TRUE(part.ok()) << part.error().message;
  json expected = read_json_file(kRefDir + "/partitions/tiny/expected.json");
  const auto want = floats(expected["predictions_file1_all"]);
  ASSERT_EQ(static_cast<std::int64_t>(want.size()), part->samples);
  std::vector<float> mags(part->magnitudes.begin(), part->magnitudes.end());
  auto m = reference_builtin();
  ASSERT_TRUE(m);
  const double diff = max_abs_diff(m->predict(part->images, mags, part->samples), want);
  std::printf("built-in vs expected.json predictions_file1_all (%ld samples): max |diff| = %.3e\n",
              static_cast<long>(part->samples), diff);
  EXPECT_LE(diff, 1e-6);
}

TEST(ModelRunner, TorchScriptRunnerMatchesReference) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  ModelOptions o;
  o.source = kTorchScript;
  o.threads = 1;
  auto m = open_ok(o);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->parameter_count(), kParams);
  EXPECT_NE(m->description().find("TorchScript"), std::string::npos);
  EXPECT_LE(max_abs_diff(predict_ref(*m), reference().outputs), 1e-6);

  // Reduced precision is the built-in network's; a TorchScript model refuses it instead of
  // silently running float32.
  o.precision = "int8";
  auto r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("precision \"int8\" applies to the built-in AstroMAE only"), std::string::npos)
      << r.error().message;
}

TEST(ModelRunner, ParameterCountIsTheFactSheetFigure) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto loaded = reference_builtin();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->parameter_count(), kParams);
  auto seeded = open_ok(ModelOptions{});
  ASSERT_TRUE(seeded);
  EXPECT_EQ(seeded->parameter_count(), kParams);
  EXPECT_NE(seeded->description().find("15,902,889"), std::string::npos) << seeded->description();
}

TEST(ModelRunner, SeededWeightsAreDeterministicAndSaySoInDescription) {
  ModelOptions o;
  o.threads = 1;
  auto a = open_ok(o);
  auto b = open_ok(o);
  o.seed = 1;
  auto c = open_ok(o);
  ASSERT_TRUE(a && b && c);
  EXPECT_NE(a->description().find("untrained"), std::string::npos) << a->description();
  const auto ya = predict_ref(*a);
  const auto yb = predict_ref(*b);
  EXPECT_EQ(ya, yb);  // bitwise: same seed, same weights, same thread count
  EXPECT_GT(max_abs_diff(ya, predict_ref(*c)), 1e-4);
  for (float v : ya) EXPECT_TRUE(std::isfinite(v));
}

TEST(ModelRunner, Bf16IsOptInAndStaysClose) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  ModelOptions o;
  o.source = "builtin:" + kTorchScript;
  o.precision = "bf16";
  o.threads = 1;
  auto m = open_ok(o);
  ASSERT_TRUE(m);
  const double diff = max_abs_diff(predict_ref(*m), reference().outputs);
  std::printf("built-in bf16 vs reference_io: max |diff| = %.3e\n", diff);
  EXPECT_GT(diff, 0.0);   // really a different number format
  EXPECT_LE(diff, 5e-3);  // outputs are ~ -0.04 with a spread of 0.005
}

double mean_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double sum = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    sum += std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
  return a.empty() ? 0 : sum / static_cast<double>(a.size());
}

TEST(ModelRunner, Int8IsOptInAndStaysClose) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  ModelOptions o;
  o.source = "builtin:" + kTorchScript;
  o.precision = "int8";
  o.threads = 1;
  auto r = ModelRunner::open(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto m = *r;
  EXPECT_NE(m->description().find("int8"), std::string::npos) << m->description();
  const std::vector<float> got = predict_ref(*m);
  const double diff = max_abs_diff(got, reference().outputs);
  const double mean = mean_abs_diff(got, reference().outputs);
  std::printf("built-in int8 vs reference_io: max |diff| = %.3e, mean |diff| = %.3e\n", diff, mean);
  RecordProperty("max_abs_diff", std::to_string(diff));
  EXPECT_GT(diff, 0.0);  // really a different number format
  // Measured on an AVX2 EPYC (7-bit weights there, see int8_weight_max): max 1.32e-3, mean 5.8e-4
  // (1.39e-3 / 6.3e-4 before the float32 kernels' last-bit changes of 2026-12-07, which flip u8
  // roundings; 1.05-1.88e-3 / 4.5-7.0e-4 with 32-512 calibration samples); outputs are ~ -0.04
  // with a spread of 0.005. The bounds leave ~1.7-1.9x for other CPUs' roundings.
  EXPECT_LE(diff, 2.5e-3);
  EXPECT_LE(mean, 1e-3);
  // Deterministic: the calibration (synthetic samples, fixed seed) and the GEMM give the same
  // numbers in a second runner, and two threads agree with one.
  o.threads = 2;
  auto two = open_ok(o);
  ASSERT_TRUE(two);
  EXPECT_LE(max_abs_diff(predict_ref(*two), got), 1e-6);
}

TEST(ModelRunner, Int8NeedsOneDnn) {
  ModelOptions o;
  o.precision = "int8";
  o.gemm = "aten";
  auto r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("int8"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("aten"), std::string::npos) << r.error().message;
}

TEST(ModelRunner, MissingModelFileIsNamed) {
  ModelOptions o;
  o.source = "/nonexistent/model.pt";
  auto r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("/nonexistent/model.pt"), std::string::npos) << r.error().message;

  o.source = "builtin:/nonexistent/weights.pt";
  r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/weights.pt"), std::string::npos) << r.error().message;
}

TEST(ModelRunner, GarbageModelFileGivesClearError) {
  const auto path = std::filesystem::temp_directory_path() / "cosmicai_model_garbage.pt";
  {
    std::ofstream f(path, std::ios::binary);
    f << "this is not a model";
  }
  for (const std::string& source : {path.string(), "builtin:" + path.string()}) {
    ModelOptions o;
    o.source = source;
    auto r = ModelRunner::open(o);
    ASSERT_FALSE(r.ok()) << source;
    EXPECT_NE(r.error().message.find(path.string()), std::string::npos) << r.error().message;
  }
  std::filesystem::remove(path);
}

TEST(ModelRunner, BadOptionsAreRejectedByName) {
  ModelOptions o;
  o.precision = "fp16";
  auto r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("precision"), std::string::npos);
  o = {};
  o.batch_size = 0;
  r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("batch_size"), std::string::npos);
  o = {};
  o.gemm = "cublas";
  r = ModelRunner::open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("gemm"), std::string::npos);
}

TEST(ModelRunner, ShortInputBuffersAreRejected) {
  auto m = open_ok(ModelOptions{});
  ASSERT_TRUE(m);
  std::vector<float> img(5 * 32 * 32), mag(5);
  EXPECT_THROW(m->predict(img, mag, 2), std::invalid_argument);
  EXPECT_TRUE(m->predict(img, mag, 0).empty());
}

}  // namespace
}  // namespace cosmicai::model
