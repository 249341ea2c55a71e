// The 50 mm PWM blower: its speed follows the duty with a first-order lag;
// below a minimum duty a running fan stalls, and a stopped one needs a
// higher duty to start again (static friction), hence the hysteresis. A
// locked rotor (fault injection) stops it at once, whatever the duty.
#pragma once

namespace nymph::sim {

struct FanParams {
  double full_rpm = 6000;        // at duty 1
  double stop_duty = 0.20;       // a running fan stops below this
  double start_duty = 0.30;      // a stopped fan starts at or above this
  double time_constant_s = 1.5;  // spin-up and coast-down lag
};

class FanModel {
 public:
  explicit FanModel(FanParams params) : params_(params) {}

  void Step(double dt_s, double duty, bool rotor_locked);

  double rpm() const { return rpm_; }
  // Driven and turning (false when stalled, locked or switched off).
  bool spinning() const { return spinning_; }
  double speed_fraction() const { return rpm_ / params_.full_rpm; }
  const FanParams& params() const { return params_; }

 private:
  FanParams params_;
  bool spinning_ = false;
  double rpm_ = 0;
};

}  // namespace nymph::sim
