// Lumped thermal RC network of the card: one node per zone (heat capacity),
// conductances between zones (PCB copper, the shared heat spreader) and from
// each zone to the ambient air, which is a fixed-temperature boundary. The
// conductance to ambient grows with airflow: natural convection plus a
// forced part proportional to (fan speed / full speed)^0.8, the exponent of
// turbulent forced convection (Nusselt number ~ Re^0.8).
#pragma once

#include <array>
#include <string_view>
#include <vector>

namespace nymph::sim {

inline constexpr int kZoneCount = 4;
enum Zone { kSoc = 0, kVrm = 1, kNpu = 2, kNvme = 3 };
inline constexpr std::array<std::string_view, kZoneCount> kZoneNames = {
    "soc", "vrm", "npu", "nvme"};

using ZoneArray = std::array<double, kZoneCount>;

struct Coupling {
  int a = 0;
  int b = 0;
  double watts_per_kelvin = 0;
};

struct ThermalParams {
  ZoneArray capacitance_j_per_k{};
  ZoneArray natural_w_per_k{};  // to ambient with the fan stopped
  ZoneArray forced_w_per_k{};   // added at full fan speed
  double forced_exponent = 0.8;
  std::vector<Coupling> couplings;
};

// The card's parameters; docs/boardsim.md explains the choice.
ThermalParams DefaultThermalParams();

// Conductance of `zone` to ambient at `speed_fraction` (fan RPM divided by
// full-speed RPM, 0..1).
double AmbientConductance(const ThermalParams& params, int zone,
                          double speed_fraction);

class ThermalModel {
 public:
  ThermalModel(ThermalParams params, double initial_celsius);

  // Advances by `dt_s` seconds (explicit Euler; dt must stay well below
  // the smallest C/G, about 30 s with the default parameters).
  void Step(double dt_s, const ZoneArray& watts, double ambient_celsius,
            double speed_fraction);

  const ZoneArray& celsius() const { return celsius_; }
  const ThermalParams& params() const { return params_; }

 private:
  ThermalParams params_;
  ZoneArray celsius_;
};

}  // namespace nymph::sim
