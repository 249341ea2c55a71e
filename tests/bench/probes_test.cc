// KV differences, thermal summaries and scenario specs, from hand-made
// agent answers.
#include <gtest/gtest.h>

#include <set>

#include "agent_probes.h"
#include "prompt_source.h"
#include "scenario_spec.h"

namespace nymph::bench {
namespace {

using nlohmann::json;

TEST(KvDelta, Counters_DifferenceAndScenarioHitRate) {
  json before = {{"hit_tokens", 1000}, {"miss_tokens", 3000},
                 {"evictions", 2},     {"used_kb", 512},
                 {"pinned_kb", 128},   {"capacity_kb", 1048576}};
  json after = {{"hit_tokens", 1600}, {"miss_tokens", 3200},
                {"evictions", 5},     {"used_kb", 640},
                {"pinned_kb", 128},   {"capacity_kb", 1048576}};
  json d = KvDelta(before, after);
  EXPECT_EQ(d["hit_tokens"], 600);   // 1600 - 1000
  EXPECT_EQ(d["miss_tokens"], 200);  // 3200 - 3000
  EXPECT_EQ(d["evictions"], 3);
  // 600 / (600 + 200), not the agent's lifetime 1600 / 4800.
  EXPECT_DOUBLE_EQ(d["hit_rate"].get<double>(), 0.75);
  EXPECT_EQ(d["used_kb_after"], 640);
}

TEST(KvDelta, NoLookups_HitRateIsNull) {
  json same = {{"hit_tokens", 10}, {"miss_tokens", 10}};
  EXPECT_TRUE(KvDelta(same, same)["hit_rate"].is_null());
}

TEST(KvDelta, MissingField_IsNullNotZero) {
  json d = KvDelta({{"hit_tokens", 1}}, {{"hit_tokens", 2}});
  EXPECT_EQ(d["hit_tokens"], 1);
  EXPECT_TRUE(d["miss_tokens"].is_null());
  EXPECT_TRUE(d["hit_rate"].is_null());
}

json ThermalSample(double soc, double npu, double ambient, double delta,
                   double duty, bool failsafe) {
  return {{"policy", "active"},
          {"target_c", 60},
          {"failsafe", {{"active", failsafe}, {"reasons", json::array()}}},
          {"readings",
           {{"zones", {{"soc", soc}, {"npu", npu}, {"ambient", ambient}}},
            {"fan", {{"duty", duty}, {"rpm", 2900}}}}},
          {"delta_t_c", delta}};
}

TEST(SummarizeThermal, ThreeSamples_MaxMeanAndFailsafe) {
  std::vector<json> samples = {
      ThermalSample(61.2, 58.0, 35.0, 26.2, 0.40, false),
      ThermalSample(59.0, 63.5, 35.0, 28.5, 0.50, true),
      ThermalSample(60.0, 57.0, 35.0, 25.0, 0.60, false)};
  // A faulted zone is null; the sample's other readings still count.
  samples[2]["readings"]["zones"]["npu"] = nullptr;
  json s = SummarizeThermal(samples);
  EXPECT_EQ(s["samples"], 3);
  EXPECT_DOUBLE_EQ(s["max_hottest_zone_c"].get<double>(), 63.5);
  EXPECT_EQ(s["hottest_zone"], "npu");
  EXPECT_DOUBLE_EQ(s["max_delta_t_c"].get<double>(), 28.5);
  // (26.2 + 28.5 + 25.0) / 3 = 79.7 / 3
  EXPECT_NEAR(s["mean_delta_t_c"].get<double>(), 79.7 / 3, 1e-9);
  EXPECT_NEAR(s["mean_fan_duty"].get<double>(), 0.5, 1e-12);
  EXPECT_EQ(s["failsafe_seen"], true);
  EXPECT_EQ(s["policies"], json::array({"active"}));
}

TEST(SummarizeThermal, AmbientOnly_HasNoHottestZone) {
  json sample = {{"readings", {{"zones", {{"ambient", 35.0}}}}}};
  json s = SummarizeThermal({sample});
  EXPECT_TRUE(s["max_hottest_zone_c"].is_null());
  EXPECT_TRUE(s["mean_fan_duty"].is_null());
  EXPECT_EQ(s["failsafe_seen"], false);
}

TEST(ParseScenario, Forms_KindNumberAndPrompts) {
  auto single = ParseScenario("single");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->arrival, Arrival::kClosedLoop);
  EXPECT_EQ(single->clients, 1);
  auto shared = ParseScenario("concurrent:4:shared-prefix");
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->clients, 4);
  EXPECT_EQ(shared->prompts, PromptKind::kSharedPrefix);
  auto poisson = ParseScenario("poisson:2.5");
  ASSERT_TRUE(poisson.ok());
  EXPECT_EQ(poisson->arrival, Arrival::kPoisson);
  EXPECT_DOUBLE_EQ(poisson->rate_per_s, 2.5);
  EXPECT_EQ(poisson->prompts, PromptKind::kUnique);
  auto infer = ParseScenario("poisson:10:infer");
  ASSERT_TRUE(infer.ok());
  EXPECT_EQ(infer->prompts, PromptKind::kInfer);
  EXPECT_STREQ(PromptKindName(infer->prompts), "infer");
}

TEST(ParseScenario, Nonsense_IsRefusedWithTheGrammar) {
  for (const char* bad :
       {"", "burst", "concurrent", "concurrent:0", "concurrent:1.5",
        "poisson:-1", "poisson:x", "single:shared", "poisson:1:unique:9"}) {
    auto spec = ParseScenario(bad);
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_NE(spec.status().message().find("concurrent:N"), std::string::npos);
  }
}

TEST(PromptSource, SameSeed_SameSlices_DistinctStartsPerIndex) {
  std::string text = "alpha beta gamma delta epsilon zeta eta theta";
  PromptSource a(text, 7), b(text, 7);
  EXPECT_EQ(a.distinct_starts(), 8u);  // eight words
  std::set<std::string> firsts;
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(a.Slice(i, 12), b.Slice(i, 12));
    EXPECT_EQ(a.Slice(i, 12).size(), 12u);
    firsts.insert(a.Slice(i, 4));
  }
  EXPECT_EQ(firsts.size(), 8u);  // each index starts at another word
  // A slice running past the end continues at the start (a ring).
  EXPECT_EQ(a.Slice(0, 100).size(), 100u);
}

}  // namespace
}  // namespace nymph::bench
