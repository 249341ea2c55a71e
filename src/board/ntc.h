// NTC thermistor conversions: ADC counts to resistance to temperature.
//
// The card's thermistors (100 kΩ at 25 °C, EPCOS B57560G104F class) sit
// between the ADC input and ground with a pull-up to the ADC reference, so
// the reading is ratiometric: counts / full scale = R_ntc / (R_ntc + R_pu),
// independent of the reference voltage. Full scale is 2^bits - 1 (4095 for
// the STM32F030's 12-bit ADC), the convention of ST's reference manual.
//
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "common/status.h"

namespace nymph::board {

struct NtcDivider {  // NTC from the ADC input to ground, pull-up to Vref
  double r25_ohm = 100000.0;  // EPCOS B57560G104F class
  double beta_k = 4092.0;     // B25/100
  double pullup_ohm = 100000.0;
  int adc_bits = 12;
};

// The thermistor's rated range. A resistance the part cannot have inside it
// is not a temperature but a wiring fault: above the -55 °C resistance the
// circuit is open, below the 300 °C resistance it is shorted. With the
// default divider that is counts >= 4069 (open) and counts <= 5 (short),
// i.e. within a few LSB of the rails, where the ADC's offset and gain
// errors (a few LSB on the STM32F030) leave the ratio unmeasured anyway.
inline constexpr double kNtcRatedMinCelsius = -55.0;
inline constexpr double kNtcRatedMaxCelsius = 300.0;

// Temperature by the beta equation. Errors (kUnavailable): "sensor_open" or
// "sensor_short" as above; "adc_out_of_range" for counts above full scale,
// which no ADC of `adc_bits` can produce.
StatusOr<double> NtcCelsiusFromAdc(uint32_t counts, const NtcDivider& divider);

// Ohms; +infinity at full scale, 0 at zero counts.
// REQUIRES: counts <= 2^adc_bits - 1.
double NtcResistanceFromAdc(uint32_t counts, const NtcDivider& divider);

// The beta equation: 1/T = 1/T25 + ln(R/R25)/beta, T in kelvin.
double NtcCelsiusFromResistanceBeta(double ohms, double r25, double beta);

// 1/T = a + b ln R + c (ln R)^3, T in kelvin, R in ohms.
struct SteinhartHart {
  double a, b, c;
};

struct NtcPoint {
  double celsius;
  double ohms;
};

// The coefficients whose curve passes through the three points exactly.
// REQUIRES: three distinct temperatures with distinct positive resistances
// (otherwise the system is singular and the coefficients are NaN).
SteinhartHart FitSteinhartHart(const std::array<NtcPoint, 3>& points);

double NtcCelsiusFromResistance(double ohms, const SteinhartHart& curve);

}  // namespace nymph::board
