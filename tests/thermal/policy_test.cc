// What each policy decides in situations whose right answer follows from
// SPEC §2: who moves first (fan, DVFS, work) and within which limits.
#include "thermal/policy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nymph::thermal {
namespace {

PolicySettings With(Policy policy, double target = 60) {
  PolicySettings s;
  s.policy = policy;
  s.target_c = target;
  return s;
}

PolicyInput At(double hottest_c, double time_s, double power_w = 20) {
  PolicyInput in;
  in.dt_s = 1;
  in.time_s = time_s;
  in.hottest_zone = "soc";
  in.hottest_c = hottest_c;
  in.ambient_c = 35;
  in.power_w = power_w;
  return in;
}

// Runs `seconds` one-second periods at a constant temperature.
PolicyDecision HoldAt(ThermalPolicy& policy, double hottest_c, int seconds,
                      double* time_s) {
  PolicyDecision d;
  for (int i = 0; i < seconds; ++i)
    d = policy.Decide(At(hottest_c, (*time_s)++));
  return d;
}

TEST(PolicyNames, ParseRoundTripsAndRejectsUnknown) {
  for (Policy p : {Policy::kPassive, Policy::kActive, Policy::kPredictive,
                   Policy::kAggressive, Policy::kQuiet, Policy::kLinear}) {
    EXPECT_EQ(ParsePolicy(PolicyName(p)), p);
  }
  EXPECT_FALSE(ParsePolicy("turbo"));
  EXPECT_FALSE(ParsePolicy("Active"));
}

TEST(ValidateSettings, TargetRangeFollowsAmbientAndBudget) {
  // SPEC: at 35 °C ambient, 60 °C or below.
  EXPECT_TRUE(ValidateSettings(With(Policy::kActive, 60), 35).ok());
  EXPECT_EQ(ValidateSettings(With(Policy::kActive, 60.5), 35).kind(),
            ErrorKind::kUnprocessable);
  EXPECT_TRUE(ValidateSettings(With(Policy::kActive, 50), 25).ok());
  EXPECT_FALSE(ValidateSettings(With(Policy::kActive, 51), 25).ok());
  EXPECT_FALSE(ValidateSettings(With(Policy::kActive, 39), 35).ok());
  PolicySettings fans = With(Policy::kActive);
  fans.fan_min = 0.8;
  fans.fan_max = 0.5;
  EXPECT_FALSE(ValidateSettings(fans, 35).ok());
  PolicySettings nan = With(Policy::kActive, std::nan(""));
  EXPECT_FALSE(ValidateSettings(nan, 35).ok());
}

TEST(Policy, Passive_NeverBoostsTheFan_CapsClockThenWork) {
  ThermalPolicy policy(With(Policy::kPassive));
  double t = 0;
  PolicyDecision d = HoldAt(policy, 65, 10, &t);
  EXPECT_EQ(d.schedule.fan_duty, policy.settings().fan_min);
  EXPECT_LT(d.schedule.perf_cap, 1.0);
  EXPECT_EQ(d.schedule.work_fraction, 1.0) << "DVFS before throttling";
  d = HoldAt(policy, 65, 200, &t);
  EXPECT_EQ(d.schedule.fan_duty, policy.settings().fan_min);
  EXPECT_DOUBLE_EQ(d.schedule.perf_cap, PolicyTuning{}.perf_floor);
  EXPECT_LT(d.schedule.work_fraction, 1.0);
  EXPECT_GE(d.schedule.work_fraction, PolicyTuning{}.work_floor - 1e-9);
}

// fancontrol's ramp with MINTEMP 50, MAXTEMP 60, MINPWM 0.25, MAXPWM 1:
// duty = 0.25 + 0.75 × (T − 50) / 10, clamped.
TEST(Policy, Linear_IsTheRampFromTenBelowTheTargetToTheTarget) {
  ThermalPolicy policy(With(Policy::kLinear, 60));
  double t = 0;
  EXPECT_DOUBLE_EQ(HoldAt(policy, 45, 1, &t).schedule.fan_duty, 0.25);
  EXPECT_DOUBLE_EQ(HoldAt(policy, 50, 1, &t).schedule.fan_duty, 0.25);
  EXPECT_DOUBLE_EQ(HoldAt(policy, 55, 1, &t).schedule.fan_duty, 0.625);
  EXPECT_DOUBLE_EQ(HoldAt(policy, 58, 1, &t).schedule.fan_duty, 0.85);
  // No slew limit and no memory: straight back down the ramp.
  EXPECT_DOUBLE_EQ(HoldAt(policy, 51, 1, &t).schedule.fan_duty, 0.325);
  PolicyDecision hot = HoldAt(policy, 60, 1, &t);
  EXPECT_DOUBLE_EQ(hot.schedule.fan_duty, 1.0);
  EXPECT_EQ(hot.schedule.perf_cap, 1.0) << "at the target, not above it";
}

TEST(Policy, Active_HotRaisesTheFanWithoutThrottling) {
  ThermalPolicy policy(With(Policy::kActive));
  double t = 0;
  PolicyDecision cool = HoldAt(policy, 50, 5, &t);
  EXPECT_EQ(cool.schedule.fan_duty, policy.settings().fan_min);
  PolicyDecision hot = HoldAt(policy, 62, 3, &t);
  EXPECT_GT(hot.schedule.fan_duty, cool.schedule.fan_duty);
  EXPECT_LT(hot.schedule.fan_duty, 1.0);
  EXPECT_EQ(hot.schedule.perf_cap, 1.0) << "the fan still has room";
}

TEST(Policy, Active_FanAtMaxAndStillHot_CapsTheClock) {
  ThermalPolicy policy(With(Policy::kActive));
  double t = 0;
  PolicyDecision d = HoldAt(policy, 64, 60, &t);
  EXPECT_EQ(d.schedule.fan_duty, 1.0);
  EXPECT_LT(d.schedule.perf_cap, 1.0);
  // Cooled below the target again: performance returns before the fan
  // slows down.
  d = HoldAt(policy, 59, 5, &t);
  EXPECT_EQ(d.schedule.fan_duty, 1.0);
  d = HoldAt(policy, 59, 300, &t);
  EXPECT_EQ(d.schedule.perf_cap, 1.0);
  EXPECT_LT(d.schedule.fan_duty, 1.0);
}

TEST(Policy, Quiet_CapsTheFanAndThrottlesWhereActiveWouldNot) {
  ThermalPolicy quiet(With(Policy::kQuiet)), active(With(Policy::kActive));
  double tq = 0, ta = 0;
  // 0.4 °C over: beyond both deadbands, below active's throttle margin.
  PolicyDecision q = HoldAt(quiet, 60.4, 200, &tq);
  PolicyDecision a = HoldAt(active, 60.4, 200, &ta);
  EXPECT_LE(q.schedule.fan_duty, PolicyTuning{}.quiet_fan_cap);
  EXPECT_LT(q.schedule.perf_cap, 1.0);
  EXPECT_GT(a.schedule.fan_duty, PolicyTuning{}.quiet_fan_cap);
  EXPECT_EQ(a.schedule.perf_cap, 1.0);
}

TEST(Policy, Aggressive_CoolsHarderThanActiveBelowTarget) {
  ThermalPolicy aggressive(With(Policy::kAggressive)),
      active(With(Policy::kActive));
  double tg = 0, ta = 0;
  PolicyDecision g = HoldAt(aggressive, 59, 20, &tg);
  PolicyDecision a = HoldAt(active, 59, 20, &ta);
  EXPECT_GT(g.schedule.fan_duty, a.schedule.fan_duty);
  // Throttles last: still no cap at 1 °C over the target with full fan.
  g = HoldAt(aggressive, 61, 60, &tg);
  EXPECT_EQ(g.schedule.fan_duty, 1.0);
  EXPECT_EQ(g.schedule.perf_cap, 1.0);
}

TEST(Policy, LimitsFromSettings_Respected) {
  PolicySettings s = With(Policy::kActive);
  s.fan_min = 0.4;
  s.fan_max = 0.7;
  ThermalPolicy policy(s);
  double t = 0;
  EXPECT_EQ(HoldAt(policy, 40, 5, &t).schedule.fan_duty, 0.4);
  EXPECT_EQ(HoldAt(policy, 70, 30, &t).schedule.fan_duty, 0.7);
}

TEST(Policy, Predictive_QueuedWorkRaisesTheFanBeforeTheHeat) {
  // Two predictive policies learn the same first-order card (solved
  // exactly here: dx/dt = a·P - (b + c·f)·x) with 10 W idle, 0.2 J per
  // token and 40 tokens/s per sequence; then one of them is told that
  // four sequences have just been queued.
  const double a = 1.0 / 150, b = 1.0 / 240, c = 1.0 / 150, ambient = 35;
  ThermalPolicy told(With(Policy::kPredictive)),
      untold(With(Policy::kPredictive));
  double x = 15, t = 0, fan = 0.25;
  PolicyInput in;
  for (int i = 0; i < 600; ++i) {
    int running = (i / 60) % 2 ? 3 : 0;
    double power = 10 + 0.2 * 40 * running;
    in = At(ambient + x, t, power);
    in.outlook = {running, 0, 40.0 * running, 4};
    fan = told.Decide(in).schedule.fan_duty;
    untold.Decide(in);
    double rate = b + c * fan;
    double xs = a * power / rate;
    x = xs + (x - xs) * std::exp(-rate);
    t++;
  }
  ASSERT_TRUE(told.model().ready());
  ASSERT_TRUE(told.work_power().ready());
  in = At(ambient + x, t, 10);
  in.outlook = {0, 4, 0, 4};
  PolicyDecision with_queue = told.Decide(in);
  in.outlook = {0, 0, 0, 4};
  PolicyDecision without = untold.Decide(in);
  EXPECT_NEAR(with_queue.expected_power_w.value(), 10 + 0.2 * 40 * 4, 0.5);
  EXPECT_NEAR(without.expected_power_w.value(), 10, 0.5);
  EXPECT_GT(with_queue.schedule.fan_duty, without.schedule.fan_duty);
  ASSERT_TRUE(with_queue.forecast_c);
  ASSERT_TRUE(without.forecast_c);
  EXPECT_GT(*with_queue.forecast_c, *without.forecast_c);
}

TEST(ThermalPolicy, PowerUnknownTeachesNothingAndForecastsNothing) {
  // Rails that report no power (hwmon without rails, all rails faulted):
  // 0 W would be a wrong input to learn from, so the model and the work's
  // power map learn nothing, but the fan still answers the temperature.
  ThermalPolicy told(With(Policy::kPredictive, 55)),
      blind(With(Policy::kPredictive, 55));
  PolicyDecision seen, unseen;
  for (int i = 0; i < 60; ++i) {
    seen = told.Decide(At(58, i, 12));
    PolicyInput in = At(58, i);
    in.power_w.reset();
    unseen = blind.Decide(in);
  }
  ASSERT_TRUE(told.model().ready());  // 60 samples with power: it learns
  EXPECT_TRUE(seen.expected_power_w.has_value());
  EXPECT_FALSE(blind.model().ready());
  EXPECT_FALSE(unseen.expected_power_w.has_value());
  EXPECT_FALSE(unseen.forecast_c.has_value());
  EXPECT_GT(unseen.schedule.fan_duty, With(Policy::kPredictive).fan_min);
}

}  // namespace
}  // namespace nymph::thermal
