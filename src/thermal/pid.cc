#include "thermal/pid.h"

#include <algorithm>
#include <cmath>

namespace nymph::thermal {

PidTerms PidStep(const PidGains& gains, PidState& state, const PidInput& in) {
  PidTerms terms;
  terms.error = in.measurement - in.setpoint;
  terms.feedforward = in.feedforward;

  // Derivative on the measurement, not the error: a setpoint change
  // must not kick the fan.
  if (state.started) {
    double rate = (in.measurement - state.last_measurement) / in.dt_s;
    double alpha = gains.derivative_tau_s > 0
                       ? in.dt_s / (gains.derivative_tau_s + in.dt_s)
                       : 1.0;
    state.derivative += alpha * (rate - state.derivative);
  }
  state.last_measurement = in.measurement;
  state.started = true;

  double magnitude = std::fabs(terms.error);
  if (gains.deadband > 0) {
    if (state.holding && magnitude > gains.deadband) state.holding = false;
    if (!state.holding && magnitude <= gains.deadband / 2) {
      state.holding = true;
    }
  }
  terms.holding = state.holding;
  if (state.holding && state.has_output) {
    terms.integral = state.integral;
    terms.unlimited = state.output;
    terms.output = state.output;
    return terms;
  }

  terms.proportional = gains.kp * terms.error;
  terms.derivative = gains.kd * state.derivative;
  double without_integral =
      terms.proportional + terms.derivative + terms.feedforward;
  double candidate = state.integral + gains.ki * terms.error * in.dt_s;

  // Slew first, then the limits: a lowered limit (a quieter cap) must
  // hold at once, not after the slew has walked down to it.
  auto limit = [&](double raw) {
    double out = raw;
    if (gains.max_slew_per_s > 0 && state.has_output) {
      double step = gains.max_slew_per_s * in.dt_s;
      out = std::clamp(out, state.output - step, state.output + step);
    }
    return std::clamp(out, gains.out_min, gains.out_max);
  };
  double raw = without_integral + candidate;
  double out = limit(raw);
  // Integrate only when the limits do not stop the output from following,
  // or when the error pulls it back from the limit it sits on.
  bool pushed_up = raw > out && terms.error > 0;
  bool pushed_down = raw < out && terms.error < 0;
  if (!pushed_up && !pushed_down) state.integral = candidate;
  terms.integral = state.integral;
  terms.unlimited = without_integral + state.integral;
  terms.output = limit(terms.unlimited);
  terms.saturated = terms.output != terms.unlimited;

  state.output = terms.output;
  state.has_output = true;
  return terms;
}

void PidReset(PidState& state, double output) {
  state = PidState{};
  state.integral = output;
  state.output = output;
  state.has_output = true;
}

}  // namespace nymph::thermal
