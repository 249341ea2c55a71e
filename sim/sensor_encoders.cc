#include "sim/sensor_encoders.h"

#include <algorithm>
#include <cmath>

#include "mcu/protocol.h"

namespace nymph::sim {

double NtcOhms(const NtcFrontEnd& fe, double celsius) {
  constexpr double kZeroCelsius = 273.15;
  double kelvin = celsius + kZeroCelsius;
  return fe.r25_ohms *
         std::exp(fe.beta_kelvin * (1.0 / kelvin - 1.0 / (25 + kZeroCelsius)));
}

uint16_t AdcCountsForOhms(const NtcFrontEnd& fe, double ntc_ohms) {
  double full_scale = std::ldexp(1.0, fe.adc_bits) - 1;
  double ratio =
      std::isinf(ntc_ohms) ? 1.0 : ntc_ohms / (ntc_ohms + fe.pullup_ohms);
  return static_cast<uint16_t>(std::round(ratio * full_scale));
}

uint16_t NtcCounts(const NtcFrontEnd& fe, double celsius) {
  return AdcCountsForOhms(fe, NtcOhms(fe, celsius));
}

uint16_t EncodeLinear11(double value) {
  for (int exponent = -16; exponent <= 15; ++exponent) {
    double mantissa = std::round(std::ldexp(value, -exponent));
    if (mantissa >= -1024 && mantissa <= 1023) {
      auto y = static_cast<uint16_t>(static_cast<int>(mantissa) & 0x7FF);
      auto n = static_cast<uint16_t>(exponent & 0x1F);
      return static_cast<uint16_t>(n << 11 | y);
    }
  }
  return value > 0 ? uint16_t{0x7BFF} : uint16_t{0x7C00};  // ±1023·2^15
}

uint16_t EncodeLinear16(double value, int exponent) {
  double v = std::round(std::ldexp(value, -exponent));
  return static_cast<uint16_t>(std::clamp(v, 0.0, 65535.0));
}

uint16_t EncodeVid(VidTable table, double volts) {
  double base = table == VidTable::kVr12 ? 0.25 : 0.50;
  double step = table == VidTable::kVr12 ? 0.005 : 0.010;
  if (volts < base - step / 2) return 0;
  double code = std::round((volts - base) / step) + 1;
  return static_cast<uint16_t>(std::clamp(code, 1.0, 255.0));
}

uint16_t TachPeriodMicros(double rpm) {
  constexpr double kPulsesPerRevolution = 2;
  if (rpm <= 0) return mcu::kTachOverflow;
  double period = 60e6 / (rpm * kPulsesPerRevolution);
  if (period >= mcu::kTachOverflow) return mcu::kTachOverflow;
  return static_cast<uint16_t>(std::max(1.0, std::round(period)));
}

}  // namespace nymph::sim
