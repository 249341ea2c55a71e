// dist/thermal.log: one logfmt line per control period (time, zone
// temperatures, fan duty and speed, rail power, policy, schedule), and a
// summary of the measured ΔT (hottest zone minus ambient) at the end.
//
// Thread safety: none; the controller owns it.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "board/board.h"
#include "common/status.h"
#include "thermal/policy.h"

namespace nymph::thermal {

// ΔT statistics over time, weighted by each sample's period. Percentiles
// come from a 0.1 °C histogram, so the summary needs no sample list.
class DeltaTStats {
 public:
  void Add(double delta_t_c, double seconds);
  double seconds() const { return seconds_; }
  double mean_c() const;
  double max_c() const { return max_; }
  // `q` in 0..1; 0 without samples. Resolution 0.1 °C.
  double Quantile(double q) const;
  // Time spent above the card's budget.
  double seconds_over_budget() const { return over_budget_s_; }

 private:
  static constexpr double kLowC = -20;
  static constexpr double kBinC = 0.1;
  static constexpr int kBins = 1200;  // -20 .. 100 °C
  std::array<double, kBins> seconds_per_bin_{};
  double seconds_ = 0, weighted_sum_ = 0, max_ = 0, over_budget_s_ = 0;
};

struct ThermalCounters {
  uint64_t periods = 0;
  uint64_t failsafe_entries = 0;
  uint64_t read_errors = 0;          // Board::Read failures
  double fan_energy_estimate_j = 0;  // from the duty, see ControllerOptions
  double throttled_s = 0;            // work fraction below 1
  double dvfs_capped_s = 0;          // perf cap below 1
  double failsafe_s = 0;
};

struct LogRecord {
  double time_s = 0;
  const board::BoardReadings* readings = nullptr;  // null: no readings
  std::optional<double> power_w;
  std::string_view policy;
  double target_c = 0;
  bool failsafe = false;
  ThermalSchedule schedule;
  std::optional<double> forecast_c;
};

class ThermalLog {
 public:
  // Creates or truncates `path`; `header` becomes a comment line.
  Status Open(const std::string& path, const std::string& header);
  bool is_open() const { return out_.is_open(); }
  void Write(const LogRecord& record);
  void WriteSummary(const DeltaTStats& delta_t,
                    const ThermalCounters& counters);

 private:
  std::ofstream out_;
};

}  // namespace nymph::thermal
