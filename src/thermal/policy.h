// The five thermal policies of SPEC §2 as one decision per control period:
// fan duty first (except passive), then a DVFS cap, then inference
// throttling (TAPIM) when the fan alone cannot hold the target; the
// predictive policy (TAITO) acts on the model's forecast of the hottest
// zone, given the power the inference queue is about to draw. A sixth,
// `linear`, is the baseline they are measured against: the fixed
// temperature-to-duty ramp lm-sensors' fancontrol applies.
//
// Thread safety: none; the controller owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "thermal/pid.h"
#include "thermal/thermal_model.h"
#include "thermal/work_power.h"

namespace nymph::thermal {

enum class Policy {
  kPassive,
  kActive,
  kPredictive,
  kAggressive,
  kQuiet,
  kLinear
};

std::string_view PolicyName(Policy policy);
std::optional<Policy> ParsePolicy(std::string_view name);
// "passive, active, predictive, aggressive, quiet, linear", for messages.
std::string PolicyNames();

struct PolicySettings {
  Policy policy = Policy::kActive;
  double target_c = 60;
  double fan_min = 0.25;  // the blower stalls below about this duty
  double fan_max = 1.0;
  double horizon_s = 30;  // of the forecast
};

// The card's budget: hottest zone at most 25 °C above ambient (SPEC §1).
constexpr double kDeltaTBudgetC = 25;
// The ambient the card is designed for (SPEC §3): used for the target's
// safe range until the board reports an ambient, and for configuration.
constexpr double kDesignAmbientC = 35;
// Below ambient + this the fan would run flat out even when idle.
constexpr double kMinTargetRiseC = 5;
// The lowest fan_min: below about this duty the blower stops turning, and
// a fan asked to stop is no stall fault (SensorLimits::stall_duty), so a
// lower floor would let a schedule switch the cooling off unnoticed.
constexpr double kFanMinFloor = 0.2;

struct TargetRange {
  double min_c;
  double max_c;
};
TargetRange SafeTargetRange(double ambient_c);

// Checks `settings` against the budget at `ambient_c`. Errors are
// kUnprocessable with a sentence naming the field and the allowed range.
Status ValidateSettings(const PolicySettings& settings, double ambient_c);

struct ThermalSchedule {
  double fan_duty = 1.0;       // 0..1
  double perf_cap = 1.0;       // fraction of the maximum clock, 0..1
  double work_fraction = 1.0;  // fraction of normal inference work, 0..1
  std::string reason;
};

struct PolicyTuning {
  // Fan PID, duty per °C; tuned for a card of ~150 J/K whose fan halves
  // its time constant (about 130 s at mid duty).
  PidGains fan{.kp = 0.12,
               .ki = 0.004,
               .kd = 1.5,
               .out_min = 0,
               .out_max = 1,
               .max_slew_per_s = 0.1,
               .deadband = 0.3,
               .derivative_tau_s = 5};
  // The throttle "cut", 0..2: 0..1 lowers the DVFS cap to `perf_floor`,
  // 1..2 then lowers the work fraction to `work_floor`. While the fan has
  // room its error is held at zero, so it does not move. PI with an
  // integral time (kp/ki) of 50 s, near the card's own time constant: the
  // integral-only law it replaces (ki 0.02) lagged the heat and cycled
  // between throttling and the fan's minimum (quiet on nymph-boardsim: fan
  // duty swinging 0.25 peak to peak, tools/thermal-compare.py).
  PidGains cut{.kp = 0.1,
               .ki = 0.002,
               .kd = 0,
               .out_min = 0,
               .out_max = 2,
               .max_slew_per_s = 0.2,
               .deadband = 0.2,
               .derivative_tau_s = 0};
  double perf_floor = 0.5;
  double work_floor = 0.1;
  double quiet_fan_cap = 0.5;
  double aggressive_gain = 2;      // on the fan PID's gains
  double aggressive_margin_c = 2;  // fan aims this far below the target
  double throttle_margin_c = 0.5;  // active, predictive
  double aggressive_throttle_margin_c = 1.5;
  // linear: fan_min at (target - span) and below, rising in a straight
  // line to the fan's cap at the target, as fancontrol's MINTEMP..MAXTEMP.
  double linear_span_c = 10;
};

struct PolicyInput {
  double dt_s = 1;  // since the previous decision; REQUIRES: > 0
  double time_s = 0;
  std::string hottest_zone;
  double hottest_c = 0;
  double ambient_c = 0;
  // Rail power now; empty when no rail reports it (the model and the
  // work's power map then learn nothing, and nothing is forecast).
  std::optional<double> power_w;
  WorkOutlook outlook;
};

struct PolicyDecision {
  ThermalSchedule schedule;
  // Hottest zone after the horizon under this schedule, once the model
  // is trusted.
  std::optional<double> forecast_c;
  std::optional<double> expected_power_w;  // empty: power unknown
  PidTerms fan_terms;
  PidTerms cut_terms;
};

class ThermalPolicy {
 public:
  explicit ThermalPolicy(const PolicySettings& settings,
                         const PolicyTuning& tuning = {});

  // Switches policy or limits; what was learned is kept and the fan
  // continues from its current duty without a jump.
  void SetSettings(const PolicySettings& settings);
  const PolicySettings& settings() const { return settings_; }

  // Learns from the input and decides the schedule for the next period.
  PolicyDecision Decide(const PolicyInput& input);

  // After failsafe or a gap: continue from `fan_duty`, throttles released
  // gradually, model pairs restarted.
  void ResumeFrom(double fan_duty);

  const ThermalModel& model() const { return model_; }
  // Continues identification from a saved model (see model_store.h).
  void RestoreModel(const ThermalModel::State& state) { model_.Restore(state); }
  const WorkPowerMap& work_power() const { return work_power_; }

 private:
  double FanCap() const;
  double ThrottleThreshold() const;
  double PredictiveFeedforward(const PolicyInput& input, double power_w,
                               double cap) const;

  PolicySettings settings_;
  PolicyTuning tuning_;
  ThermalModel model_;
  WorkPowerMap work_power_;
  PidState fan_state_;
  PidState cut_state_;
  double last_fan_ = 0;
  double last_feedforward_ = 0;
};

}  // namespace nymph::thermal
