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
  if (state.holding && state.has_output) {
    // The feedback part holds; a feedforward that moves still acts.
    terms.integral = state.integral;
    terms.unlimited = state.output - state.last_feedforward + in.feedforward;
    terms.output = limit(terms.unlimited);
    state.output = terms.output;
    state.last_feedforward = in.feedforward;
    return terms;
  }

  terms.proportional = gains.kp * terms.error;
  terms.derivative = gains.kd * state.derivative;
  double without_integral =
      terms.proportional + terms.derivative + terms.feedforward;
  double candidate = state.integral + gains.ki * terms.error * in.dt_s;

  double raw = without_integral + candidate;
  double out = limit(raw);
  // Integrate only as far as the output can follow: up to the limit
  // (clamp or slew) the error pushes against, never beyond it; an error
  // that pulls back from the limit integrates freely.
  if (raw > out && terms.error > 0) {
    state.integral = std::max(state.integral, out - without_integral);
  } else if (raw < out && terms.error < 0) {
    state.integral = std::min(state.integral, out - without_integral);
  } else {
    state.integral = candidate;
  }
  terms.integral = state.integral;
  terms.unlimited = without_integral + state.integral;
  terms.output = limit(terms.unlimited);
  terms.saturated = terms.output != terms.unlimited;

  state.output = terms.output;
  state.last_feedforward = in.feedforward;
  state.has_output = true;
  return terms;
}

void PidReset(PidState& state, double output, double feedforward) {
  state = PidState{};
  state.integral = output - feedforward;
  state.output = output;
  state.last_feedforward = feedforward;
  state.has_output = true;
}

}  // namespace nymph::thermal
