// Electrical power of the card per zone and the two PMBus rails that carry
// it. Power = idle power + dynamic power; the dynamic part comes from real
// CPU use (a fraction 0..1 of `cpu_watts`) plus a fixed synthetic load, and
// is scaled by the DVFS cap.
//
// DVFS approximation: dynamic power ~ f·V². The cap r = scaling_max_freq /
// cpuinfo_max_freq sets the frequency; the voltage follows the RK3588 big
// cores' operating points, taken as linear from 0.675 V at the lowest
// frequency (408 of 2400 MHz, r = 0.17) to 1.0 V at the highest. The busy
// fraction is taken as that at the capped frequency (the work does not
// stretch, because it runs on the host, not on the card), and one cap is
// applied to all dynamic power (the agent caps CPU and NPU together).
#pragma once

#include <array>

#include "sim/thermal_model.h"

namespace nymph::sim {

inline constexpr int kRailCount = 2;
enum Rail { kVcore = 0, kVnpu = 1 };  // the MCU's PMBus rail numbers

struct PowerParams {
  ZoneArray idle_watts = {1.5, 0.0, 1.2, 0.8};  // VRM: only losses
  // How the dynamic power splits between zones (sums to 1 over soc, npu,
  // nvme); the VRM zone dissipates the rails' conversion losses.
  ZoneArray dynamic_share = {0.35, 0.0, 0.55, 0.10};
  double rail_loss_fraction = 0.10;  // loss / output power (η ≈ 91 %)
  double input_volts = 12.0;         // PCIe 12 V
  double vcore_max_volts = 1.0;      // SoC rail at the highest frequency
  double vnpu_max_volts = 0.85;      // NPU rail at the highest frequency
  double min_freq_ratio = 408.0 / 2400.0;
  double min_volts_ratio = 0.675;  // V(min freq) / V(max freq)
};

struct PowerInputs {
  double cpu_fraction = 0;  // measured CPU use, 0..1
  double cpu_watts = 20;    // dynamic power at cpu_fraction 1, full clock
  double load_watts = 0;    // synthetic dynamic power at full clock
  double dvfs_ratio = 1;    // scaling_max_freq / cpuinfo_max_freq
};

struct RailTruth {
  double volts_in = 0;
  double amps_in = 0;
  double watts_in = 0;
  double volts_out = 0;
  double amps_out = 0;
  double watts_out = 0;
};

struct PowerState {
  ZoneArray zone_watts{};
  std::array<RailTruth, kRailCount> rails{};
  double dvfs_factor = 1;  // dynamic power relative to full clock
  double total_watts = 0;
};

// Voltage relative to the top operating point at frequency ratio `ratio`.
double DvfsVoltageRatio(const PowerParams& params, double ratio);
// f·V² relative to the top operating point.
double DvfsPowerFactor(const PowerParams& params, double ratio);

PowerState ComputePower(const PowerParams& params, const PowerInputs& in);

}  // namespace nymph::sim
