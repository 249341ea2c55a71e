#include "thermal/work_power.h"

#include <algorithm>

namespace nymph::thermal {
namespace {

// ~100 samples of memory: long enough to span idle and busy spells.
constexpr double kForgetting = 0.99;
constexpr double kRateSmoothing = 0.2;
constexpr int kMinBusySamples = 5;

}  // namespace

void WorkPowerMap::Observe(const WorkOutlook& outlook, double power_w) {
  double t = outlook.tokens_per_s;
  weight_ = weight_ * kForgetting + 1;
  sum_t_ = sum_t_ * kForgetting + t;
  sum_p_ = sum_p_ * kForgetting + power_w;
  sum_tt_ = sum_tt_ * kForgetting + t * t;
  sum_tp_ = sum_tp_ * kForgetting + t * power_w;
  if (outlook.active_sequences > 0 && t > 0) {
    double rate = t / outlook.active_sequences;
    rate_per_sequence_ =
        busy_samples_ == 0
            ? rate
            : rate_per_sequence_ + kRateSmoothing * (rate - rate_per_sequence_);
    busy_samples_++;
  }
}

bool WorkPowerMap::ready() const {
  // The line needs both idle and busy samples: a spread in tokens/s.
  double variance =
      sum_tt_ / std::max(weight_, 1e-9) -
      (sum_t_ / std::max(weight_, 1e-9)) * (sum_t_ / std::max(weight_, 1e-9));
  return busy_samples_ >= kMinBusySamples && variance > 1e-6 &&
         joules_per_token() > 0;
}

double WorkPowerMap::joules_per_token() const {
  double n = weight_;
  double det = n * sum_tt_ - sum_t_ * sum_t_;
  if (det <= 0) return 0;
  return (n * sum_tp_ - sum_t_ * sum_p_) / det;
}

double WorkPowerMap::idle_w() const {
  if (weight_ <= 0) return 0;
  return (sum_p_ - joules_per_token() * sum_t_) / weight_;
}

double WorkPowerMap::ExpectedPowerW(const WorkOutlook& outlook,
                                    double power_w) const {
  if (!ready()) return power_w;
  int sequences = outlook.active_sequences + outlook.queued_sequences;
  if (outlook.max_active > 0)
    sequences = std::min(sequences, outlook.max_active);
  double tokens_per_s = rate_per_sequence_ * sequences;
  // Until the new sequences run, tokens/s lags; never expect less than
  // the work already measured.
  tokens_per_s = std::max(tokens_per_s, outlook.tokens_per_s);
  return idle_w() + joules_per_token() * tokens_per_s;
}

}  // namespace nymph::thermal
