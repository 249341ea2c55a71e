// The PID law against sequences worked out by hand from its definition:
// output = kp·e + integral + kd·(filtered measurement rate) + feedforward,
// e = measurement - setpoint, the integral summing ki·e·dt.
#include "thermal/pid.h"

#include <gtest/gtest.h>

namespace nymph::thermal {
namespace {

PidInput At(double measurement, double dt = 1, double setpoint = 60) {
  return {setpoint, measurement, 0, dt};
}

TEST(Pid, Proportional_OutputIsGainTimesError) {
  PidGains gains{.kp = 0.1, .out_min = 0, .out_max = 1};
  PidState state;
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(65)).output, 0.5);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(57)).output, 0.0);  // clamped
}

TEST(Pid, Integral_AccumulatesGainTimesErrorTimesDt) {
  PidGains gains{.kp = 0, .ki = 0.01, .out_min = 0, .out_max = 1};
  PidState state;
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(62, 2)).output, 0.04);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(63, 1)).output, 0.07);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(59, 1)).output, 0.06);
}

TEST(Pid, Saturated_IntegralDoesNotGrowAndRecoveryIsImmediate) {
  PidGains gains{.kp = 0.1, .ki = 0.05, .out_min = 0, .out_max = 1};
  PidState state;
  for (int i = 0; i < 10; ++i) {
    PidTerms terms = PidStep(gains, state, At(80));  // e = 20: raw 2 + I
    EXPECT_DOUBLE_EQ(terms.output, 1.0);
    EXPECT_TRUE(terms.saturated);
    EXPECT_DOUBLE_EQ(state.integral, 0.0);
  }
  // Without anti-windup the integral would hold 10 (ten steps of
  // 0.05 × 20) and keep the fan full for a long time. Here, with e = 1:
  // P = 0.1, I = 0.05 × 1 = 0.05.
  PidTerms terms = PidStep(gains, state, At(61));
  EXPECT_DOUBLE_EQ(terms.output, 0.15);
  EXPECT_DOUBLE_EQ(state.integral, 0.05);
}

TEST(Pid, ApproachingTheLimit_IntegralStopsExactlyAtIt) {
  // e = 1: P = 0.5, I grows 0.15 a step: 0.65, 0.80, 0.95; the fourth
  // step would give 1.1, so I grows only to 0.5, where P + I = 1.
  PidGains gains{.kp = 0.5, .ki = 0.15, .out_min = 0, .out_max = 1};
  PidState state;
  for (double want : {0.65, 0.80, 0.95}) {
    EXPECT_NEAR(PidStep(gains, state, At(61)).output, want, 1e-12);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(PidStep(gains, state, At(61)).output, 1.0, 1e-12);
    EXPECT_NEAR(state.integral, 0.5, 1e-12);
  }
}

TEST(Pid, SaturatedLow_ErrorBackTowardRange_Integrates) {
  PidGains gains{.kp = 0.1, .ki = 0.05, .out_min = 0.2, .out_max = 1};
  PidState state;
  PidReset(state, 0.2);
  // e = -5: raw = -0.5 + 0.2 - 0.25 < 0.2, pushed down: I frozen at 0.2.
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(55)).output, 0.2);
  EXPECT_DOUBLE_EQ(state.integral, 0.2);
  // e = +1: P 0.1, I 0.2 + 0.05 = 0.25, output 0.35.
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(61)).output, 0.35);
}

TEST(Pid, SlewLimit_OutputMovesAtMostRateTimesDt) {
  PidGains gains{.kp = 1, .out_min = 0, .out_max = 1, .max_slew_per_s = 0.1};
  PidState state;
  // The first step has nothing to slew from.
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(60.5, 0.5)).output, 0.5);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(61, 0.5)).output, 0.55);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(61, 0.5)).output, 0.60);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(60, 2)).output, 0.40);
}

TEST(Pid, LoweredLimit_HoldsAtOnceDespiteSlew) {
  PidGains gains{.kp = 1, .out_min = 0, .out_max = 0.5, .max_slew_per_s = 0.1};
  PidState state;
  PidReset(state, 1.0);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(70)).output, 0.5);
}

TEST(Pid, Deadband_HoldsInsideHalfAndResumesBeyondFull) {
  PidGains gains{.kp = 0.1, .out_min = 0, .out_max = 1, .deadband = 0.4};
  PidState state;
  EXPECT_NEAR(PidStep(gains, state, At(61)).output, 0.1, 1e-12);
  // 0.3 > 0.2 (half the band): still regulating.
  EXPECT_NEAR(PidStep(gains, state, At(60.3)).output, 0.03, 1e-12);
  // 0.15 <= 0.2: holds.
  PidTerms held = PidStep(gains, state, At(60.15));
  EXPECT_TRUE(held.holding);
  EXPECT_NEAR(held.output, 0.03, 1e-12);
  // 0.35 <= 0.4: still holds (hysteresis).
  EXPECT_NEAR(PidStep(gains, state, At(60.35)).output, 0.03, 1e-12);
  // 0.5 > 0.4: regulates again.
  EXPECT_NEAR(PidStep(gains, state, At(60.5)).output, 0.05, 1e-12);
  EXPECT_NEAR(PidStep(gains, state, At(59.9)).output, 0.05, 1e-12);
}

TEST(Pid, Deadband_HoldsTheFeedbackButFollowsTheFeedforward) {
  PidGains gains{.kp = 0.1, .out_min = 0, .out_max = 1, .deadband = 0.4};
  PidState state;
  EXPECT_NEAR(PidStep(gains, state, {60, 61, 0.2, 1}).output, 0.3, 1e-12);
  EXPECT_NEAR(PidStep(gains, state, {60, 60.1, 0.2, 1}).output, 0.3, 1e-12);
  // Held feedback 0.1, feedforward now 0.5.
  EXPECT_NEAR(PidStep(gains, state, {60, 60.1, 0.5, 1}).output, 0.6, 1e-12);
}

TEST(Pid, Derivative_OnMeasurementNotOnSetpointChange) {
  PidGains gains{.kd = 2, .out_min = 0, .out_max = 10};
  PidState state;
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(60, 1, 60)).output, 0);
  // The setpoint moves, the measurement does not: no kick.
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(60, 1, 50)).output, 0);
  // The measurement rises 1 °C/s: kd × 1.
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(61, 1, 50)).output, 2);
}

TEST(Pid, DerivativeFilter_FirstOrderLowPass) {
  // tau = 1 s, dt = 1 s: alpha = 0.5, so the filtered rate goes 0.5, 0.75.
  PidGains gains{.kd = 2, .out_min = 0, .out_max = 10, .derivative_tau_s = 1};
  PidState state;
  PidStep(gains, state, At(60));
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(61)).output, 1.0);
  EXPECT_DOUBLE_EQ(PidStep(gains, state, At(62)).output, 1.5);
}

TEST(Pid, Feedforward_AddsToOutput) {
  PidGains gains{.kp = 0.1, .out_min = 0, .out_max = 1};
  PidState state;
  EXPECT_DOUBLE_EQ(PidStep(gains, state, {60, 62, 0.3, 1}).output, 0.5);
}

}  // namespace
}  // namespace nymph::thermal
