// A PID law for cooling, as a pure function over plain structs that keep
// every term, so a log line can say exactly why the fan moved.
//
// Sign convention: the output rises when the measurement is above the
// setpoint (error = measurement - setpoint), as a fan must.
#pragma once

namespace nymph::thermal {

struct PidGains {
  double kp = 0;  // output per unit of error
  double ki = 0;  // output per unit of error per second
  double kd = 0;  // output per unit of measurement change per second
  double out_min = 0;
  double out_max = 1;
  // Largest change of the output per second, either way; 0: no limit.
  double max_slew_per_s = 0;
  // Hysteresis against hunting: the feedback holds (integral frozen) once
  // |error| falls to `deadband / 2` and regulates again only when |error|
  // exceeds `deadband`. 0: always regulate.
  double deadband = 0;
  // Low-pass time constant of the derivative term, seconds; 0: unfiltered.
  double derivative_tau_s = 0;
};

// What the law remembers between steps. Value-initialized is "fresh": the
// first step has no derivative and starts the output from `integral`.
struct PidState {
  double integral = 0;  // output units
  double derivative = 0;
  double last_measurement = 0;
  double output = 0;
  double last_feedforward = 0;
  bool started = false;     // last_measurement is set
  bool has_output = false;  // output is set: slew and hold apply
  bool holding = false;     // inside the deadband
};

// One step's terms, for logs and tests.
struct PidTerms {
  double error = 0;
  double proportional = 0;
  double integral = 0;
  double derivative = 0;
  double feedforward = 0;
  double unlimited = 0;  // sum of the terms before clamping and slew
  double output = 0;
  bool saturated = false;  // clamped or slew-limited
  bool holding = false;
};

struct PidInput {
  double setpoint = 0;
  double measurement = 0;
  double feedforward = 0;  // added to the output (model-based duty)
  double dt_s = 1;         // REQUIRES: > 0
};

// Advances `state` by one step. Anti-windup by conditional integration:
// while the output is limited (by clamp or slew) in the direction the
// error pushes it, the integral grows only as far as makes the output
// reach that limit, never beyond.
PidTerms PidStep(const PidGains& gains, PidState& state, const PidInput& in);

// Starts the law from `output` (of which `feedforward` came from the
// model) without a bump: the next step continues from there, as when
// leaving failsafe at full fan.
void PidReset(PidState& state, double output, double feedforward = 0);

}  // namespace nymph::thermal
