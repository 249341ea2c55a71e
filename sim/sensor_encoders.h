// What the MCU's front-ends make of the simulated physics: thermistor
// dividers into ADC counts, rail values into PMBus words, fan speed into a
// tachometer period. These are ENCODERS written from the datasheets'
// definitions, independent of the agent's decoders in src/board, so that a
// mistake on one side shows up as a disagreement in the tests.
#pragma once

#include <cstdint>

namespace nymph::sim {

// 100 kΩ NTC (B57560G104F class: β 4092 K) from the ADC input to ground,
// 100 kΩ pull-up to the ADC's reference, 12-bit ADC.
struct NtcFrontEnd {
  double r25_ohms = 100e3;
  double beta_kelvin = 4092;
  double pullup_ohms = 100e3;
  int adc_bits = 12;
};

// Beta equation: R(T) = R25 · exp(β · (1/T − 1/298.15 K)).
double NtcOhms(const NtcFrontEnd& fe, double celsius);
// Ratiometric 12-bit ADC rounding to the nearest code: counts = round(
// R/(R + R_pullup) · (2^bits − 1)), full scale 4095 as ST's reference
// manual writes the STM32F030's transfer function. An open thermistor
// gives 4095, a short 0.
uint16_t AdcCountsForOhms(const NtcFrontEnd& fe, double ntc_ohms);
uint16_t NtcCounts(const NtcFrontEnd& fe, double celsius);

// PMBus LINEAR11: value = Y · 2^N, N a 5-bit and Y an 11-bit two's-
// complement number; the smallest N that fits is chosen (best resolution).
uint16_t EncodeLinear11(double value);
// PMBus LINEAR16 (READ_VOUT): value = V · 2^exponent, V unsigned 16-bit,
// the exponent given by VOUT_MODE's low five bits.
uint16_t EncodeLinear16(double value, int exponent);
inline uint8_t VoutModeLinear16(int exponent) {
  return static_cast<uint8_t>(exponent & 0x1F);
}

// VID modes of READ_VOUT (VOUT_MODE = 0b001 in bits 7:5, the code table in
// bits 4:0, as TI's multiphase controllers number them).
enum class VidTable : uint8_t {
  kVr12 = 0x01,  // 5 mV steps, code 1 = 0.25 V
  kVr13 = 0x04,  // 10 mV steps, code 1 = 0.50 V
};
inline uint8_t VoutModeVid(VidTable table) {
  return static_cast<uint8_t>(0x20 | static_cast<uint8_t>(table));
}
// The VID code nearest to `volts` (0 means output off).
uint16_t EncodeVid(VidTable table, double volts);

// Tachometer pulse period in µs at `rpm` with 2 pulses per revolution;
// kTachOverflow when slower than the 16-bit µs timer can measure.
uint16_t TachPeriodMicros(double rpm);

}  // namespace nymph::sim
