#include "thermal/thermal_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace nymph::thermal {

void DeltaTStats::Add(double delta_t_c, double seconds) {
  if (seconds <= 0 || !std::isfinite(delta_t_c)) return;
  max_ = seconds_ == 0 ? delta_t_c : std::max(max_, delta_t_c);
  seconds_ += seconds;
  weighted_sum_ += delta_t_c * seconds;
  if (delta_t_c > kDeltaTBudgetC) over_budget_s_ += seconds;
  int bin = static_cast<int>(std::floor((delta_t_c - kLowC) / kBinC));
  seconds_per_bin_[std::clamp(bin, 0, kBins - 1)] += seconds;
}

double DeltaTStats::mean_c() const {
  return seconds_ > 0 ? weighted_sum_ / seconds_ : 0;
}

double DeltaTStats::Quantile(double q) const {
  if (seconds_ <= 0) return 0;
  double wanted = q * seconds_;
  double seen = 0;
  for (int bin = 0; bin < kBins; ++bin) {
    seen += seconds_per_bin_[bin];
    if (seen >= wanted && seconds_per_bin_[bin] > 0) {
      // The bin's upper edge, never beyond the largest value seen.
      return std::min(kLowC + (bin + 1) * kBinC, max_);
    }
  }
  return max_;
}

Status ThermalLog::Open(const std::string& path, const std::string& header) {
  out_.open(path, std::ios::trunc);
  if (!out_) {
    return Status(ErrorKind::kUnavailable, "thermal_log",
                  "cannot write the thermal log " + path +
                      "; check [thermal] log_file and its directory");
  }
  out_ << "# " << header << "\n";
  out_.flush();
  return Status();
}

void ThermalLog::Write(const LogRecord& record) {
  if (!out_.is_open()) return;
  std::string line = fmt::format("t={:.3f}", record.time_s);
  if (record.readings) {
    for (const auto& zone : record.readings->zones) {
      line += zone.celsius
                  ? fmt::format(" {}_c={:.2f}", zone.zone, *zone.celsius)
                  : fmt::format(" {}_c=fault", zone.zone);
    }
    const board::FanReading& fan = record.readings->fan;
    line += fan.rpm ? fmt::format(" fan_rpm={:.0f}", *fan.rpm)
                    : std::string(" fan_rpm=none");
  }
  line += record.power_w ? fmt::format(" power_w={:.2f}", *record.power_w)
                         : std::string(" power_w=none");
  line += fmt::format(
      " policy={} target_c={:.1f} failsafe={} fan_duty={:.3f} perf_cap={:.3f}"
      " work_fraction={:.3f}",
      record.policy, record.target_c, record.failsafe ? 1 : 0,
      record.schedule.fan_duty, record.schedule.perf_cap,
      record.schedule.work_fraction);
  if (record.forecast_c) {
    line += fmt::format(" forecast_c={:.2f}", *record.forecast_c);
  }
  std::string reason = record.schedule.reason;
  std::replace(reason.begin(), reason.end(), '"', '\'');
  line += " reason=\"" + reason + "\"\n";
  out_ << line;
  out_.flush();  // a crash must not eat the last minutes of evidence
}

void ThermalLog::WriteSummary(const DeltaTStats& delta_t,
                              const ThermalCounters& counters) {
  if (!out_.is_open()) return;
  out_ << fmt::format(
      "# summary periods={} measured_s={:.1f} delta_t_mean_c={:.2f} "
      "delta_t_p50_c={:.1f} delta_t_p95_c={:.1f} delta_t_max_c={:.2f} "
      "budget_c={:.0f} over_budget_s={:.1f} failsafe_entries={} "
      "failsafe_s={:.1f} read_errors={} fan_energy_estimate_j={:.1f} "
      "dvfs_capped_s={:.1f} throttled_s={:.1f}\n",
      counters.periods, delta_t.seconds(), delta_t.mean_c(),
      delta_t.Quantile(0.5), delta_t.Quantile(0.95), delta_t.max_c(),
      kDeltaTBudgetC, delta_t.seconds_over_budget(), counters.failsafe_entries,
      counters.failsafe_s, counters.read_errors, counters.fan_energy_estimate_j,
      counters.dvfs_capped_s, counters.throttled_s);
  out_.flush();
}

}  // namespace nymph::thermal
