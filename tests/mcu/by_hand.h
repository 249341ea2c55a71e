// Formulas the tests compute themselves, straight from the datasheets,
// to compare the simulator's encodings with.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nymph::testing {

// The divider as the schematic says: 100 kΩ NTC (β 4092 K) to ground,
// 100 kΩ to Vref; a ratiometric 12-bit ADC whose full scale 4095 stands
// for Vref (ST's convention), rounding to the nearest code.
inline double ExpectedNtcCounts(double celsius) {
  double kelvin = celsius + 273.15;
  double r = 100e3 * std::exp(4092.0 * (1 / kelvin - 1 / 298.15));
  return std::round(4095.0 * r / (r + 100e3));
}

// PMBus LINEAR11: bits 15..11 exponent N, 10..0 mantissa Y, both two's
// complement; value = Y · 2^N.
inline double DecodeLinear11ByHand(uint16_t word) {
  int n = (word >> 11) & 0x1F;
  int y = word & 0x7FF;
  if (n > 15) n -= 32;
  if (y > 1023) y -= 2048;
  return y * std::pow(2.0, n);
}

inline int Linear11Exponent(uint16_t word) {
  int n = (word >> 11) & 0x1F;
  return n > 15 ? n - 32 : n;
}

}  // namespace nymph::testing
