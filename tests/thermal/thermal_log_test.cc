#include "thermal/thermal_log.h"

#include <gtest/gtest.h>

namespace nymph::thermal {
namespace {

TEST(DeltaTStats, TimeWeightedMeanMaxQuantilesAndBudget) {
  DeltaTStats stats;
  stats.Add(10, 1);
  stats.Add(20, 3);
  stats.Add(30, 1);  // beyond the 25 °C budget
  EXPECT_DOUBLE_EQ(stats.seconds(), 5);
  EXPECT_DOUBLE_EQ(stats.mean_c(), (10 + 60 + 30) / 5.0);
  EXPECT_DOUBLE_EQ(stats.max_c(), 30);
  EXPECT_DOUBLE_EQ(stats.seconds_over_budget(), 1);
  // Half of the time lies at or below 20 °C; histogram bins are 0.1 °C.
  EXPECT_NEAR(stats.Quantile(0.5), 20, 0.1 + 1e-9);
  EXPECT_NEAR(stats.Quantile(0.95), 30, 0.1 + 1e-9);
}

TEST(DeltaTStats, Empty_ZeroNotGarbage) {
  DeltaTStats stats;
  EXPECT_EQ(stats.mean_c(), 0);
  EXPECT_EQ(stats.Quantile(0.5), 0);
}

}  // namespace
}  // namespace nymph::thermal
