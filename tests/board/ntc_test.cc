#include "board/ntc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace nymph::board {
namespace {

// Datasheet values of the EPCOS B57560G104F: R25 = 100 kΩ, B25/100 =
// 4092 K, and three points of its R/T table.
constexpr double kR25 = 100000.0;
constexpr double kBeta = 4092.0;
constexpr double kPullup = 100000.0;
constexpr double kFullScale = 4095.0;  // 12-bit ADC
constexpr double kKelvin = 273.15;

// The beta equation as the datasheet writes it: R(T) = R25 e^(B(1/T-1/T25)).
double DatasheetResistance(double celsius) {
  return kR25 *
         std::exp(kBeta * (1.0 / (celsius + kKelvin) - 1.0 / (25.0 + kKelvin)));
}

double DatasheetCelsius(double ohms) {
  return 1.0 / (1.0 / (25.0 + kKelvin) + std::log(ohms / kR25) / kBeta) -
         kKelvin;
}

// What a divider of NTC to ground and pull-up to Vref gives the ADC.
double IdealCounts(double ohms) { return kFullScale * ohms / (ohms + kPullup); }

double OhmsAtCounts(double counts) {
  return kPullup * counts / (kFullScale - counts);
}

TEST(NtcCelsiusFromAdc, ZeroTo125C_WithinTenthOfDegreeOrOneHalfCount) {
  const NtcDivider divider;
  for (double celsius = 0.0; celsius <= 125.0; celsius += 0.25) {
    const double counts = std::round(IdealCounts(DatasheetResistance(celsius)));
    StatusOr<double> decoded =
        NtcCelsiusFromAdc(static_cast<uint32_t>(counts), divider);
    ASSERT_TRUE(decoded.ok())
        << celsius << " °C: " << decoded.status().message();
    // The count itself is decoded exactly...
    EXPECT_NEAR(*decoded, DatasheetCelsius(OhmsAtCounts(counts)), 1e-9);
    // ...and rounding to a whole count costs at most half a count of
    // temperature: under 0.1 °C up to about 110 °C, where the 12-bit ADC's
    // resolution through a 100 kΩ pull-up runs out (0.14 °C at 125 °C).
    const double half_count =
        std::max(std::abs(DatasheetCelsius(OhmsAtCounts(counts - 0.5)) -
                          DatasheetCelsius(OhmsAtCounts(counts))),
                 std::abs(DatasheetCelsius(OhmsAtCounts(counts + 0.5)) -
                          DatasheetCelsius(OhmsAtCounts(counts))));
    const double tolerance = celsius <= 110.0 ? 0.1 : half_count;
    EXPECT_NEAR(*decoded, celsius, tolerance) << "counts " << counts;
  }
}

TEST(NtcResistanceFromAdc, MidScale_IsPullupTimesRatio) {
  const NtcDivider divider;
  // 2048 / 4095 of the reference across the NTC: R = 100k * 2048 / 2047.
  EXPECT_NEAR(NtcResistanceFromAdc(2048, divider), 100000.0 * 2048 / 2047,
              1e-6);
  EXPECT_TRUE(std::isinf(NtcResistanceFromAdc(4095, divider)));
  EXPECT_EQ(NtcResistanceFromAdc(0, divider), 0.0);
}

TEST(NtcCelsiusFromAdc, EveryCount_FaultExactlyOutsideRatedResistance) {
  const NtcDivider divider;
  const double open_above = DatasheetResistance(-55.0);
  const double short_below = DatasheetResistance(300.0);
  int opens = 0;
  int shorts = 0;
  for (uint32_t counts = 0; counts <= 4095; ++counts) {
    const double ohms = counts == 4095 ? INFINITY : OhmsAtCounts(counts);
    StatusOr<double> decoded = NtcCelsiusFromAdc(counts, divider);
    if (ohms >= open_above) {
      ASSERT_FALSE(decoded.ok()) << counts;
      EXPECT_EQ(decoded.status().code(), "sensor_open") << counts;
      EXPECT_EQ(decoded.status().kind(), ErrorKind::kUnavailable);
      ++opens;
    } else if (ohms <= short_below) {
      ASSERT_FALSE(decoded.ok()) << counts;
      EXPECT_EQ(decoded.status().code(), "sensor_short") << counts;
      ++shorts;
    } else {
      ASSERT_TRUE(decoded.ok()) << counts;
    }
  }
  // Within a few LSB of the rails, as the header says: 4069..4095, 0..5.
  EXPECT_EQ(opens, 27);
  EXPECT_EQ(shorts, 6);
}

TEST(NtcCelsiusFromAdc, CountsAboveFullScale_AreAnError) {
  StatusOr<double> decoded = NtcCelsiusFromAdc(4096, NtcDivider{});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), "adc_out_of_range");
}

TEST(NtcCelsiusFromAdc, TenBitAdc_UsesItsOwnFullScale) {
  NtcDivider divider;
  divider.adc_bits = 10;
  // At 25 °C the NTC equals the pull-up: half of 1023.
  StatusOr<double> decoded = NtcCelsiusFromAdc(511, divider);
  ASSERT_TRUE(decoded.ok());
  EXPECT_NEAR(*decoded, DatasheetCelsius(100000.0 * 511 / 512), 1e-9);
  EXPECT_FALSE(NtcCelsiusFromAdc(1023, divider).ok());
}

TEST(NtcCelsiusFromResistanceBeta, DatasheetNominal_Is25C) {
  EXPECT_NEAR(NtcCelsiusFromResistanceBeta(kR25, kR25, kBeta), 25.0, 1e-12);
  EXPECT_NEAR(
      NtcCelsiusFromResistanceBeta(DatasheetResistance(85.0), kR25, kBeta),
      85.0, 1e-9);
}

TEST(FitSteinhartHart, PointsFromBetaCurve_GiveBetaCoefficients) {
  // The beta equation is Steinhart–Hart with a = 1/T25 - ln(R25)/B,
  // b = 1/B and c = 0.
  const SteinhartHart fit = FitSteinhartHart({{
      {0.0, DatasheetResistance(0.0)},
      {60.0, DatasheetResistance(60.0)},
      {120.0, DatasheetResistance(120.0)},
  }});
  EXPECT_NEAR(fit.a, 1.0 / (25.0 + kKelvin) - std::log(kR25) / kBeta, 1e-12);
  EXPECT_NEAR(fit.b, 1.0 / kBeta, 1e-12);
  EXPECT_NEAR(fit.c, 0.0, 1e-14);
}

// The three datasheet points, which the beta equation misses by degrees
// at 150 and 250 °C.
SteinhartHart DatasheetFit() {
  return FitSteinhartHart(
      {{{25.0, 100000.0}, {150.0, 1641.9}, {250.0, 226.15}}});
}

TEST(FitSteinhartHart, DatasheetPoints_MatchNumPySolve) {
  // numpy.linalg.solve of rows [1, ln R, ln^3 R] = 1/T for the three
  // datasheet points (Debian's NumPy 1.24).
  const SteinhartHart fit = DatasheetFit();
  EXPECT_NEAR(fit.a, 0.0007221363089680565, 1e-15);
  EXPECT_NEAR(fit.b, 0.000216766566488498, 1e-15);
  EXPECT_NEAR(fit.c, 8.92935804531095e-08, 1e-18);
  // And 6 kΩ, between the points, as NumPy evaluates that curve.
  EXPECT_NEAR(NtcCelsiusFromResistance(6000.0, fit), 101.84664800368284, 1e-9);
}

TEST(NtcCelsiusFromResistance, DatasheetFit_PassesThroughItsPoints) {
  const SteinhartHart fit = DatasheetFit();
  EXPECT_NEAR(NtcCelsiusFromResistance(100000.0, fit), 25.0, 1e-9);
  EXPECT_NEAR(NtcCelsiusFromResistance(1641.9, fit), 150.0, 1e-9);
  EXPECT_NEAR(NtcCelsiusFromResistance(226.15, fit), 250.0, 1e-9);
  // Where the beta equation is off: 1641.9 Ω is 152.4 °C by beta.
  EXPECT_GT(NtcCelsiusFromResistanceBeta(1641.9, kR25, kBeta), 152.0);
}

TEST(FitSteinhartHart, RepeatedPoint_GivesNaN) {
  const SteinhartHart fit =
      FitSteinhartHart({{{25.0, 100000.0}, {25.0, 100000.0}, {250.0, 226.15}}});
  EXPECT_TRUE(std::isnan(fit.a));
}

}  // namespace
}  // namespace nymph::board
