// The simulator's physics and sensor encoders against first principles
// computed here: the RC network's steady state by solving its linear
// equations, the NTC divider, and the PMBus number formats decoded by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "by_hand.h"
#include "mcu/protocol.h"
#include "sim/fan_model.h"
#include "sim/power_model.h"
#include "sim/sensor_encoders.h"
#include "sim/thermal_model.h"

namespace nymph::sim {
namespace {

using Matrix = std::array<std::array<double, kZoneCount>, kZoneCount>;

// Gaussian elimination with partial pivoting: solves G·x = b.
ZoneArray Solve(Matrix g, ZoneArray b) {
  for (int col = 0; col < kZoneCount; ++col) {
    int pivot = col;
    for (int row = col + 1; row < kZoneCount; ++row) {
      if (std::abs(g[row][col]) > std::abs(g[pivot][col])) pivot = row;
    }
    std::swap(g[col], g[pivot]);
    std::swap(b[col], b[pivot]);
    for (int row = col + 1; row < kZoneCount; ++row) {
      double f = g[row][col] / g[col][col];
      for (int k = col; k < kZoneCount; ++k) g[row][k] -= f * g[col][k];
      b[row] -= f * b[col];
    }
  }
  ZoneArray x{};
  for (int row = kZoneCount - 1; row >= 0; --row) {
    double sum = b[row];
    for (int k = row + 1; k < kZoneCount; ++k) sum -= g[row][k] * x[k];
    x[row] = sum / g[row][row];
  }
  return x;
}

// Steady-state rise above ambient: (diag(G_amb) + Laplacian(couplings))·ΔT
// = P, with G_amb = natural + forced·speed^0.8 as documented.
ZoneArray SteadyRise(const ThermalParams& p, const ZoneArray& watts,
                     double speed) {
  Matrix g{};
  for (int i = 0; i < kZoneCount; ++i) {
    g[i][i] = p.natural_w_per_k[i] +
              p.forced_w_per_k[i] * std::pow(speed, p.forced_exponent);
  }
  for (const Coupling& c : p.couplings) {
    g[c.a][c.a] += c.watts_per_kelvin;
    g[c.b][c.b] += c.watts_per_kelvin;
    g[c.a][c.b] -= c.watts_per_kelvin;
    g[c.b][c.a] -= c.watts_per_kelvin;
  }
  return Solve(g, watts);
}

double Hottest(const ZoneArray& rise) {
  return *std::max_element(rise.begin(), rise.end());
}

TEST(ThermalModel, ConvergesToTheSolutionOfTheSteadyStateEquations) {
  ThermalParams params = DefaultThermalParams();
  ThermalModel model(params, 35.0);
  ZoneArray watts = {6.0, 1.5, 9.0, 2.0};
  const double speed = 0.55;
  for (int step = 0; step < 40000; ++step) {  // 2000 s of 0.05 s steps
    model.Step(0.05, watts, 35.0, speed);
  }
  ZoneArray rise = SteadyRise(params, watts, speed);
  for (int zone = 0; zone < kZoneCount; ++zone) {
    EXPECT_NEAR(model.celsius()[zone], 35.0 + rise[zone], 1e-3)
        << kZoneNames[zone];
  }
}

TEST(ThermalModel, MaxLoadGivesAbout20KWithFullFanAnd45KWithout) {
  // The design targets of docs/boardsim.md: maximum load is 100 % CPU use
  // at the default 20 W of dynamic power and full clock.
  PowerParams power;
  PowerInputs in;
  in.cpu_fraction = 1.0;
  in.cpu_watts = 20;
  ZoneArray watts = ComputePower(power, in).zone_watts;
  ThermalParams thermal = DefaultThermalParams();
  double full_fan = Hottest(SteadyRise(thermal, watts, 1.0));
  double no_fan = Hottest(SteadyRise(thermal, watts, 0.0));
  EXPECT_NEAR(full_fan, 20.0, 2.0);
  EXPECT_NEAR(no_fan, 45.0, 3.0);
}

TEST(ThermalModel, TimeConstantsAreTensOfSecondsToMinutes) {
  // The slowest mode with the fan stopped: C·dT/dt = −G·T decays like
  // exp(−t/τ); measure τ from the model's own decay between two times.
  ThermalParams params = DefaultThermalParams();
  ThermalModel model(params, 60.0);
  ZoneArray no_power{};
  auto rise_after = [&](double seconds) {
    for (int i = 0; i < static_cast<int>(seconds / 0.05); ++i) {
      model.Step(0.05, no_power, 35.0, 0.0);
    }
    return Hottest(model.celsius()) - 35.0;
  };
  double at_600 = rise_after(600);
  double at_900 = rise_after(300);
  double tau = 300.0 / std::log(at_600 / at_900);
  EXPECT_GT(tau, 20.0);
  EXPECT_LT(tau, 300.0);
}

TEST(PowerModel, DvfsCapScalesDynamicPowerAsFrequencyTimesVoltageSquared) {
  PowerParams params;
  PowerInputs full, capped;
  full.load_watts = capped.load_watts = 10;
  full.cpu_watts = capped.cpu_watts = 0;
  capped.dvfs_ratio = 0.5;
  // V at half clock on the line from (0.17, 0.675) to (1, 1).
  double r_min = 408.0 / 2400.0;
  double v = 0.675 + (1 - 0.675) * (0.5 - r_min) / (1 - r_min);
  double expected = 0.5 * v * v;
  PowerState a = ComputePower(params, full), b = ComputePower(params, capped);
  double dyn_a = a.zone_watts[kNpu] - params.idle_watts[kNpu];
  double dyn_b = b.zone_watts[kNpu] - params.idle_watts[kNpu];
  EXPECT_NEAR(dyn_b / dyn_a, expected, 1e-12);
  EXPECT_NEAR(b.rails[kVcore].volts_out, 1.0 * v, 1e-12);
}

TEST(PowerModel, VrmDissipatesTheRailsConversionLoss) {
  PowerParams params;
  PowerInputs in;
  in.load_watts = 10;
  in.cpu_watts = 0;
  PowerState s = ComputePower(params, in);
  double out = s.rails[kVcore].watts_out + s.rails[kVnpu].watts_out;
  EXPECT_NEAR(s.zone_watts[kVrm], 0.10 * out, 1e-12);
  EXPECT_NEAR(s.rails[kVcore].amps_out * s.rails[kVcore].volts_out,
              s.rails[kVcore].watts_out, 1e-12);
}

TEST(FanModel, StallsBelowMinimumDutyAndRestartsOnlyAboveStartDuty) {
  FanModel fan(FanParams{});
  auto settle = [&](double duty) {
    for (int i = 0; i < 400; ++i) fan.Step(0.05, duty, false);  // 20 s
  };
  settle(0.25);  // from standstill: below the start duty
  EXPECT_FALSE(fan.spinning());
  EXPECT_LT(fan.rpm(), 1.0);
  settle(0.5);
  EXPECT_TRUE(fan.spinning());
  EXPECT_NEAR(fan.rpm(), 0.5 * 6000, 1.0);
  settle(0.25);  // running: stays above the stop duty
  EXPECT_TRUE(fan.spinning());
  EXPECT_NEAR(fan.rpm(), 0.25 * 6000, 1.0);
  settle(0.15);
  EXPECT_FALSE(fan.spinning());
  EXPECT_LT(fan.rpm(), 1.0);
}

TEST(FanModel, LockedRotorStopsAtAnyDuty) {
  FanModel fan(FanParams{});
  for (int i = 0; i < 400; ++i) fan.Step(0.05, 1.0, false);
  for (int i = 0; i < 400; ++i) fan.Step(0.05, 1.0, true);
  EXPECT_FALSE(fan.spinning());
  EXPECT_LT(fan.rpm(), 1.0);
}

TEST(NtcFrontEnd, TwentyFiveDegreesIsMidScale) {
  // R = R25 = pull-up: half of full scale, 2047.5, rounds to 2048.
  EXPECT_EQ(NtcCounts(NtcFrontEnd{}, 25.0), 2048);
}

TEST(NtcFrontEnd, CountsFollowTheDividerFormula) {
  for (double c = -30; c <= 130; c += 2.5) {
    EXPECT_EQ(NtcCounts(NtcFrontEnd{}, c), testing::ExpectedNtcCounts(c))
        << c << " C";
  }
}

TEST(NtcFrontEnd, OpenAndShortReachTheAdcRails) {
  EXPECT_EQ(AdcCountsForOhms(NtcFrontEnd{}, INFINITY), 4095);
  EXPECT_EQ(AdcCountsForOhms(NtcFrontEnd{}, 0.0), 0);
}

TEST(PmbusEncoders, Linear11KeepsFullResolution) {
  for (double v : {12.0, 0.779, 8.5, 14.35, 51.7, -5.25, 0.0, 250.0}) {
    uint16_t word = EncodeLinear11(v);
    int n = (word >> 11) & 0x1F;
    if (n > 15) n -= 32;
    // Within half a step of the chosen exponent, and the mantissa uses
    // the top half of its range unless the exponent is already minimal.
    EXPECT_NEAR(testing::DecodeLinear11ByHand(word), v, std::pow(2.0, n) / 2)
        << v;
    int y = word & 0x7FF;
    if (y > 1023) y -= 2048;
    if (n > -16) {
      EXPECT_GE(std::abs(y), 512) << v;
    }
  }
  EXPECT_EQ(EncodeLinear11(12.0), (0x1A << 11) | 768);  // 768·2^-6, -6 = 0x1A
}

TEST(PmbusEncoders, Linear16WithVoutModeExponent) {
  EXPECT_EQ(VoutModeLinear16(-9), 0x17);
  EXPECT_EQ(EncodeLinear16(1.0, -9), 512);
  EXPECT_EQ(EncodeLinear16(0.8125, -9), 416);
}

TEST(PmbusEncoders, VidCodesOfVr12AndVr13) {
  EXPECT_EQ(VoutModeVid(VidTable::kVr12), 0x21);
  EXPECT_EQ(VoutModeVid(VidTable::kVr13), 0x24);
  EXPECT_EQ(EncodeVid(VidTable::kVr12, 0.25), 1);
  EXPECT_EQ(EncodeVid(VidTable::kVr12, 0.85), 121);  // (0.85−0.25)/0.005+1
  EXPECT_EQ(EncodeVid(VidTable::kVr13, 0.85), 36);   // (0.85−0.50)/0.01+1
  EXPECT_EQ(EncodeVid(VidTable::kVr12, 0.0), 0);
}

TEST(Tachometer, PeriodIsSixtyMillionOverTwiceTheRpm) {
  EXPECT_EQ(TachPeriodMicros(6000), 5000);
  EXPECT_EQ(TachPeriodMicros(1000), 30000);
  EXPECT_EQ(TachPeriodMicros(400), mcu::kTachOverflow);  // 75 ms > 16 bits
  EXPECT_EQ(TachPeriodMicros(0), mcu::kTachOverflow);
}

}  // namespace
}  // namespace nymph::sim
