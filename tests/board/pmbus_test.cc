#include "board/pmbus.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nymph::board {
namespace {

// LINEAR11 words worked by hand: exponent = top 5 bits (two's complement),
// mantissa = low 11 bits (two's complement), value = mantissa * 2^exponent.
TEST(DecodeLinear11, WorkedExamples) {
  // 0xD30C = 11010 011'0000'1100: N = -6, Y = 0x30C = 780; 780/64.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0xD30C), 12.1875);
  // 0xF0C8 = 11110 000'1100'1000: N = -2, Y = 200; 200/4.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0xF0C8), 50.0);
  // 0xEB20 = 11101 011'0010'0000: N = -3, Y = 800; 800/8.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0xEB20), 100.0);
}

TEST(DecodeLinear11, NegativeMantissaAndPositiveExponent) {
  // 0xD7FF: N = -6, Y = 0x7FF = -1: -1/64.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0xD7FF), -0.015625);
  // 0x0801: N = 1, Y = 1: 2.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0x0801), 2.0);
  // 0x0000 is zero in any exponent.
  EXPECT_DOUBLE_EQ(DecodeLinear11(0x0000), 0.0);
}

TEST(DecodeLinear16, ExponentFromVoutMode) {
  // VOUT_MODE 0x17: mode 000, N = 10111 = -9; 0x0200 = 512; 512/512.
  EXPECT_DOUBLE_EQ(DecodeLinear16(0x0200, 0x17), 1.0);
  // VOUT_MODE 0x14: N = -12; 0x0CCD = 3277; 3277/4096.
  EXPECT_DOUBLE_EQ(DecodeLinear16(0x0CCD, 0x14), 3277.0 / 4096.0);
  // The mantissa is unsigned: 0xFFFF with N = -9 is 65535/512.
  EXPECT_DOUBLE_EQ(DecodeLinear16(0xFFFF, 0x17), 65535.0 / 512.0);
}

TEST(DecodeVout, LinearMode) {
  StatusOr<double> volts = DecodeVout(0x0200, 0x17);
  ASSERT_TRUE(volts.ok());
  EXPECT_DOUBLE_EQ(*volts, 1.0);
}

TEST(DecodeVout, Vr12Vid_250mVAtCode1In5mVSteps) {
  // VOUT_MODE 0x21: mode 001 (VID), table 0x01 (VR12.0, 5 mV DAC).
  // Code 0x97 = 151: 0.25 V + 150 * 5 mV = 1.000 V.
  StatusOr<double> volts = DecodeVout(0x0097, 0x21);
  ASSERT_TRUE(volts.ok());
  EXPECT_NEAR(*volts, 1.000, 1e-12);
  EXPECT_NEAR(*DecodeVout(0x0001, 0x21), 0.250, 1e-12);
  // VR13.0 with a 5 mV DAC (0x27) uses the same table.
  EXPECT_NEAR(*DecodeVout(0x0097, 0x27), 1.000, 1e-12);
}

TEST(DecodeVout, Vr13Vid_500mVAtCode1In10mVSteps) {
  // VOUT_MODE 0x24: mode 001 (VID), table 0x04 (VR13.0, 10 mV DAC).
  // Code 0x33 = 51: 0.50 V + 50 * 10 mV = 1.00 V.
  StatusOr<double> volts = DecodeVout(0x0033, 0x24);
  ASSERT_TRUE(volts.ok());
  EXPECT_NEAR(*volts, 1.00, 1e-12);
  // Code 0xFF = 255: 0.50 V + 254 * 10 mV = 3.04 V.
  EXPECT_NEAR(*DecodeVout(0x00FF, 0x24), 3.04, 1e-12);
  // VR12.5 (0x22) also steps by 10 mV from 0.5 V.
  EXPECT_NEAR(*DecodeVout(0x0033, 0x22), 1.00, 1e-12);
}

TEST(DecodeVout, VidCodeZero_IsOutputOff) {
  EXPECT_EQ(*DecodeVout(0x0000, 0x21), 0.0);
  EXPECT_EQ(*DecodeVout(0x0000, 0x24), 0.0);
}

TEST(DecodeVout, UnsupportedModes_AreErrors) {
  for (uint8_t mode : {uint8_t{0x23},     // VID, IMVP9 table
                       uint8_t{0x20},     // VID, no table
                       uint8_t{0x40},     // direct
                       uint8_t{0x60},     // IEEE half
                       uint8_t{0x97}}) {  // relative flag set
    StatusOr<double> volts = DecodeVout(0x0100, mode);
    ASSERT_FALSE(volts.ok()) << int{mode};
    EXPECT_EQ(volts.status().code(), "pmbus_vout_mode");
    EXPECT_EQ(volts.status().kind(), ErrorKind::kUnavailable);
  }
}

TEST(CheckRailRange, InsideIsOk_OutsideAndNaNAreFaults) {
  const PlausibleRange vcore{0.5, 1.5};
  EXPECT_TRUE(CheckRailRange("vcore output voltage", 0.9, vcore, "V").ok());
  EXPECT_TRUE(CheckRailRange("vcore output voltage", 1.5, vcore, "V").ok());
  for (double bad : {0.0, 1.51, 30.0, std::nan("")}) {
    Status status = CheckRailRange("vcore output voltage", bad, vcore, "V");
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.code(), "rail_out_of_range");
    EXPECT_NE(status.message().find("vcore output voltage"), std::string::npos);
  }
}

TEST(CommandCodes, MatchThePmbusSpecification) {
  EXPECT_EQ(kVoutMode, 0x20);
  EXPECT_EQ(kStatusWord, 0x79);
  EXPECT_EQ(kReadVin, 0x88);
  EXPECT_EQ(kReadVout, 0x8B);
  EXPECT_EQ(kReadIout, 0x8C);
  EXPECT_EQ(kReadTemperature1, 0x8D);
  EXPECT_EQ(kReadPout, 0x96);
}

}  // namespace
}  // namespace nymph::board
