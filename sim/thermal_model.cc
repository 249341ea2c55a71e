#include "sim/thermal_model.h"

#include <algorithm>
#include <cmath>

namespace nymph::sim {

// Chosen so that at the maximum load of the default power model (about
// 25.6 W) the hottest zone sits about 20 K above ambient with the fan at
// full speed and about 45 K with the fan stopped, and so that the time
// constants (28 s to 4 min) are those of a small heat sink and a PCB.
ThermalParams DefaultThermalParams() {
  ThermalParams p;
  p.capacitance_j_per_k = {40.0, 10.0, 60.0, 20.0};
  p.natural_w_per_k = {0.20, 0.05, 0.25, 0.08};
  p.forced_w_per_k = {0.25, 0.04, 0.34, 0.07};
  p.forced_exponent = 0.8;
  p.couplings = {{kSoc, kNpu, 0.30},
                 {kSoc, kVrm, 0.12},
                 {kVrm, kNpu, 0.12},
                 {kSoc, kNvme, 0.04},
                 {kNpu, kNvme, 0.04}};
  return p;
}

double AmbientConductance(const ThermalParams& params, int zone,
                          double speed_fraction) {
  double speed = std::clamp(speed_fraction, 0.0, 1.0);
  return params.natural_w_per_k[zone] +
         params.forced_w_per_k[zone] * std::pow(speed, params.forced_exponent);
}

ThermalModel::ThermalModel(ThermalParams params, double initial_celsius)
    : params_(std::move(params)) {
  celsius_.fill(initial_celsius);
}

void ThermalModel::Step(double dt_s, const ZoneArray& watts,
                        double ambient_celsius, double speed_fraction) {
  ZoneArray heat_in = watts;
  for (int zone = 0; zone < kZoneCount; ++zone) {
    heat_in[zone] -= AmbientConductance(params_, zone, speed_fraction) *
                     (celsius_[zone] - ambient_celsius);
  }
  for (const Coupling& c : params_.couplings) {
    double flow = c.watts_per_kelvin * (celsius_[c.a] - celsius_[c.b]);
    heat_in[c.a] -= flow;
    heat_in[c.b] += flow;
  }
  for (int zone = 0; zone < kZoneCount; ++zone) {
    celsius_[zone] += dt_s * heat_in[zone] / params_.capacitance_j_per_k[zone];
  }
}

}  // namespace nymph::sim
