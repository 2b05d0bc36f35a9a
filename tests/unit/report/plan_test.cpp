// The planner: Lambda behaviour, recommendation, and its predictions against the seeds' published
// tables (tests/fixtures/published, copied from the seeds' sources with provenance).
#include "report/plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace cosmicai::report {
namespace {

const std::filesystem::path kSource = COSMICAI_SOURCE_DIR;

Calibration simple() {
  Calibration c;
  c.source = "test";
  c.vcpus = 1;
  c.compute_s_per_sample = 0.01;
  c.load_s_per_sample = 0;
  c.setup_s = 0;
  c.memory_base_mb = 100;
  c.memory_mb_per_partition_mb = 1;
  c.partitions_held = 2;
  c.overlap_io = false;
  return c;
}

LambdaModel no_overheads() {
  LambdaModel m;
  m.cold_start_s = 0;
  m.s3_mb_per_s = 1e12;
  m.init_s = m.summarize_s = 0;
  m.map_launch_per_s = 1e12;
  return m;
}

TEST(Plan, ComputeScalesWithTheVcpuShareOfMemory) {
  PlanRequest req;
  req.data_mb = 100;  // 5,109 samples (100 MiB / 20,524 B)
  req.partition_mb = {100};
  req.memory_mb = {1769, 3538, 10240, 20480 / 2};
  const auto rows = plan_runs(req, simple(), no_overheads());
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].samples, 5109);
  EXPECT_EQ(rows[0].files, 1);
  EXPECT_NEAR(rows[0].vcpus, 1.0, 1e-12);
  EXPECT_NEAR(rows[0].rank_seconds, 51.09, 1e-9);      // 1 vCPU: 5,109 × 10 ms
  EXPECT_NEAR(rows[1].rank_seconds, 51.09 / 2, 1e-9);  // 2 vCPUs
  EXPECT_NEAR(rows[2].vcpus, 10240.0 / 1769, 1e-12);   // 5.79 at the maximum
  EXPECT_NEAR(rows[3].vcpus, rows[2].vcpus, 1e-12);
  // Billed: duration (ms steps) × configured memory + one request; no orchestration cost here but
  // Initialize and Summarize still bill their 1 ms minimum.
  const double gbs = std::ceil(51.09 * 1000 - 1e-6) / 1000 * 1769.0 / 1024;
  EXPECT_NEAR(rows[0].cost_usd, gbs * 0.0000166667 + 0.2e-6 + 2 * (0.001 * 0.125 * 0.0000166667 + 0.2e-6), 1e-9);
  // The cost is almost the same at 2 vCPUs (half the time at twice the memory).
  EXPECT_NEAR(rows[1].cost_usd, rows[0].cost_usd, 1e-6);
}

TEST(Plan, OriginalCeilSplitAndMemoryFit) {
  PlanRequest req;
  req.data_mb = 11 * 100 * 5113.0 * 20524 / 1048576 / 100;  // 11 files of 5,113 samples
  req.partition_mb = {100};
  req.world_sizes = {4, 20};
  req.memory_mb = {10240};
  auto c = simple();
  c.partitions_held = 0;  // the original held all of a rank's files
  c.memory_mb_per_partition_mb = 30;
  const auto rows = plan_runs(req, c, no_overheads());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].files, 11);
  EXPECT_EQ(rows[0].max_rank_samples, 3 * 5113);  // 11 files on 4 ranks: 3, 3, 3, 2
  EXPECT_NEAR(rows[0].memory_needed_mb, 100 + 30 * 100 * 3, 1e-9);
  EXPECT_TRUE(rows[0].fits);
  EXPECT_FALSE(rows[1].note.empty());  // 9 ranks idle
  EXPECT_EQ(rows[1].max_rank_samples, 5113);
  c.memory_mb_per_partition_mb = 40;  // 100 + 12,000 MB > 10,240
  EXPECT_FALSE(plan_runs(req, c, no_overheads())[0].fits);
}

TEST(Plan, RecommendsTheCheapestWithinTheDeadline) {
  std::vector<PlanRow> rows(3);
  rows[0].cost_usd = 1.0, rows[0].wall_seconds = 10;
  rows[1].cost_usd = 0.5, rows[1].wall_seconds = 100;
  rows[2].cost_usd = 0.7, rows[2].wall_seconds = 50;
  EXPECT_EQ(recommend(rows, 0), 1);
  EXPECT_EQ(recommend(rows, 60), 2);
  EXPECT_EQ(recommend(rows, 5), 0);  // none meets it: the fastest
  rows[0].fits = rows[1].fits = rows[2].fits = false;
  EXPECT_EQ(recommend(rows, 0), -1);
}

TEST(Plan, ParsesSizesAndDurations) {
  EXPECT_NEAR(parse_size_mb("12.6GB"), 12.6 * 1024, 1e-9);
  EXPECT_NEAR(parse_size_mb("800 MB"), 800, 1e-12);
  EXPECT_NEAR(parse_size_mb("1TB"), 1048576, 1e-9);
  EXPECT_NEAR(parse_duration_s("60s"), 60, 1e-12);
  EXPECT_NEAR(parse_duration_s("2m"), 120, 1e-12);
  EXPECT_THROW(parse_size_mb("12.6XB"), std::invalid_argument);
  EXPECT_THROW(parse_size_mb("GB"), std::invalid_argument);
  EXPECT_THROW(parse_duration_s("soon"), std::invalid_argument);
  PlanRequest req;
  req.data_mb = 100;
  req.memory_mb = {64};
  EXPECT_THROW(plan_runs(req, simple(), LambdaModel{}), std::invalid_argument);
}

TEST(Plan, CalibrationJsonRoundTripsAndNamesMissingKeys) {
  const auto c = simple();
  const auto back = calibration_from_json(calibration_to_json(c));
  EXPECT_EQ(back.compute_s_per_sample, c.compute_s_per_sample);
  EXPECT_EQ(back.partitions_held, c.partitions_held);
  json j = calibration_to_json(c);
  j.erase("setup_s");
  try {
    calibration_from_json(j);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/setup_s"), std::string::npos) << e.what();
  }
}

// The seeds' published tables for 12.6 GB against the planner with the original Lambda's
// calibration. The calibration was derived from the 25 MB and 100 MB rows (cost table durations and
// memory, the paper's per-rank times) and, for the Map time, the 25 MB rows only; the 50 MB and
// 75 MB rows are out of sample. Goal (issue 13): within 25% on cost.
TEST(Plan, PredictsThePublishedCostAndDurationOfTheOriginal) {
  const json pub = read_json_file((kSource / "tests/fixtures/published/cai_published.json").string());
  const Calibration cal =
      calibration_from_json(read_json_file((kSource / "examples/cosmic-ai/calibration-original-lambda.json").string()));
  LambdaModel lm;
  lm.usd_per_gb_second = pub.at("usd_per_gb_second").get<double>();
  const double data_mb = pub.at("total_samples").get<double>() * lm.bytes_per_sample / 1048576.0;
  std::printf("partition  ranks  duration pred/pub       cost (seeds' formula) pred/pub   billed at 10 GB\n");
  double worst_cost = 0, worst_duration = 0;
  for (const auto& row : pub.at("cost_table")) {
    PlanRequest req;
    req.data_mb = data_mb;
    req.partition_mb = {row.at("partition_mb").get<double>()};
    req.memory_mb = {10240};
    const auto rows = plan_runs(req, cal, lm);
    ASSERT_EQ(rows.size(), 1u);
    const auto& r = rows[0];
    EXPECT_EQ(r.world_size, row.at("requests").get<std::int64_t>()) << "files for " << req.partition_mb[0] << " MB";
    const double d_err = r.inference_seconds / row.at("duration_s").get<double>() - 1;
    const double c_err = r.seeds_cost_usd / row.at("cost_usd").get<double>() - 1;
    std::printf("%6.0f MB  %5lld  %6.2f / %5.2f s (%+5.1f%%)   $%.3f / $%.2f (%+5.1f%%)   $%.2f\n", req.partition_mb[0],
                static_cast<long long>(r.world_size), r.inference_seconds, row.at("duration_s").get<double>(),
                d_err * 100, r.seeds_cost_usd, row.at("cost_usd").get<double>(), c_err * 100, r.cost_usd);
    worst_cost = std::max(worst_cost, std::fabs(c_err));
    worst_duration = std::max(worst_duration, std::fabs(d_err));
    EXPECT_LT(std::fabs(c_err), 0.25) << req.partition_mb[0] << " MB cost";
    EXPECT_LT(std::fabs(d_err), 0.25) << req.partition_mb[0] << " MB duration";
  }
  std::printf("worst error: cost %.1f%%, duration %.1f%%\n", worst_cost * 100, worst_duration * 100);

  std::printf("partition  ranks  data    Map time pred/pub\n");
  double worst_map = 0;
  for (const auto& row : pub.at("map_time_s")) {
    PlanRequest req;
    const double mb = row.at("partition_mb").get<double>();
    const auto ranks = row.at("ranks").get<std::int64_t>();
    req.data_mb =
        static_cast<double>(ranks) * static_cast<double>(samples_per_file(mb)) * lm.bytes_per_sample / 1048576.0;
    if (row.at("data").get<std::string>() == "12.6GB") req.data_mb = data_mb;
    req.partition_mb = {mb};
    req.world_sizes = {ranks};
    const auto r = plan_runs(req, cal, lm).at(0);
    const double err = r.map_seconds / row.at("map_s").get<double>() - 1;
    worst_map = std::max(worst_map, std::fabs(err));
    std::printf("%6.0f MB  %5lld  %-6s  %5.1f / %5.1f s (%+5.1f%%)\n", mb, static_cast<long long>(ranks),
                row.at("data").get<std::string>().c_str(), r.map_seconds, row.at("map_s").get<double>(), err * 100);
    // The Map time is reported, not held to 25%: the original's invocations took ~1.7× their
    // profiled time at 75-100 MB (README, "plan"); a sanity bound only.
    EXPECT_LT(std::fabs(err), 0.5) << mb << " MB × " << ranks;
  }
  std::printf("worst Map-time error: %.1f%%\n", worst_map * 100);
}

}  // namespace
}  // namespace cosmicai::report
