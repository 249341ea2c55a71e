#include "thermal/thermal_metrics.h"

#include <fmt/format.h>

namespace nymph::thermal {
namespace {

void Header(std::string& out, const char* name, const char* type,
            const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void RenderThermalMetrics(const ThermalSnapshot& s, std::string& out) {
  if (s.readings) {
    Header(out, "nymph_thermal_zone_celsius", "gauge",
           "Zone temperature, by zone (ambient included).");
    for (const auto& zone : s.readings->zones) {
      if (!zone.celsius) continue;
      out += fmt::format("nymph_thermal_zone_celsius{{zone=\"{}\"}} {}\n",
                         zone.zone, *zone.celsius);
    }
    if (s.readings->fan.rpm) {
      Header(out, "nymph_thermal_fan_rpm", "gauge", "Fan speed.");
      out += fmt::format("nymph_thermal_fan_rpm {}\n", *s.readings->fan.rpm);
    }
  }
  if (s.power_w) {
    Header(out, "nymph_thermal_power_watts", "gauge",
           "Rail output power, all rails.");
    out += fmt::format("nymph_thermal_power_watts {}\n", *s.power_w);
  }
  if (s.delta_t_c) {
    Header(out, "nymph_thermal_delta_t_celsius", "gauge",
           "Hottest zone minus ambient.");
    out += fmt::format("nymph_thermal_delta_t_celsius {}\n", *s.delta_t_c);
  }
  if (s.forecast_c) {
    Header(out, "nymph_thermal_forecast_celsius", "gauge",
           "Hottest zone forecast at the policy's horizon.");
    out += fmt::format("nymph_thermal_forecast_celsius {}\n", *s.forecast_c);
  }
  Header(out, "nymph_thermal_target_celsius", "gauge",
         "Target of the thermal policy.");
  out += fmt::format("nymph_thermal_target_celsius {}\n", s.settings.target_c);
  Header(out, "nymph_thermal_fan_duty", "gauge", "Fan duty commanded, 0..1.");
  out += fmt::format("nymph_thermal_fan_duty {}\n", s.schedule.fan_duty);
  Header(out, "nymph_thermal_perf_cap", "gauge",
         "DVFS cap, fraction of the maximum frequency.");
  out += fmt::format("nymph_thermal_perf_cap {}\n", s.schedule.perf_cap);
  Header(out, "nymph_thermal_work_fraction", "gauge",
         "Fraction of normal inference work admitted.");
  out +=
      fmt::format("nymph_thermal_work_fraction {}\n", s.schedule.work_fraction);
  Header(out, "nymph_thermal_failsafe", "gauge",
         "1 while sensors are distrusted and the fan runs full.");
  out += fmt::format("nymph_thermal_failsafe {}\n", s.failsafe ? 1 : 0);
  Header(out, "nymph_thermal_periods_total", "counter", "Control periods run.");
  out += fmt::format("nymph_thermal_periods_total {}\n", s.counters.periods);
  Header(out, "nymph_thermal_failsafe_entries_total", "counter",
         "Times failsafe was entered.");
  out += fmt::format("nymph_thermal_failsafe_entries_total {}\n",
                     s.counters.failsafe_entries);
  Header(out, "nymph_thermal_fan_energy_estimate_joules_total", "counter",
         "Fan energy estimated from the duty the fan reports (assumed full "
         "power x duty^3), not metered.");
  out += fmt::format("nymph_thermal_fan_energy_estimate_joules_total {}\n",
                     s.counters.fan_energy_estimate_j);
  Header(out, "nymph_thermal_throttled_seconds_total", "counter",
         "Time with inference work throttled.");
  out += fmt::format("nymph_thermal_throttled_seconds_total {}\n",
                     s.counters.throttled_s);
}

}  // namespace nymph::thermal
