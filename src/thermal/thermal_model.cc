#include "thermal/thermal_model.h"

#include <algorithm>
#include <cmath>

namespace nymph::thermal {
namespace {

// Keeps the covariance from growing without bound while nothing excites
// the model (constant load and fan): forgetting alone would inflate it
// until one noisy sample throws the parameters far off.
constexpr double kMaxCovarianceTrace = 1e-2;

}  // namespace

ThermalModel::ThermalModel() : ThermalModel(Options{}) {}

ThermalModel::ThermalModel(const Options& options) : options_(options) {
  theta_ = {options.prior.a, options.prior.b, options.prior.c};
  for (int i = 0; i < 3; ++i) covariance_[i][i] = options.prior_variance;
}

void ThermalModel::Observe(const ThermalSample& sample) {
  double dt = sample.time_s - previous_.time_s;
  if (!have_previous_ || dt <= 0 || dt > options_.max_interval_s) {
    previous_ = sample;
    have_previous_ = true;
    return;
  }
  double x0 = previous_.hottest_c - previous_.ambient_c;
  double x1 = sample.hottest_c - sample.ambient_c;
  // Trapezoid rule on the state, the inputs held over the interval: the
  // derivative's estimate is then second-order accurate in dt.
  double x_mid = (x0 + x1) / 2;
  std::array<double, 3> phi = {previous_.power_w, -x_mid,
                               -previous_.fan_duty * x_mid};
  double y = (x1 - x0) / dt;

  // Standard RLS with exponential forgetting.
  std::array<double, 3> p_phi{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) p_phi[i] += covariance_[i][j] * phi[j];
  }
  double denominator = options_.forgetting;
  for (int i = 0; i < 3; ++i) denominator += phi[i] * p_phi[i];
  double predicted = 0;
  for (int i = 0; i < 3; ++i) predicted += theta_[i] * phi[i];
  double residual = y - predicted;
  for (int i = 0; i < 3; ++i) theta_[i] += p_phi[i] / denominator * residual;
  double trace = 0;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      covariance_[i][j] =
          (covariance_[i][j] - p_phi[i] * p_phi[j] / denominator) /
          options_.forgetting;
    }
    trace += covariance_[i][i];
  }
  if (trace > kMaxCovarianceTrace) {
    double scale = kMaxCovarianceTrace / trace;
    for (auto& row : covariance_) {
      for (double& v : row) v *= scale;
    }
  }
  theta_[0] = std::max(theta_[0], kMinA);
  theta_[1] = std::max(theta_[1], kMinB);
  theta_[2] = std::max(theta_[2], 0.0);

  previous_ = sample;
  samples_++;
}

ThermalModel::State ThermalModel::state() const {
  return {params(), covariance_, samples_};
}

void ThermalModel::Restore(const State& state) {
  theta_ = {state.params.a, state.params.b, state.params.c};
  covariance_ = state.covariance;
  samples_ = state.samples;
  have_previous_ = false;
}

bool ThermalModel::ready() const {
  return samples_ >= options_.min_samples && theta_[0] > kMinA &&
         theta_[1] > kMinB;
}

double ThermalModel::ForecastC(double hottest_c, double ambient_c,
                               double power_w, double fan_duty,
                               double horizon_s) const {
  double rate = theta_[1] + theta_[2] * fan_duty;
  double x_steady = theta_[0] * power_w / rate;
  double x0 = hottest_c - ambient_c;
  return ambient_c + x_steady + (x0 - x_steady) * std::exp(-rate * horizon_s);
}

double ThermalModel::SteadyStateC(double ambient_c, double power_w,
                                  double fan_duty) const {
  return ambient_c + theta_[0] * power_w / (theta_[1] + theta_[2] * fan_duty);
}

double ThermalModel::FanForSteadyState(double ambient_c, double power_w,
                                       double target_c) const {
  double rise = target_c - ambient_c;
  if (rise <= 0) return HUGE_VAL;
  if (theta_[2] <= 0)
    return theta_[0] * power_w / rise > theta_[1] ? HUGE_VAL : 0.0;
  return (theta_[0] * power_w / rise - theta_[1]) / theta_[2];
}

}  // namespace nymph::thermal
