#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/synthetic.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::data {
namespace {

TEST(Synthetic, SamplesPerPartitionFollowTheOriginal) {
  EXPECT_EQ(samples_per_partition(25), 1278);
  EXPECT_EQ(samples_per_partition(50), 2556);
  EXPECT_EQ(samples_per_partition(75), 3834);
  EXPECT_EQ(samples_per_partition(100), 5113);
  EXPECT_EQ(samples_per_partition(10), 511);  // round(511.3)
  EXPECT_EQ(samples_per_partition(1), 51);
  EXPECT_EQ(samples_per_partition(200), 10226);
}

TEST(Synthetic, PlanSplitsTheTotalWithARemainderFile) {
  auto plan = plan_dataset(25, 1024);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->samples.size(), 41u);  // ceil(1024 / 25)
  EXPECT_EQ(plan->samples[0], 1278);
  EXPECT_EQ(plan->samples[39], 1278);
  EXPECT_EQ(plan->samples[40], 1227);  // 24 MB left: round(1278 * 24 / 25)
  EXPECT_EQ(plan->total_samples(), 40 * 1278 + 1227);
  EXPECT_EQ(plan->first_sample(2), 2 * 1278);
  auto even = plan_dataset(100, 1000);
  ASSERT_TRUE(even.ok());
  ASSERT_EQ(even->samples.size(), 10u);
  EXPECT_EQ(even->samples.back(), 5113);
  auto bad = plan_dataset(0, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("partition size must be a positive number of MB, got 0"), std::string::npos);
  EXPECT_FALSE(plan_dataset(25, -1).ok());
}

TEST(Synthetic, DeterministicPerSampleAndSeed) {
  const Partition a = synthesize_partition(6, 11, 100);
  const Partition b = synthesize_partition(6, 11, 100);
  EXPECT_EQ(a.images, b.images);
  EXPECT_EQ(a.magnitudes, b.magnitudes);
  EXPECT_EQ(a.redshift, b.redshift);
  // Samples depend on their global index only: a shifted window overlaps exactly.
  const Partition c = synthesize_partition(4, 11, 102);
  EXPECT_TRUE(std::equal(c.images.begin(), c.images.end(), a.images.begin() + 2 * kImageElements));
  EXPECT_EQ(c.redshift[0], a.redshift[2]);
  const Partition d = synthesize_partition(6, 12, 100);
  EXPECT_NE(d.redshift, a.redshift);
  EXPECT_NE(d.images, a.images);
}

TEST(Synthetic, ValuesArePlausible) {
  const Partition p = synthesize_partition(500, 2025);
  for (float z : p.redshift) {
    EXPECT_GE(z, 0.01f);
    EXPECT_LE(z, 0.6f);
  }
  double mag_sum = 0;
  for (double m : p.magnitudes) {
    EXPECT_GE(m, 14.0);
    EXPECT_LE(m, 24.0);
    EXPECT_EQ(std::round(m * 1000) / 1000, m);  // 3 decimals, like the reference data
    mag_sum += m;
  }
  const double mag_mean = mag_sum / static_cast<double>(p.magnitudes.size());
  EXPECT_GT(mag_mean, 15.0);
  EXPECT_LT(mag_mean, 22.0);
  EXPECT_TRUE(std::all_of(p.images.begin(), p.images.end(), [](float v) { return v >= 0.0f && std::isfinite(v); }));
  // A blob: the centre of the r band is brighter than its corner, on average.
  double centre = 0, corner = 0;
  for (std::int64_t k = 0; k < p.samples; ++k) {
    const float* r = p.images.data() + k * kImageElements + 2 * kImageSize * kImageSize;
    centre += r[15 * kImageSize + 15];
    corner += r[0];
  }
  EXPECT_GT(centre, 2 * corner);
  // Redshift spreads over its range rather than collapsing.
  const auto [lo, hi] = std::minmax_element(p.redshift.begin(), p.redshift.end());
  EXPECT_LT(*lo, 0.05f);
  EXPECT_GT(*hi, 0.4f);
}

TEST(Synthetic, WritesADatasetThatReadsBack) {
  auto store = storage::open_object_store("mem://").value();
  SynthOptions opt;
  opt.partition_mb = 1;
  opt.total_mb = 3;
  opt.seed = 5;
  opt.threads = 2;
  std::vector<std::string> reported;
  opt.on_file = [&](const std::string& key, std::uint64_t) { reported.push_back(key); };
  auto res = write_synthetic_dataset(*store, opt);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->files, 3u);
  EXPECT_EQ(res->samples, 3 * 51);
  EXPECT_EQ(reported.size(), 3u);
  auto keys = store->list_all("cosmicai-data", "1MB/", storage::KeyOrder::kNumeric).value();
  ASSERT_EQ(keys.size(), 3u);
  std::uint64_t bytes = 0;
  std::int64_t first = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(keys[k].key, "1MB/" + std::to_string(k + 1) + ".pt");
    bytes += keys[k].size;
    auto p = parse_partition(store->get("cosmicai-data", keys[k].key).value(), keys[k].key);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->samples, 51);
    EXPECT_EQ(p->redshift, synthesize_partition(51, 5, first).redshift);  // same as generating directly
    first += 51;
  }
  EXPECT_EQ(bytes, res->bytes);
  // About 1 MiB per MB of partition size, as the original files.
  EXPECT_NEAR(static_cast<double>(bytes) / (3 << 20), 1.0, 0.01);
}

TEST(Synthetic, SameSeedGivesTheSameFilesWhateverTheThreadCount) {
  auto one = storage::open_object_store("mem://").value();
  auto four = storage::open_object_store("mem://").value();
  SynthOptions opt;
  opt.partition_mb = 1;
  opt.total_mb = 4;
  opt.threads = 1;
  ASSERT_TRUE(write_synthetic_dataset(*one, opt).ok());
  opt.threads = 4;
  ASSERT_TRUE(write_synthetic_dataset(*four, opt).ok());
  for (int k = 1; k <= 4; ++k) {
    const std::string key = "1MB/" + std::to_string(k) + ".pt";
    EXPECT_TRUE(one->get("cosmicai-data", key).value() == four->get("cosmicai-data", key).value()) << key;
  }
}

TEST(Synthetic, PutFailureIsReported) {
  auto store = storage::open_object_store("mem://").value();
  SynthOptions opt;
  opt.partition_mb = 1;
  opt.total_mb = 1;
  opt.bucket = "bad/bucket";
  auto res = write_synthetic_dataset(*store, opt);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("invalid bucket name"), std::string::npos) << res.error().message;
}

}  // namespace
}  // namespace cosmicai::data
