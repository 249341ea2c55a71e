#include "board/ntc.h"

#include <cmath>
#include <limits>
#include <string>

namespace nymph::board {
namespace {

constexpr double kZeroCelsiusKelvin = 273.15;
constexpr double kT25Kelvin = 25.0 + kZeroCelsiusKelvin;

uint32_t FullScale(const NtcDivider& divider) {
  return (uint32_t{1} << divider.adc_bits) - 1;
}

// The beta equation solved for resistance.
double BetaResistance(double celsius, const NtcDivider& divider) {
  const double kelvin = celsius + kZeroCelsiusKelvin;
  return divider.r25_ohm *
         std::exp(divider.beta_k * (1.0 / kelvin - 1.0 / kT25Kelvin));
}

std::string CountsText(uint32_t counts, const NtcDivider& divider) {
  return std::to_string(counts) + " of " + std::to_string(FullScale(divider)) +
         " ADC counts";
}

using Matrix3 = std::array<std::array<double, 3>, 3>;

double Determinant(const Matrix3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

}  // namespace

double NtcResistanceFromAdc(uint32_t counts, const NtcDivider& divider) {
  const double full_scale = FullScale(divider);
  if (counts >= full_scale) return std::numeric_limits<double>::infinity();
  // ratio = R / (R + Rpu)  =>  R = Rpu * ratio / (1 - ratio)
  return divider.pullup_ohm * counts / (full_scale - counts);
}

StatusOr<double> NtcCelsiusFromAdc(uint32_t counts, const NtcDivider& divider) {
  if (counts > FullScale(divider)) {
    return Status(ErrorKind::kUnavailable, "adc_out_of_range",
                  "thermistor reading of " + CountsText(counts, divider) +
                      " exceeds the ADC's range; check the ADC resolution "
                      "configured for this sensor");
  }
  const double ohms = NtcResistanceFromAdc(counts, divider);
  if (ohms >= BetaResistance(kNtcRatedMinCelsius, divider)) {
    return Status(ErrorKind::kUnavailable, "sensor_open",
                  "thermistor reads " + CountsText(counts, divider) +
                      ", more resistance than the part has at its coldest "
                      "rated temperature: the sensor or its wiring is open");
  }
  if (ohms <= BetaResistance(kNtcRatedMaxCelsius, divider)) {
    return Status(ErrorKind::kUnavailable, "sensor_short",
                  "thermistor reads " + CountsText(counts, divider) +
                      ", less resistance than the part has at its hottest "
                      "rated temperature: the sensor or its wiring is "
                      "shorted");
  }
  return NtcCelsiusFromResistanceBeta(ohms, divider.r25_ohm, divider.beta_k);
}

double NtcCelsiusFromResistanceBeta(double ohms, double r25, double beta) {
  const double inverse_kelvin = 1.0 / kT25Kelvin + std::log(ohms / r25) / beta;
  return 1.0 / inverse_kelvin - kZeroCelsiusKelvin;
}

SteinhartHart FitSteinhartHart(const std::array<NtcPoint, 3>& points) {
  // Rows [1, ln R, (ln R)^3] . [a, b, c] = 1/T, solved by Cramer's rule:
  // three unknowns do not justify a general solver.
  Matrix3 system;
  std::array<double, 3> rhs;
  for (size_t i = 0; i < 3; ++i) {
    const double ln_r = std::log(points[i].ohms);
    system[i] = {1.0, ln_r, ln_r * ln_r * ln_r};
    rhs[i] = 1.0 / (points[i].celsius + kZeroCelsiusKelvin);
  }
  const double det = Determinant(system);
  // Singular up to rounding (a repeated point): compare the determinant
  // with its Hadamard bound, the product of the row lengths.
  double bound = 1.0;
  for (const auto& row : system) {
    bound *= std::hypot(row[0], row[1], row[2]);
  }
  if (!(std::abs(det) > 1e-12 * bound)) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, nan};
  }
  std::array<double, 3> coefficients;
  for (size_t column = 0; column < 3; ++column) {
    Matrix3 replaced = system;
    for (size_t row = 0; row < 3; ++row) replaced[row][column] = rhs[row];
    coefficients[column] = Determinant(replaced) / det;
  }
  return {coefficients[0], coefficients[1], coefficients[2]};
}

double NtcCelsiusFromResistance(double ohms, const SteinhartHart& curve) {
  const double ln_r = std::log(ohms);
  const double inverse_kelvin =
      curve.a + curve.b * ln_r + curve.c * ln_r * ln_r * ln_r;
  return 1.0 / inverse_kelvin - kZeroCelsiusKelvin;
}

}  // namespace nymph::board
