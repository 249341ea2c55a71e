// The simulated card's physics in one place: thermal network, fan and power
// model, advanced in fixed steps of simulated time. Holds the TRUE values
// that tests compare with what the agent reads through the MCU.
//
// Thread safety: none; the simulator's single event loop owns it.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sim/fan_model.h"
#include "sim/power_model.h"
#include "sim/sensor_encoders.h"
#include "sim/thermal_model.h"

namespace nymph::sim {

struct CardParams {
  ThermalParams thermal = DefaultThermalParams();
  FanParams fan;
  PowerParams power;
  NtcFrontEnd ntc;
  double step_s = 0.05;  // fixed physics step (simulated seconds)
};

class Card {
 public:
  Card(CardParams params, double ambient_celsius);

  // Runs the physics `sim_seconds` further, in whole fixed steps; a
  // remainder below one step is carried to the next call.
  void Advance(double sim_seconds);

  // Inputs.
  void set_fan_duty(double duty) { fan_duty_ = duty; }
  void set_rotor_locked(bool locked) { rotor_locked_ = locked; }
  void set_ambient(double celsius) { ambient_celsius_ = celsius; }
  PowerInputs& power_inputs() { return power_inputs_; }

  // Truth.
  double sim_time_s() const { return sim_time_s_; }
  double ambient_celsius() const { return ambient_celsius_; }
  const ZoneArray& zone_celsius() const { return thermal_.celsius(); }
  const FanModel& fan() const { return fan_; }
  double fan_duty() const { return fan_duty_; }
  bool rotor_locked() const { return rotor_locked_; }
  PowerState power() const {
    return ComputePower(params_.power, power_inputs_);
  }
  const CardParams& params() const { return params_; }

  // The truth as JSON (control command `state`), and the model's
  // parameters (`params`).
  nlohmann::json StateJson() const;
  nlohmann::json ParamsJson() const;

 private:
  void Step();

  CardParams params_;
  ThermalModel thermal_;
  FanModel fan_;
  PowerInputs power_inputs_;
  double ambient_celsius_;
  double fan_duty_ = 0;
  bool rotor_locked_ = false;
  double sim_time_s_ = 0;
  double carried_s_ = 0;
};

}  // namespace nymph::sim
