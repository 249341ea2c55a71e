#include "board/tach.h"

#include <gtest/gtest.h>

namespace nymph::board {
namespace {

TEST(RpmFromTachPeriod, FiftyHertzAtTwoPulses_Is1500Rpm) {
  // 20 000 µs between pulses = 50 pulses/s = 25 rev/s = 1500 RPM.
  std::optional<double> rpm = RpmFromTachPeriod(20000);
  ASSERT_TRUE(rpm.has_value());
  EXPECT_DOUBLE_EQ(*rpm, 1500.0);
  // One pulse per revolution: 50 rev/s.
  EXPECT_DOUBLE_EQ(*RpmFromTachPeriod(20000, 1), 3000.0);
}

TEST(RpmFromTachPeriod, LongestPeriod_IsSlowestMeasurableSpeed) {
  // 65 534 µs: 60e6 / (65534 * 2).
  EXPECT_DOUBLE_EQ(*RpmFromTachPeriod(65534), 60e6 / (65534.0 * 2.0));
}

TEST(RpmFromTachPeriod, ZeroOverflowAndBadPulseCount_AreNotSpeeds) {
  EXPECT_FALSE(RpmFromTachPeriod(0).has_value());
  EXPECT_FALSE(RpmFromTachPeriod(0xFFFF).has_value());
  EXPECT_FALSE(RpmFromTachPeriod(20000, 0).has_value());
  EXPECT_FALSE(RpmFromTachPeriod(20000, -2).has_value());
}

}  // namespace
}  // namespace nymph::board
