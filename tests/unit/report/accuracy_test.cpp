#include "report/accuracy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace cosmicai::report {
namespace {

// Hand computation (even count):
//   z = .1 .2 .3 .4, ẑ = .12 .18 .33 .40, errors .02 -.02 .03 0
//   MAE = .07/4 = .0175; MSE = (.0004+.0004+.0009)/4 = .000425
//   Δz = .02/1.1, -.02/1.2, .03/1.3, 0 → bias = .024592074/4 = .0061480186
//   median Δz = (0 + .0181818)/2 = .0090909; |Δz − med| = .0090909 .0257576 .0139860 .0090909
//   → median = (.0090909 + .0139860)/2 = .0115385 → NMAD = 1.48 × .0115385 = .0170769
//   SS_tot = .0225+.0025+.0025+.0225 = .05; SS_res = .0017 → R² = 1 − .034 = .966
TEST(Accuracy, HandComputedEvenCount) {
  const std::vector<double> z{0.1, 0.2, 0.3, 0.4};
  const std::vector<double> p{0.12, 0.18, 0.33, 0.40};
  auto a = compute_accuracy(z, p);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->count, 4);
  EXPECT_NEAR(a->mae, 0.0175, 1e-12);
  EXPECT_NEAR(a->mse, 0.000425, 1e-12);
  EXPECT_NEAR(a->bias, 0.0061480186480186, 1e-12);
  EXPECT_NEAR(a->nmad, 1.48 * (0.02 / 1.1 / 2 + (0.03 / 1.3 - 0.02 / 1.1 / 2)) / 2, 1e-12);
  EXPECT_NEAR(a->nmad, 0.0170769230769231, 1e-12);
  EXPECT_NEAR(a->r2, 0.966, 1e-12);
}

// Odd count: z = .5 1 2, ẑ = .4 1.3 2 → errors -.1 .3 0; Δz = -1/15, .15, 0 → median 0
//   → |Δz| median = 1/15 → NMAD = 1.48/15; bias = (.15 − 1/15)/3 = 1/36
//   mean z = 7/6, SS_tot = 7/6, SS_res = .1 → R² = 1 − .6/7
TEST(Accuracy, HandComputedOddCount) {
  auto a = compute_accuracy(std::vector<double>{0.5, 1.0, 2.0}, std::vector<double>{0.4, 1.3, 2.0});
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->mae, 0.4 / 3, 1e-12);
  EXPECT_NEAR(a->mse, 0.1 / 3, 1e-12);
  EXPECT_NEAR(a->bias, 1.0 / 36, 1e-12);
  EXPECT_NEAR(a->nmad, 1.48 / 15, 1e-12);
  EXPECT_NEAR(a->r2, 1 - 0.6 / 7, 1e-12);
}

TEST(Accuracy, PerfectPredictionsAndConstantTruth) {
  auto a = compute_accuracy(std::vector<double>{0.3, 0.3}, std::vector<double>{0.3, 0.3});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->mae, 0);
  EXPECT_EQ(a->nmad, 0);
  EXPECT_TRUE(std::isnan(a->r2));  // SS_tot = 0
  const json j = accuracy_to_json(*a);
  EXPECT_TRUE(j["r2"].is_null());
  EXPECT_EQ(j["samples"], 2);
}

TEST(Accuracy, RejectsBadInput) {
  auto mismatch = compute_accuracy(std::vector<double>{0.1, 0.2}, std::vector<double>{0.1});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("2 true redshifts but 1 predictions"), std::string::npos);
  EXPECT_FALSE(compute_accuracy(std::vector<double>{}, std::vector<double>{}).ok());
  auto minus_one = compute_accuracy(std::vector<double>{0.1, -1.0}, std::vector<double>{0.1, 0.2});
  ASSERT_FALSE(minus_one.ok());
  EXPECT_NE(minus_one.error().message.find("sample 1"), std::string::npos);
}

TEST(Accuracy, MedianOfEvenAndOddCounts) {
  std::vector<double> odd{5, 1, 3};
  EXPECT_EQ(median_in_place(odd), 3);
  std::vector<double> even{4, 1, 3, 2};
  EXPECT_EQ(median_in_place(even), 2.5);
}

}  // namespace
}  // namespace cosmicai::report
