#include "sim/power_model.h"

#include <algorithm>

namespace nymph::sim {

double DvfsVoltageRatio(const PowerParams& params, double ratio) {
  double r = std::clamp(ratio, params.min_freq_ratio, 1.0);
  return params.min_volts_ratio + (1.0 - params.min_volts_ratio) *
                                      (r - params.min_freq_ratio) /
                                      (1.0 - params.min_freq_ratio);
}

double DvfsPowerFactor(const PowerParams& params, double ratio) {
  double r = std::clamp(ratio, params.min_freq_ratio, 1.0);
  double v = DvfsVoltageRatio(params, r);
  return r * v * v;
}

namespace {

RailTruth MakeRail(const PowerParams& params, double watts_out,
                   double volts_out) {
  RailTruth rail;
  rail.volts_in = params.input_volts;
  rail.volts_out = volts_out;
  rail.watts_out = watts_out;
  rail.amps_out = watts_out / volts_out;
  rail.watts_in = watts_out * (1.0 + params.rail_loss_fraction);
  rail.amps_in = rail.watts_in / rail.volts_in;
  return rail;
}

}  // namespace

PowerState ComputePower(const PowerParams& params, const PowerInputs& in) {
  PowerState state;
  state.dvfs_factor = DvfsPowerFactor(params, in.dvfs_ratio);
  double dynamic = state.dvfs_factor * (std::clamp(in.cpu_fraction, 0.0, 1.0) *
                                            std::max(0.0, in.cpu_watts) +
                                        std::max(0.0, in.load_watts));
  for (int zone = 0; zone < kZoneCount; ++zone) {
    state.zone_watts[zone] =
        params.idle_watts[zone] + params.dynamic_share[zone] * dynamic;
  }
  double v = DvfsVoltageRatio(params, in.dvfs_ratio);
  state.rails[kVcore] =
      MakeRail(params, state.zone_watts[kSoc], params.vcore_max_volts * v);
  state.rails[kVnpu] =
      MakeRail(params, state.zone_watts[kNpu], params.vnpu_max_volts * v);
  state.zone_watts[kVrm] +=
      params.rail_loss_fraction *
      (state.rails[kVcore].watts_out + state.rails[kVnpu].watts_out);
  state.total_watts = 0;
  for (double w : state.zone_watts) state.total_watts += w;
  return state;
}

}  // namespace nymph::sim
