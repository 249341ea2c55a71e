// Percentiles and per-request latencies against values worked by hand.
#include "stats.h"

#include <gtest/gtest.h>

namespace nymph::bench {
namespace {

TEST(Percentile, FiveValues_InterpolatesLinearlyBetweenRanks) {
  // Sorted: 15 20 35 40 50 (n = 5, so h = 4 * p / 100).
  std::vector<double> values = {50, 15, 40, 20, 35};
  EXPECT_DOUBLE_EQ(Percentile(values, 0), 15);     // h = 0
  EXPECT_DOUBLE_EQ(Percentile(values, 50), 35);    // h = 2: x[2]
  EXPECT_DOUBLE_EQ(Percentile(values, 90), 46);    // h = 3.6: 40 + .6 * 10
  EXPECT_DOUBLE_EQ(Percentile(values, 99), 49.6);  // h = 3.96: 40 + .96 * 10
  EXPECT_DOUBLE_EQ(Percentile(values, 100), 50);   // h = 4
}

TEST(Percentile, TwoValues_QuarterIsAQuarterOfTheWay) {
  EXPECT_DOUBLE_EQ(Percentile({3, 1}, 25), 1.5);  // h = 0.25: 1 + .25 * 2
}

TEST(Percentile, OneValue_IsEveryPercentile) {
  EXPECT_DOUBLE_EQ(Percentile({7}, 0), 7);
  EXPECT_DOUBLE_EQ(Percentile({7}, 99), 7);
}

TEST(Summarize, Empty_HasCountZero) { EXPECT_EQ(Summarize({}).count, 0u); }

TEST(Summarize, FiveValues_MeanAndPercentiles) {
  Distribution d = Summarize({15, 20, 35, 40, 50});
  EXPECT_EQ(d.count, 5u);
  EXPECT_DOUBLE_EQ(d.mean, 32);  // 160 / 5
  EXPECT_DOUBLE_EQ(d.p50, 35);
  EXPECT_DOUBLE_EQ(d.p90, 46);
  EXPECT_DOUBLE_EQ(d.p99, 49.6);
}

// Four token events, the third carrying two tokens (held back for a stop
// sequence), five tokens in all according to usage.
StreamRecord HeldBackStream() {
  StreamRecord record;
  record.token_event_s = {0.100, 0.110, 0.125, 0.160};
  record.end_s = 0.170;
  record.completion_tokens = 5;
  return record;
}

TEST(MeasureRequest, UsageCount_TpotSpreadsDecodeTimeOverLaterTokens) {
  RequestMetrics m = MeasureRequest(HeldBackStream());
  EXPECT_DOUBLE_EQ(m.ttft_s, 0.100);
  EXPECT_DOUBLE_EQ(m.e2e_s, 0.170);
  EXPECT_EQ(m.output_tokens, 5);
  ASSERT_TRUE(m.tpot_s.has_value());
  EXPECT_NEAR(*m.tpot_s, 0.0175, 1e-12);  // (0.170 - 0.100) / (5 - 1)
  // One gap per event: 0.010, 0.015, 0.035; the held tokens add none.
  ASSERT_EQ(m.itl_s.size(), 3u);
  EXPECT_NEAR(m.itl_s[0], 0.010, 1e-12);
  EXPECT_NEAR(m.itl_s[1], 0.015, 1e-12);
  EXPECT_NEAR(m.itl_s[2], 0.035, 1e-12);
}

TEST(MeasureRequest, NoUsage_CountsEventsAsTokens) {
  StreamRecord record = HeldBackStream();
  record.completion_tokens.reset();
  RequestMetrics m = MeasureRequest(record);
  EXPECT_EQ(m.output_tokens, 4);
  EXPECT_NEAR(*m.tpot_s, 0.070 / 3, 1e-12);  // (0.170 - 0.100) / (4 - 1)
}

TEST(MeasureRequest, OneToken_HasNoTpotAndNoGaps) {
  StreamRecord record;
  record.token_event_s = {0.05};
  record.end_s = 0.06;
  record.completion_tokens = 1;
  RequestMetrics m = MeasureRequest(record);
  EXPECT_FALSE(m.tpot_s.has_value());
  EXPECT_TRUE(m.itl_s.empty());
}

}  // namespace
}  // namespace nymph::bench
