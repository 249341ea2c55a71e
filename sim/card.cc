#include "sim/card.h"

#include <nlohmann/json.hpp>

#include "mcu/protocol.h"

namespace nymph::sim {

Card::Card(CardParams params, double ambient_celsius)
    : params_(std::move(params)),
      thermal_(params_.thermal, ambient_celsius),
      fan_(params_.fan),
      ambient_celsius_(ambient_celsius) {}

void Card::Advance(double sim_seconds) {
  carried_s_ += sim_seconds;
  while (carried_s_ >= params_.step_s) {
    Step();
    carried_s_ -= params_.step_s;
  }
}

void Card::Step() {
  const double dt = params_.step_s;
  fan_.Step(dt, fan_duty_, rotor_locked_);
  PowerState power = ComputePower(params_.power, power_inputs_);
  thermal_.Step(dt, power.zone_watts, ambient_celsius_, fan_.speed_fraction());
  sim_time_s_ += dt;
}

nlohmann::json Card::StateJson() const {
  PowerState p = power();
  nlohmann::json zones = nlohmann::json::object();
  double hottest = ambient_celsius_;
  for (int zone = 0; zone < kZoneCount; ++zone) {
    zones[std::string(kZoneNames[zone])] = {
        {"celsius", thermal_.celsius()[zone]}, {"watts", p.zone_watts[zone]}};
    hottest = std::max(hottest, thermal_.celsius()[zone]);
  }
  nlohmann::json rails = nlohmann::json::object();
  for (int rail = 0; rail < kRailCount; ++rail) {
    const RailTruth& r = p.rails[rail];
    rails[std::string(mcu::kRailNames[rail])] = {
        {"volts_in", r.volts_in}, {"amps_in", r.amps_in},
        {"watts_in", r.watts_in}, {"volts_out", r.volts_out},
        {"amps_out", r.amps_out}, {"watts_out", r.watts_out}};
  }
  return {{"sim_time_s", sim_time_s_},
          {"ambient_celsius", ambient_celsius_},
          {"delta_t", hottest - ambient_celsius_},
          {"zones", zones},
          {"fan",
           {{"duty", fan_duty_},
            {"rpm", fan_.rpm()},
            {"spinning", fan_.spinning()},
            {"rotor_locked", rotor_locked_}}},
          {"power_watts", p.total_watts},
          {"rails", rails},
          {"load",
           {{"cpu_fraction", power_inputs_.cpu_fraction},
            {"cpu_watts", power_inputs_.cpu_watts},
            {"load_watts", power_inputs_.load_watts},
            {"dvfs_ratio", power_inputs_.dvfs_ratio},
            {"dvfs_factor", p.dvfs_factor}}}};
}

nlohmann::json Card::ParamsJson() const {
  const ThermalParams& t = params_.thermal;
  nlohmann::json couplings = nlohmann::json::array();
  for (const Coupling& c : t.couplings) {
    couplings.push_back({{"a", std::string(kZoneNames[c.a])},
                         {"b", std::string(kZoneNames[c.b])},
                         {"watts_per_kelvin", c.watts_per_kelvin}});
  }
  nlohmann::json zones = nlohmann::json::object();
  for (int zone = 0; zone < kZoneCount; ++zone) {
    zones[std::string(kZoneNames[zone])] = {
        {"capacitance_j_per_k", t.capacitance_j_per_k[zone]},
        {"natural_w_per_k", t.natural_w_per_k[zone]},
        {"forced_w_per_k", t.forced_w_per_k[zone]},
        {"idle_watts", params_.power.idle_watts[zone]},
        {"dynamic_share", params_.power.dynamic_share[zone]}};
  }
  return {{"step_s", params_.step_s},
          {"zones", zones},
          {"couplings", couplings},
          {"forced_exponent", t.forced_exponent},
          {"rail_loss_fraction", params_.power.rail_loss_fraction},
          {"fan",
           {{"full_rpm", params_.fan.full_rpm},
            {"stop_duty", params_.fan.stop_duty},
            {"start_duty", params_.fan.start_duty},
            {"time_constant_s", params_.fan.time_constant_s}}},
          {"ntc",
           {{"r25_ohms", params_.ntc.r25_ohms},
            {"beta_kelvin", params_.ntc.beta_kelvin},
            {"pullup_ohms", params_.ntc.pullup_ohms},
            {"adc_bits", params_.ntc.adc_bits}}}};
}

}  // namespace nymph::sim
