// Decides whether the board's readings can be trusted. Anything that
// cannot be (a sensor lost, stale, stuck, out of range, a stalled fan, a
// board that does not answer) becomes a sentence in the fault list, which
// puts the controller in failsafe: the controller never acts on a reading
// it has reasons to doubt.
//
// Thread safety: none; the controller owns it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "board/board.h"

namespace nymph::thermal {

struct SensorLimits {
  double zone_min_c = -40;  // NTCs and the SoC's own sensor, decoded
  double zone_max_c = 150;
  double ambient_min_c = -20;
  double ambient_max_c = 70;
  // Readings older than this are stale even if `taken` moved.
  double stale_after_s = 5;
  // A zone (other than ambient) that keeps exactly one value this long
  // while the rail power swings by at least `stuck_power_swing_w` is
  // stuck: heat that changes must move a working thermistor's ADC count.
  double stuck_after_s = 60;
  double stuck_power_swing_w = 3;
  // A fan commanded at least this duty that reports 0 rpm this long has
  // stalled even if the board has not said so (the tach may lag a start).
  double stall_duty = 0.2;  // below PolicySettings::fan_min
  double stall_after_s = 5;
  // Card seconds per clock second for the physical timers above (stuck,
  // stall); staleness is the link's and stays in clock seconds. The
  // controller sets it from ControllerOptions::time_scale.
  double time_scale = 1;
};

class SensorCheck {
 public:
  explicit SensorCheck(const SensorLimits& limits) : limits_(limits) {}

  // Faults in this read (empty: trustworthy). `commanded_duty` is what the
  // controller last set. Sensors seen once are required from then on, so a
  // zone that disappears is lost, while a backend that never had a fan is
  // not faulted for it.
  std::vector<std::string> Check(const StatusOr<board::BoardReadings>& read,
                                 board::Clock::time_point now,
                                 double commanded_duty);

 private:
  struct ZoneHistory {
    double value = 0;
    board::Clock::time_point since;
    double power_min = 0;
    double power_max = 0;
    bool power_known = false;
  };
  void CheckStuck(const std::string& zone, double value,
                  std::optional<double> power_w, board::Clock::time_point now,
                  std::vector<std::string>& faults);

  SensorLimits limits_;
  std::optional<board::Clock::time_point> last_taken_;
  std::map<std::string, ZoneHistory> zones_;  // every zone seen so far
  std::vector<std::string> rails_seen_;
  bool fan_seen_ = false;
  std::optional<board::Clock::time_point> zero_rpm_since_;
};

// Sum of the rails' output power (W); volts × amps where a rail reports no
// power; empty when no rail says anything.
std::optional<double> RailPowerW(const board::BoardReadings& readings);

}  // namespace nymph::thermal
