#include "sim/fan_model.h"

#include <algorithm>
#include <cmath>

namespace nymph::sim {

void FanModel::Step(double dt_s, double duty, bool rotor_locked) {
  duty = std::clamp(duty, 0.0, 1.0);
  if (rotor_locked || duty < params_.stop_duty) {
    spinning_ = false;
  } else if (duty >= params_.start_duty) {
    spinning_ = true;
  }
  if (rotor_locked) {
    rpm_ = 0;  // held: it does not coast
    return;
  }
  double target = spinning_ ? params_.full_rpm * duty : 0.0;
  // Exact solution of the lag over dt, so any dt is stable.
  rpm_ += (target - rpm_) * (1.0 - std::exp(-dt_s / params_.time_constant_s));
}

}  // namespace nymph::sim
