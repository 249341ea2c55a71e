// PMBus data formats and command codes, as the card's TPS53667 rail
// controller speaks them (PMBus Specification Part II, rev. 1.2/1.3).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace nymph::board {

// Standard command codes (PMBus Part II, Appendix I).
inline constexpr uint8_t kVoutMode = 0x20;
inline constexpr uint8_t kStatusWord = 0x79;
inline constexpr uint8_t kReadVin = 0x88;
inline constexpr uint8_t kReadVout = 0x8B;
inline constexpr uint8_t kReadIout = 0x8C;
inline constexpr uint8_t kReadTemperature1 = 0x8D;
inline constexpr uint8_t kReadPout = 0x96;

// LINEAR11: value = Y * 2^N with N the word's top 5 bits and Y its low 11
// bits, both two's complement. READ_VIN, READ_IOUT, READ_POUT and
// READ_TEMPERATURE_1 use it.
double DecodeLinear11(uint16_t word);

// LINEAR16 (VOUT_MODE mode 000): value = V * 2^N with V the unsigned
// 16-bit mantissa and N the signed 5-bit exponent in VOUT_MODE's low bits.
double DecodeLinear16(uint16_t mantissa, uint8_t vout_mode);

// READ_VOUT (or any VOUT-format word) decoded as VOUT_MODE says:
// - mode 000, linear: DecodeLinear16.
// - mode 001, VID: the low byte is a VID code, and VOUT_MODE's low five
//   bits name the code table (the TPS536xx convention, see pmbus.cc):
//   0x01 VR12.0 and 0x05 IMVP8 and 0x07 VR13.0 with a 5 mV DAC use the
//   VR12 table (0.25 V at code 1, 5 mV steps); 0x02 VR12.5 and 0x04 VR13.0
//   with a 10 mV DAC use the VR13 table (0.50 V at code 1, 10 mV steps).
//   Code 0 means the output is off: 0 V.
// Errors (kUnavailable, "pmbus_vout_mode"): direct and IEEE half-precision
// modes (which need coefficients or support the card does not use), and
// VID tables other than those above.
StatusOr<double> DecodeVout(uint16_t word, uint8_t vout_mode);

// What a rail can physically read; anything outside is a fault.
struct PlausibleRange {
  double min;
  double max;
};

// Ok when `value` lies in `range`. Otherwise (kUnavailable,
// "rail_out_of_range") naming `what` (e.g. "vcore output voltage") and the
// unit, so the reading is reported as a fault and never acted on.
// NaN is out of every range.
Status CheckRailRange(std::string_view what, double value, PlausibleRange range,
                      std::string_view unit);

}  // namespace nymph::board
