#include "api/json_body.h"
#include "api/routes.h"
#include "server/api_error.h"
#include "thermal/controller.h"

namespace nymph {
namespace {

using nlohmann::json;
using thermal::ThermalSnapshot;

json OrNull(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json ReadingsJson(const board::BoardReadings& r, double age_s) {
  json zones = json::object(), faults = json::object(), rails = json::object();
  for (const auto& zone : r.zones) {
    zones[zone.zone] = OrNull(zone.celsius);
    if (!zone.fault.empty()) faults[zone.zone] = zone.fault;
  }
  for (const auto& rail : r.rails) {
    rails[rail.rail] = {{"volts", OrNull(rail.volts_out)},
                        {"amps", OrNull(rail.amps_out)},
                        {"watts", OrNull(rail.watts_out)}};
    if (!rail.fault.empty()) faults[rail.rail] = rail.fault;
  }
  if (!r.fan.fault.empty()) faults["fan"] = r.fan.fault;
  return {{"age_s", age_s},
          {"zones", zones},
          {"fan", {{"duty", OrNull(r.fan.duty)}, {"rpm", OrNull(r.fan.rpm)}}},
          {"rails", rails},
          {"faults", faults}};
}

json StatusJson(const ThermalSnapshot& s) {
  const auto& c = s.counters;
  return {
      {"board", s.board},
      {"policy", thermal::PolicyName(s.settings.policy)},
      {"target_c", s.settings.target_c},
      {"fan_min", s.settings.fan_min},
      {"fan_max", s.settings.fan_max},
      {"failsafe", {{"active", s.failsafe}, {"reasons", s.failsafe_reasons}}},
      {"readings",
       s.readings ? ReadingsJson(*s.readings, s.age_s) : json(nullptr)},
      {"power_w", OrNull(s.power_w)},
      {"delta_t_c", OrNull(s.delta_t_c)},
      {"schedule",
       {{"fan_duty", s.schedule.fan_duty},
        {"perf_cap", s.schedule.perf_cap},
        {"work_fraction", s.schedule.work_fraction},
        {"reason", s.schedule.reason}}},
      {"forecast",
       {{"horizon_s", s.settings.horizon_s},
        {"celsius", OrNull(s.forecast_c)},
        {"expected_power_w", OrNull(s.expected_power_w)}}},
      {"delta_t_stats",
       {{"seconds", s.delta_t.seconds()},
        {"mean_c", s.delta_t.mean_c()},
        {"p95_c", s.delta_t.Quantile(0.95)},
        {"max_c", s.delta_t.max_c()},
        {"budget_c", thermal::kDeltaTBudgetC},
        {"over_budget_s", s.delta_t.seconds_over_budget()}}},
      {"counters",
       {{"periods", c.periods},
        {"failsafe_entries", c.failsafe_entries},
        {"read_errors", c.read_errors},
        {"fan_energy_estimate_j", c.fan_energy_estimate_j},
        {"throttled_s", c.throttled_s},
        {"dvfs_capped_s", c.dvfs_capped_s},
        {"failsafe_s", c.failsafe_s}}},
  };
}

Status BadField(const std::string& field, const std::string& want) {
  return Status(ErrorKind::kBadRequest, "invalid_request",
                "'" + field + "' must be " + want);
}

// Reads the request over `settings` (the ones in force): fields left out
// keep their values, except policy and target_c, which are required.
Status ParseSchedule(const json& body, thermal::PolicySettings& settings) {
  if (Status known = RefuseUnknownFields(
          body, {"policy", "target_c", "fan_min", "fan_max", "horizon_s"});
      !known.ok()) {
    return known;
  }
  auto policy = body.find("policy");
  if (policy == body.end() || !policy->is_string()) {
    return BadField("policy", "a string: one of " + thermal::PolicyNames());
  }
  auto parsed = thermal::ParsePolicy(policy->get<std::string>());
  if (!parsed) {
    return Status(ErrorKind::kUnprocessable, "unknown_policy",
                  "unknown policy '" + policy->get<std::string>() +
                      "'; use one of " + thermal::PolicyNames());
  }
  settings.policy = *parsed;
  auto target = body.find("target_c");
  if (target == body.end() || !target->is_number()) {
    return BadField("target_c", "a number of degrees Celsius");
  }
  settings.target_c = target->get<double>();
  for (auto [name, field] : {std::pair{"fan_min", &settings.fan_min},
                             std::pair{"fan_max", &settings.fan_max},
                             std::pair{"horizon_s", &settings.horizon_s}}) {
    auto it = body.find(name);
    if (it == body.end()) continue;
    if (!it->is_number()) return BadField(name, "a number");
    *field = it->get<double>();
  }
  return Status();
}

}  // namespace

void AddThermalRoutesWithoutBoard(Router& router) {
  auto off = [](const ApiRequest&) {
    return ErrorResponse(Status(
        ErrorKind::kNotFound, "no_board",
        "thermal control is off: this nymphd runs with --board none; start "
        "it with --board sim, mcu or hwmon"));
  };
  router.Add("GET", "/thermal/status", off);
  router.Add("POST", "/thermal/schedule", off);
}

void AddThermalRoutes(Router& router, thermal::ThermalController& thermal) {
  router.Add("GET", "/thermal/status", [&thermal](const ApiRequest&) {
    return JsonResponse(StatusJson(thermal.Snapshot()));
  });
  router.Add("POST", "/thermal/schedule", [&thermal](const ApiRequest& http) {
    auto body = ParseJsonObject(http.body);
    if (!body.ok()) return ErrorResponse(body.status());
    thermal::PolicySettings settings = thermal.Snapshot().settings;
    Status parsed = ParseSchedule(*body, settings);
    if (!parsed.ok()) return ErrorResponse(parsed);
    Status applied = thermal.Apply(settings);
    if (!applied.ok()) return ErrorResponse(applied);
    return JsonResponse(StatusJson(thermal.Snapshot()));
  });
}

}  // namespace nymph
