#include "thermal/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace nymph::thermal {
namespace {

struct NamedPolicy {
  Policy policy;
  std::string_view name;
};
constexpr std::array<NamedPolicy, 6> kPolicies = {{
    {Policy::kPassive, "passive"},
    {Policy::kActive, "active"},
    {Policy::kPredictive, "predictive"},
    {Policy::kAggressive, "aggressive"},
    {Policy::kQuiet, "quiet"},
    {Policy::kLinear, "linear"},
}};

// Duties closer than this to a limit count as sitting on it.
constexpr double kAtLimit = 1e-6;

Status Unprocessable(const std::string& message) {
  return Status(ErrorKind::kUnprocessable, "invalid_thermal_schedule", message);
}

}  // namespace

std::string_view PolicyName(Policy policy) {
  for (const auto& named : kPolicies) {
    if (named.policy == policy) return named.name;
  }
  return "unknown";
}

std::optional<Policy> ParsePolicy(std::string_view name) {
  for (const auto& named : kPolicies) {
    if (named.name == name) return named.policy;
  }
  return std::nullopt;
}

std::string PolicyNames() {
  std::string names;
  for (const auto& named : kPolicies) {
    names += (names.empty() ? "" : ", ") + std::string(named.name);
  }
  return names;
}

TargetRange SafeTargetRange(double ambient_c) {
  return {ambient_c + kMinTargetRiseC, ambient_c + kDeltaTBudgetC};
}

Status ValidateSettings(const PolicySettings& settings, double ambient_c) {
  TargetRange range = SafeTargetRange(ambient_c);
  if (!(settings.target_c >= range.min_c && settings.target_c <= range.max_c)) {
    return Unprocessable(fmt::format(
        "target_c {:.6g} is outside the safe range {:.1f} to {:.1f} °C at "
        "the measured ambient of {:.1f} °C (the card's budget is {:.0f} °C "
        "above ambient)",
        settings.target_c, range.min_c, range.max_c, ambient_c,
        kDeltaTBudgetC));
  }
  if (!(settings.fan_min >= kFanMinFloor && settings.fan_min <= 1)) {
    return Unprocessable(fmt::format(
        "fan_min must be from {:.1f} to 1: below {:.1f} the fan stops "
        "turning",
        kFanMinFloor, kFanMinFloor));
  }
  if (!(settings.fan_max >= 0 && settings.fan_max <= 1)) {
    return Unprocessable("fan_max must be from 0 to 1");
  }
  if (settings.fan_min > settings.fan_max) {
    return Unprocessable(fmt::format(
        "fan_min {:.2f} must not exceed fan_max {:.2f}; raise fan_max or "
        "lower fan_min (either may be the one in force, if not sent)",
        settings.fan_min, settings.fan_max));
  }
  if (!(settings.horizon_s >= 1 && settings.horizon_s <= 600)) {
    return Unprocessable("horizon_s must be from 1 to 600 seconds");
  }
  return Status();
}

ThermalPolicy::ThermalPolicy(const PolicySettings& settings,
                             const PolicyTuning& tuning)
    : settings_(settings), tuning_(tuning) {
  PidReset(fan_state_, settings.fan_min);
  fan_state_.has_output = false;  // the first decision sets the fan freely
}

void ThermalPolicy::SetSettings(const PolicySettings& settings) {
  settings_ = settings;
  // The integral of one policy means something else in another (the
  // predictive one holds only a correction to the model's duty).
  PidReset(fan_state_, last_fan_, last_feedforward_);
}

void ThermalPolicy::ResumeFrom(double fan_duty) {
  last_fan_ = fan_duty;
  PidReset(fan_state_, fan_duty, last_feedforward_);
  model_.Interrupt();
}

double ThermalPolicy::FanCap() const {
  switch (settings_.policy) {
    case Policy::kPassive:
      return settings_.fan_min;
    case Policy::kQuiet:
      return std::max(settings_.fan_min,
                      std::min(settings_.fan_max, tuning_.quiet_fan_cap));
    default:
      return settings_.fan_max;
  }
}

double ThermalPolicy::ThrottleThreshold() const {
  switch (settings_.policy) {
    case Policy::kPassive:
    case Policy::kQuiet:
      return settings_.target_c;
    case Policy::kAggressive:
      return settings_.target_c + tuning_.aggressive_throttle_margin_c;
    default:
      return settings_.target_c + tuning_.throttle_margin_c;
  }
}

// The smallest duty (up to `cap`) at which the forecast stays at the
// target: zero while the card is far below it, the steady-state duty
// once there. The forecast falls monotonically with the duty, so
// bisection finds it.
double ThermalPolicy::PredictiveFeedforward(const PolicyInput& input,
                                            double power_w, double cap) const {
  auto forecast = [&](double duty) {
    return model_.ForecastC(input.hottest_c, input.ambient_c, power_w, duty,
                            settings_.horizon_s);
  };
  if (forecast(0) <= settings_.target_c) return 0;
  if (forecast(cap) >= settings_.target_c) return cap;
  double low = 0, high = cap;
  for (int i = 0; i < 30; ++i) {
    double mid = (low + high) / 2;
    (forecast(mid) > settings_.target_c ? low : high) = mid;
  }
  return high;
}

PolicyDecision ThermalPolicy::Decide(const PolicyInput& input) {
  PolicyDecision decision;
  bool predictive = settings_.policy == Policy::kPredictive;
  if (input.power_w) {
    work_power_.Observe(input.outlook, *input.power_w);
    decision.expected_power_w =
        predictive ? work_power_.ExpectedPowerW(input.outlook, *input.power_w)
                   : *input.power_w;
  }
  bool use_model =
      predictive && model_.ready() && decision.expected_power_w.has_value();
  double cap = FanCap();

  // Stage 1: the fan.
  PidGains fan_gains = tuning_.fan;
  fan_gains.out_min = settings_.fan_min;
  fan_gains.out_max = cap;
  double fan_setpoint = settings_.target_c;
  if (settings_.policy == Policy::kAggressive) {
    fan_gains.kp *= tuning_.aggressive_gain;
    fan_gains.ki *= tuning_.aggressive_gain;
    fan_gains.kd *= tuning_.aggressive_gain;
    fan_setpoint -= tuning_.aggressive_margin_c;
  }
  double feedforward =
      use_model ? PredictiveFeedforward(input, *decision.expected_power_w, cap)
                : 0;
  double fan = settings_.fan_min;
  bool throttling = cut_state_.output > kAtLimit;
  if (settings_.policy == Policy::kPassive) {
    fan = settings_.fan_min;
  } else if (settings_.policy == Policy::kLinear) {
    // No memory and no slew: the curve alone, as fancontrol runs it.
    double span = tuning_.linear_span_c;
    double rise = (input.hottest_c - (settings_.target_c - span)) / span;
    fan = settings_.fan_min +
          std::clamp(rise, 0.0, 1.0) * (cap - settings_.fan_min);
  } else if (throttling) {
    // Performance comes back before the fan slows down.
    fan = cap;
    PidReset(fan_state_, cap, feedforward);
  } else {
    decision.fan_terms =
        PidStep(fan_gains, fan_state_,
                {fan_setpoint, input.hottest_c, feedforward, input.dt_s});
    fan = decision.fan_terms.output;
  }
  last_fan_ = fan;
  last_feedforward_ = feedforward;

  // Stage 2: DVFS, then work, when the fan has no room left.
  double threshold = ThrottleThreshold();
  double pressure_c = input.hottest_c;
  std::optional<double> forecast_at_cap;
  if (use_model) {
    forecast_at_cap =
        model_.ForecastC(input.hottest_c, input.ambient_c,
                         *decision.expected_power_w, cap, settings_.horizon_s);
    pressure_c = std::max(pressure_c, *forecast_at_cap);
  }
  bool fan_has_room =
      settings_.policy != Policy::kPassive && fan < cap - kAtLimit;
  double cut_measurement =
      pressure_c > threshold && fan_has_room ? threshold : pressure_c;
  decision.cut_terms = PidStep(tuning_.cut, cut_state_,
                               {threshold, cut_measurement, 0, input.dt_s});
  double cut = decision.cut_terms.output;

  ThermalSchedule& schedule = decision.schedule;
  schedule.fan_duty = fan;
  schedule.perf_cap = 1 - std::min(cut, 1.0) * (1 - tuning_.perf_floor);
  schedule.work_fraction =
      1 - std::clamp(cut - 1, 0.0, 1.0) * (1 - tuning_.work_floor);

  if (model_.ready() && decision.expected_power_w) {
    decision.forecast_c =
        model_.ForecastC(input.hottest_c, input.ambient_c,
                         *decision.expected_power_w, fan, settings_.horizon_s);
  }
  if (input.power_w) {
    model_.Observe(
        {input.time_s, input.hottest_c, input.ambient_c, *input.power_w, fan});
  }

  std::string why = fmt::format(
      "{}: {} {:.1f} °C, target {:.1f} °C; ", PolicyName(settings_.policy),
      input.hottest_zone, input.hottest_c, settings_.target_c);
  if (settings_.policy == Policy::kPassive) {
    why += fmt::format("fan held at {:.2f}", fan);
  } else if (settings_.policy == Policy::kLinear && cut <= kAtLimit) {
    why += fmt::format("fan {:.2f} on the ramp from {:.1f} °C", fan,
                       settings_.target_c - tuning_.linear_span_c);
  } else if (throttling || cut > kAtLimit) {
    why += fmt::format("fan at its cap {:.2f} cannot hold {:.1f} °C", cap,
                       threshold);
  } else if (use_model) {
    why += fmt::format(
        "fan {:.2f} from the forecast at {:.1f} W expected (model {:.2f}, "
        "PID {:+.2f})",
        fan, *decision.expected_power_w, feedforward, fan - feedforward);
  } else {
    why += fmt::format("fan {:.2f} by PID on the measured temperature", fan);
    if (predictive && !decision.expected_power_w) {
      why += " (no rail reports power, so nothing is forecast)";
    } else if (predictive) {
      why += fmt::format(
          " while the model is identified ({} periods seen, {} at least)",
          model_.samples(), model_.min_samples());
    }
  }
  if (cut > kAtLimit) {
    why += fmt::format("; dvfs cap {:.2f}", schedule.perf_cap);
    if (schedule.work_fraction < 1) {
      why += fmt::format(", work throttled to {:.2f}", schedule.work_fraction);
    }
  }
  schedule.reason = std::move(why);
  return decision;
}

}  // namespace nymph::thermal
