// A first-order thermal model of the card, identified online from its own
// measurements, that forecasts the hottest zone.
//
// With x = hottest zone - ambient (K), P the rail power (W) and f the fan
// duty (0..1):
//
//   dx/dt = a·P - (b + c·f)·x
//
// a = 1/C (K/J, C the heat capacity), b = G0/C and c = G1/C (1/s): the
// thermal conductance to ambient is G0 + G1·f, growing with airflow. The
// parameters enter linearly, so recursive least squares with forgetting
// tracks them from (x, P, f) samples without a model of the board.
//
// What was identified can be saved and restored (model_store.h), so a
// restart forecasts at once instead of from the prior.
//
// Thread safety: none; the controller owns it.
#pragma once

#include <array>
#include <cstdint>

namespace nymph::thermal {

struct ThermalParams {
  double a = 0;  // K per joule
  double b = 0;  // 1/s, passive conductance over heat capacity
  double c = 0;  // 1/s per unit of fan duty
};

struct ThermalSample {
  double time_s = 0;
  double hottest_c = 0;
  double ambient_c = 0;
  double power_w = 0;   // rail power from this sample until the next
  double fan_duty = 0;  // duty in force from this sample until the next
};

class ThermalModel {
 public:
  // Floors of a and b: below them the model says "no conductance", which
  // no card has.
  static constexpr double kMinA = 1e-6;
  static constexpr double kMinB = 1e-6;

  struct Options {
    // Where identification starts, and how far it may wander at first:
    // a rough guess of the card (C ≈ 150 J/K, 1.6 K/W with the fan off,
    // 0.6 K/W at full fan).
    ThermalParams prior{1.0 / 150, 1.0 / (150 * 1.6),
                        1.0 / (150 * 0.6) - 1.0 / (150 * 1.6)};
    double prior_variance = 1e-4;
    // Weight of old samples per step; 0.998 remembers ~500 samples.
    double forgetting = 0.998;
    // Samples before forecasts are trusted.
    int min_samples = 30;
    // Intervals longer than this (a pause, a failsafe) restart the pairs.
    double max_interval_s = 10;
  };

  ThermalModel();
  explicit ThermalModel(const Options& options);

  // Adds one sample; the model learns from each pair of consecutive ones.
  void Observe(const ThermalSample& sample);
  // Forgets the previous sample (after a gap); keeps what was learned.
  void Interrupt() { have_previous_ = false; }

  ThermalParams params() const { return {theta_[0], theta_[1], theta_[2]}; }

  // Everything identification has learned, to continue from later.
  struct State {
    ThermalParams params;
    std::array<std::array<double, 3>, 3> covariance{};
    int samples = 0;
  };
  State state() const;
  // Continues from `state`; the next sample starts a new pair.
  void Restore(const State& state);

  int samples() const { return samples_; }
  int min_samples() const { return options_.min_samples; }
  // Enough samples and physically meaningful parameters.
  bool ready() const;

  // Hottest zone after `horizon_s` at constant power and fan duty, from
  // `hottest_c` now (closed-form solution of the model).
  double ForecastC(double hottest_c, double ambient_c, double power_w,
                   double fan_duty, double horizon_s) const;
  double SteadyStateC(double ambient_c, double power_w, double fan_duty) const;
  // Fan duty whose steady state is `target_c` at `power_w`; not clamped
  // (above 1: the fan cannot hold it; below 0: no fan needed).
  double FanForSteadyState(double ambient_c, double power_w,
                           double target_c) const;

 private:
  Options options_;
  std::array<double, 3> theta_{};
  std::array<std::array<double, 3>, 3> covariance_{};
  ThermalSample previous_{};
  bool have_previous_ = false;
  int samples_ = 0;
};

}  // namespace nymph::thermal
