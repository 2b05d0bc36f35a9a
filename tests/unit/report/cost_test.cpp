#include "report/cost.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace cosmicai::report {
namespace {

TEST(Cost, BilledDurationRoundsUpToTheMillisecond) {
  EXPECT_EQ(billed_milliseconds(1.0), 1000);
  EXPECT_EQ(billed_milliseconds(0.1), 100);  // binary noise does not add a millisecond
  EXPECT_EQ(billed_milliseconds(2.0001), 2001);
  EXPECT_EQ(billed_milliseconds(0.0004), 1);
  EXPECT_EQ(billed_milliseconds(0.0), 1);  // AWS bills at least 1 ms
}

// 1000 + 2001 + 1 ms = 3.002 s at 10,240 MB = 10 GB → 30.02 GB-s × $0.0000166667,
// plus 3 requests × $0.20/1e6.
TEST(Cost, DefaultPricingHandComputed) {
  const std::vector<double> d{1.0, 2.0001, 0.0004};
  const auto c = lambda_cost(d);
  EXPECT_EQ(c.requests, 3);
  EXPECT_NEAR(c.billed_seconds, 3.002, 1e-12);
  EXPECT_NEAR(c.gb_seconds, 30.02, 1e-9);
  EXPECT_NEAR(c.compute_usd, 30.02 * 0.0000166667, 1e-15);
  EXPECT_NEAR(c.request_usd, 6e-7, 1e-18);
  EXPECT_NEAR(c.total_usd, 30.02 * 0.0000166667 + 6e-7, 1e-15);
}

// The seeds' 25 MB row: 517 requests × 6.55 s × 2.8 GB → $0.16.
TEST(Cost, ReproducesTheSeedsTableRow) {
  const std::vector<double> d(517, 6.55);
  LambdaPricing p;
  p.memory_mb = 2.8 * 1024;
  const auto c = lambda_cost(d, p);
  EXPECT_NEAR(c.total_usd, 517 * 6.55 * 2.8 * 0.0000166667 + 517 * 0.2e-6, 1e-9);
  EXPECT_NEAR(c.total_usd, 0.16, 0.005);
}

TEST(Cost, ConfigurablePrices) {
  LambdaPricing p{2048, 0.00001, 1.0};
  const std::vector<double> d{0.5, 0.5};
  const auto c = lambda_cost(d, p);
  EXPECT_NEAR(c.gb_seconds, 2.0, 1e-12);
  EXPECT_NEAR(c.compute_usd, 2e-5, 1e-15);
  EXPECT_NEAR(c.request_usd, 2e-6, 1e-15);
  const json j = cost_to_json(c, p);
  EXPECT_EQ(j["pricing"]["memory_mb"], 2048.0);
  EXPECT_EQ(j["requests"], 2);
}

TEST(Cost, NoRequestsCostsNothing) {
  const auto c = lambda_cost(std::vector<double>{});
  EXPECT_EQ(c.requests, 0);
  EXPECT_EQ(c.total_usd, 0);
}

}  // namespace
}  // namespace cosmicai::report
