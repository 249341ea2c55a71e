#include "thermal/sensor_check.h"

#include <fmt/format.h>

#include <algorithm>

namespace nymph::thermal {
namespace {

double Seconds(board::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::optional<double> RailPowerW(const board::BoardReadings& readings) {
  std::optional<double> total;
  for (const auto& rail : readings.rails) {
    if (!rail.fault.empty()) continue;
    std::optional<double> watts = rail.watts_out;
    if (!watts && rail.volts_out && rail.amps_out) {
      watts = *rail.volts_out * *rail.amps_out;
    }
    if (watts) total = total.value_or(0) + *watts;
  }
  return total;
}

std::vector<std::string> SensorCheck::Check(
    const StatusOr<board::BoardReadings>& read, board::Clock::time_point now,
    double commanded_duty) {
  std::vector<std::string> faults;
  if (!read.ok()) {
    faults.push_back("board unreachable: " + read.status().message());
    return faults;
  }
  const board::BoardReadings& readings = *read;
  if (last_taken_ && readings.taken == *last_taken_) {
    faults.push_back(
        "readings stale: the board returned the previous set "
        "again");
  } else if (Seconds(now - readings.taken) > limits_.stale_after_s) {
    faults.push_back(fmt::format("readings stale: taken {:.1f} s ago",
                                 Seconds(now - readings.taken)));
  }
  last_taken_ = readings.taken;
  for (const std::string& fault : readings.faults) {
    faults.push_back("board: " + fault);
  }

  std::optional<double> power = RailPowerW(readings);
  std::vector<std::string> present;
  for (const auto& zone : readings.zones) {
    present.push_back(zone.zone);
    if (!zone.fault.empty() || !zone.celsius) {
      faults.push_back(zone.zone + ": " +
                       (zone.fault.empty() ? "no value" : zone.fault));
      zones_.try_emplace(zone.zone);
      continue;
    }
    double c = *zone.celsius;
    bool ambient = zone.zone == "ambient";
    double lo = ambient ? limits_.ambient_min_c : limits_.zone_min_c;
    double hi = ambient ? limits_.ambient_max_c : limits_.zone_max_c;
    if (!(c >= lo && c <= hi)) {
      faults.push_back(
          fmt::format("{}: {:.1f} °C is out of range ({:.0f} to "
                      "{:.0f} °C)",
                      zone.zone, c, lo, hi));
    }
    // The air's temperature does not follow the card's power, so a steady
    // ambient reading under a changing load is no evidence of a stuck ADC.
    if (ambient) {
      zones_.try_emplace(zone.zone);
    } else {
      CheckStuck(zone.zone, c, power, now, faults);
    }
  }
  for (const auto& [zone, history] : zones_) {
    if (std::find(present.begin(), present.end(), zone) == present.end()) {
      faults.push_back(zone + ": lost (no longer reported)");
    }
  }

  std::vector<std::string> rails_now;
  for (const auto& rail : readings.rails) {
    rails_now.push_back(rail.rail);
    if (!rail.fault.empty()) faults.push_back(rail.rail + ": " + rail.fault);
    if (std::find(rails_seen_.begin(), rails_seen_.end(), rail.rail) ==
        rails_seen_.end()) {
      rails_seen_.push_back(rail.rail);
    }
  }
  for (const std::string& rail : rails_seen_) {
    if (std::find(rails_now.begin(), rails_now.end(), rail) ==
        rails_now.end()) {
      faults.push_back(rail + ": lost (no longer reported)");
    }
  }

  const board::FanReading& fan = readings.fan;
  if (!fan.fault.empty()) {
    faults.push_back("fan: " + fan.fault);
  } else if (fan.rpm) {
    fan_seen_ = true;
    if (*fan.rpm < 1 && commanded_duty >= limits_.stall_duty) {
      if (!zero_rpm_since_) zero_rpm_since_ = now;
      double stopped = Seconds(now - *zero_rpm_since_) * limits_.time_scale;
      if (stopped >= limits_.stall_after_s) {
        faults.push_back(
            fmt::format("fan: stalled (0 rpm for {:.0f} s at duty {:.2f})",
                        stopped, commanded_duty));
      }
    } else {
      zero_rpm_since_.reset();
    }
  } else if (fan_seen_) {
    faults.push_back("fan: speed no longer reported");
  }
  return faults;
}

void SensorCheck::CheckStuck(const std::string& zone, double value,
                             std::optional<double> power_w,
                             board::Clock::time_point now,
                             std::vector<std::string>& faults) {
  auto [it, added] = zones_.try_emplace(zone);
  ZoneHistory& history = it->second;
  if (added || value != history.value) {
    history.value = value;
    history.since = now;
    history.power_known = false;
  }
  if (power_w) {
    if (!history.power_known) {
      history.power_min = history.power_max = *power_w;
      history.power_known = true;
    }
    history.power_min = std::min(history.power_min, *power_w);
    history.power_max = std::max(history.power_max, *power_w);
  }
  double unchanged = Seconds(now - history.since) * limits_.time_scale;
  double swing = history.power_max - history.power_min;
  if (history.power_known && unchanged >= limits_.stuck_after_s &&
      swing >= limits_.stuck_power_swing_w) {
    faults.push_back(fmt::format(
        "{}: stuck at {:.2f} °C for {:.0f} s while the power swung {:.1f} W",
        zone, value, unchanged, swing));
  }
}

}  // namespace nymph::thermal
