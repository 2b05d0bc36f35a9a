#include "report/performance.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "report/text_table.hpp"

namespace cosmicai::report {
namespace {

std::vector<RankMetrics> two_ranks() {
  RankMetrics a;
  a.rank = 0;
  a.samples = 100;
  a.wall_seconds = 2.0;
  a.load_seconds = 0.5;
  a.compute_seconds = 1.25;
  a.write_seconds = 0.25;
  a.peak_rss_mb = 2048;
  a.input_bits = 100 * 164160.0;
  a.start_unix = 1000.0;
  a.end_unix = 1002.0;
  RankMetrics b = a;
  b.rank = 1;
  b.samples = 50;
  b.wall_seconds = 1.0;
  b.load_seconds = 0.25;
  b.compute_seconds = 0.5;
  b.write_seconds = 0.25;
  b.peak_rss_mb = 3072;
  b.input_bits = 50 * 164160.0;
  b.start_unix = 1000.5;
  b.end_unix = 1001.5;
  return {a, b};
}

TEST(Performance, RowFromRankMetrics) {
  const auto ranks = two_ranks();
  LambdaPricing p;
  const auto row = summarize_performance("100MB", 3, ranks, p);
  EXPECT_EQ(row.partition, "100MB");
  EXPECT_EQ(row.world_size, 3);
  EXPECT_EQ(row.requests, 2);
  EXPECT_EQ(row.samples, 150);
  EXPECT_DOUBLE_EQ(row.mean_duration_s, 1.5);
  EXPECT_DOUBLE_EQ(row.max_duration_s, 2.0);
  EXPECT_DOUBLE_EQ(row.makespan_s, 2.0);  // 1000.0 → 1002.0
  EXPECT_DOUBLE_EQ(row.mean_load_s, 0.375);
  EXPECT_DOUBLE_EQ(row.mean_compute_s, 0.875);
  EXPECT_DOUBLE_EQ(row.mean_write_s, 0.25);
  EXPECT_DOUBLE_EQ(row.peak_memory_mb, 3072);
  EXPECT_DOUBLE_EQ(row.samples_per_s, 75.0);
  EXPECT_DOUBLE_EQ(row.sum_rank_samples_per_s, 100.0);  // 50/s + 50/s
  EXPECT_NEAR(row.gbps, 150 * 164160.0 / 2.0 / 1e9, 1e-15);
  EXPECT_NEAR(row.cost.billed_seconds, 3.0, 1e-12);
  EXPECT_NEAR(row.cost.total_usd, 30.0 * 0.0000166667 + 2 * 0.2e-6, 1e-15);
}

TEST(Performance, JsonRoundTrip) {
  const auto ranks = two_ranks();
  LambdaPricing p;
  const auto row = summarize_performance("25MB", 2, ranks, p);
  const json j = performance_to_json(row, p);
  EXPECT_EQ(j["partition"], "25MB");
  EXPECT_EQ(j["cost"]["requests"], 2);
  const auto back = performance_from_json(j);
  EXPECT_EQ(back.samples, row.samples);
  EXPECT_DOUBLE_EQ(back.samples_per_s, row.samples_per_s);
  EXPECT_DOUBLE_EQ(back.cost.total_usd, row.cost.total_usd);
  json broken = j;
  broken.erase("makespan_s");
  try {
    (void)performance_from_json(broken);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/makespan_s"), std::string::npos);
  }
}

TEST(Performance, NoRanksGivesZeroes) {
  const auto row = summarize_performance("50MB", 4, {}, LambdaPricing{});
  EXPECT_EQ(row.requests, 0);
  EXPECT_EQ(row.samples_per_s, 0);
  EXPECT_EQ(row.cost.total_usd, 0);
}

TEST(Performance, TableRendersTheSeedsColumns) {
  const auto ranks = two_ranks();
  const std::vector<PerformanceRow> rows{summarize_performance("100MB", 2, ranks, LambdaPricing{})};
  const std::string text = render_performance_table(rows);
  EXPECT_NE(text.find("Partition"), std::string::npos);
  EXPECT_NE(text.find("Requests"), std::string::npos);
  EXPECT_NE(text.find("Duration (s)"), std::string::npos);
  EXPECT_NE(text.find("Memory (GB)"), std::string::npos);
  EXPECT_NE(text.find("Cost"), std::string::npos);
  EXPECT_NE(text.find("100MB"), std::string::npos);
  EXPECT_NE(text.find("1.50"), std::string::npos);  // mean duration
  EXPECT_NE(text.find("3.00"), std::string::npos);  // 3072 MB
  EXPECT_NE(text.find("75.0"), std::string::npos);  // samples/s
}

TEST(TextTable, AlignsColumns) {
  TextTable t;
  t.column("name", Align::kLeft).column("n");
  t.row({"a", "1"}).row({"long", "1000"});
  EXPECT_EQ(t.render(), "name     n\n----  ----\na        1\nlong  1000\n");
  EXPECT_THROW(t.row({"a", "b", "c"}), std::invalid_argument);
}

TEST(TextTable, Formatting) {
  EXPECT_EQ(format_count(659817), "659,817");
  EXPECT_EQ(format_count(12), "12");
  EXPECT_EQ(format_count(-1000), "-1,000");
  EXPECT_EQ(format_fixed(2.5, 2), "2.50");
  EXPECT_EQ(format_usd(0.384), "$0.38");
  EXPECT_EQ(format_usd(0.000123), "$0.000123");
}

}  // namespace
}  // namespace cosmicai::report
