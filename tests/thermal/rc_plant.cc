#include "rc_plant.h"

#include <cmath>

namespace nymph::thermal::testing {

RcPlant::RcPlant(const RcPlantParams& p)
    : p_(p), die_c_(p.ambient_c), sink_c_(p.ambient_c) {}

void RcPlant::Run(double seconds, double fan_duty, int sequences,
                  double perf_cap, double work_fraction) {
  // Decode speed scales with the clock and the admitted share of work;
  // dynamic power with the tokens made.
  tokens_per_s_ =
      p_.tokens_s_per_sequence * sequences * perf_cap * work_fraction;
  power_w_ = p_.idle_w + p_.watts_per_token_s * tokens_per_s_;
  const double h = 0.01;
  for (double t = 0; t < seconds - 1e-9; t += h) {
    fan_ += (fan_duty - fan_) * h / p_.fan_lag_s;
    double to_sink = p_.die_to_sink * (die_c_ - sink_c_);
    double to_air =
        (p_.sink_passive + p_.sink_fan * fan_) * (sink_c_ - p_.ambient_c);
    die_c_ += h * (power_w_ - to_sink) / p_.die_heat_capacity;
    sink_c_ += h * (to_sink - to_air) / p_.sink_heat_capacity;
  }
}

double RcPlant::sensed_c() const {
  return std::round(die_c_ / p_.quantum_c) * p_.quantum_c;
}

}  // namespace nymph::thermal::testing
