// The policies in closed loop with the test's own RC card (rc_plant.h):
// a load step from a cold, idle card must settle on the target without
// much overshoot, and the predictive policy, told of the queued work, must
// overshoot less than the active one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "rc_plant.h"
#include "thermal/policy.h"

namespace nymph::thermal {
namespace {

using testing::RcPlant;
using testing::RcPlantParams;

constexpr double kTargetC = 55;
constexpr double kPeriodS = 1;

struct StepResult {
  double peak_c = 0;              // of the die, after the step
  double worst_late_error_c = 0;  // |sensed - target| over the last 300 s
  double mean_late_error_c = 0;
  double min_perf_cap = 1;
  double late_min_duty = 1;  // fan duty over the last 300 s
  double late_max_duty = 0;
};

class ClosedLoop {
 public:
  explicit ClosedLoop(Policy policy) : policy_(Settings(policy)) {}

  static PolicySettings Settings(Policy policy) {
    PolicySettings settings;
    settings.policy = policy;
    settings.target_c = kTargetC;
    return settings;
  }

  // One control period: `queued` sequences are waiting and `running`
  // decode during the period.
  void Period(int running, int queued) {
    PolicyInput input;
    input.dt_s = kPeriodS;
    input.time_s = time_s_;
    input.hottest_zone = "soc";
    input.hottest_c = plant_.sensed_c();
    input.ambient_c = plant_.params().ambient_c;
    input.power_w = plant_.power_w();
    input.outlook = {running_, queued, plant_.tokens_per_s(), 2};
    PolicyDecision decision = policy_.Decide(input);
    schedule_ = decision.schedule;
    plant_.Run(kPeriodS, schedule_.fan_duty, running, schedule_.perf_cap,
               schedule_.work_fraction);
    running_ = running;
    time_s_ += kPeriodS;
  }

  // Load that comes and goes, so the model and the power map have
  // something to learn from; then idle until the card is cold again.
  void WarmUpAndCoolDown() {
    for (int cycle = 0; cycle < 6; ++cycle) {
      for (int i = 0; i < 150; ++i) Period(cycle % 2 ? 1 : 2, 0);
      for (int i = 0; i < 100; ++i) Period(0, 0);
    }
    for (int i = 0; i < 1500; ++i) Period(0, 0);
  }

  // Two sequences arrive: queued for one period, then running.
  StepResult LoadStep(double seconds) {
    StepResult result;
    Period(0, 2);
    double late_sum = 0;
    int late_n = 0;
    for (double t = 0; t < seconds; t += kPeriodS) {
      Period(2, 0);
      result.peak_c = std::max(result.peak_c, plant_.die_c());
      result.min_perf_cap = std::min(result.min_perf_cap, schedule_.perf_cap);
      if (t >= seconds - 300) {
        double error = std::fabs(plant_.sensed_c() - kTargetC);
        result.worst_late_error_c = std::max(result.worst_late_error_c, error);
        late_sum += error;
        late_n++;
        result.late_min_duty =
            std::min(result.late_min_duty, schedule_.fan_duty);
        result.late_max_duty =
            std::max(result.late_max_duty, schedule_.fan_duty);
      }
    }
    result.mean_late_error_c = late_sum / late_n;
    return result;
  }

  const RcPlant& plant() const { return plant_; }
  const ThermalPolicy& policy() const { return policy_; }

 private:
  RcPlant plant_{RcPlantParams{}};
  ThermalPolicy policy_;
  ThermalSchedule schedule_;
  int running_ = 0;
  double time_s_ = 0;
};

TEST(ClosedLoop, Plant_NeedsTheFanToHoldTheTarget) {
  // Guards the scenario itself: at the minimum duty the step would pass
  // the target by far, and at full duty the fan could hold it.
  RcPlantParams p;
  double watts = p.idle_w + p.watts_per_token_s * p.tokens_s_per_sequence * 2;
  auto steady = [&](double duty) {
    return p.ambient_c + watts / (p.sink_passive + p.sink_fan * duty) +
           watts / p.die_to_sink;
  };
  EXPECT_GT(steady(PolicySettings{}.fan_min), kTargetC + 5);
  EXPECT_LT(steady(1.0), kTargetC - 2);
}

TEST(ClosedLoop, Active_LoadStepFromCold_SettlesOnTarget) {
  ClosedLoop loop(Policy::kActive);
  loop.WarmUpAndCoolDown();
  EXPECT_LT(loop.plant().die_c(), kTargetC - 10);
  StepResult r = loop.LoadStep(1800);
  std::printf("active: peak %.2f, late mean |e| %.3f worst %.2f\n", r.peak_c,
              r.mean_late_error_c, r.worst_late_error_c);
  EXPECT_LE(r.peak_c - kTargetC, 2.0);
  EXPECT_LE(r.mean_late_error_c, 0.5);
  EXPECT_EQ(r.min_perf_cap, 1.0) << "the fan alone can hold this load";
}

TEST(ClosedLoop, Predictive_LoadStepFromCold_SettlesOnTarget) {
  ClosedLoop loop(Policy::kPredictive);
  loop.WarmUpAndCoolDown();
  ASSERT_TRUE(loop.policy().model().ready());
  ASSERT_TRUE(loop.policy().work_power().ready());
  StepResult r = loop.LoadStep(1800);
  std::printf("predictive: peak %.2f, late mean |e| %.3f worst %.2f\n",
              r.peak_c, r.mean_late_error_c, r.worst_late_error_c);
  EXPECT_LE(r.peak_c - kTargetC, 2.0);
  EXPECT_LE(r.mean_late_error_c, 0.5);
}

// Quiet caps the fan at 0.5, which cannot hold this load (about 58 °C at
// 22 W by the plant's equations), so the clock must give way; the fan
// must then stay at its cap instead of hunting between cap and minimum as
// the throttle comes and goes.
TEST(ClosedLoop, Quiet_ThrottlesToHoldTheTarget_FanDoesNotHunt) {
  RcPlantParams p;
  double watts = p.idle_w + p.watts_per_token_s * p.tokens_s_per_sequence * 2;
  ASSERT_GT(p.ambient_c + watts / (p.sink_passive + p.sink_fan * 0.5) +
                watts / p.die_to_sink,
            kTargetC + 2);
  ClosedLoop loop(Policy::kQuiet);
  loop.WarmUpAndCoolDown();
  StepResult r = loop.LoadStep(1800);
  std::printf("quiet: peak %.2f, late mean |e| %.3f, duty %.3f..%.3f\n",
              r.peak_c, r.mean_late_error_c, r.late_min_duty, r.late_max_duty);
  EXPECT_LT(r.min_perf_cap, 1.0);
  EXPECT_LE(r.mean_late_error_c, 0.5);
  EXPECT_LE(r.late_max_duty - r.late_min_duty, 0.05);
}

TEST(ClosedLoop, Predictive_OvershootsLessThanActive) {
  ClosedLoop active(Policy::kActive), predictive(Policy::kPredictive);
  active.WarmUpAndCoolDown();
  predictive.WarmUpAndCoolDown();
  StepResult a = active.LoadStep(900);
  StepResult p = predictive.LoadStep(900);
  EXPECT_LT(p.peak_c, a.peak_c);
}

}  // namespace
}  // namespace nymph::thermal
