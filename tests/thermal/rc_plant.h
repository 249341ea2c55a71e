// A card written for the tests, independent of the model under test: one
// thermal mass cooled by passive conduction and a fan whose speed lags
// its duty, a second, slower mass (the heat sink) between the hot zone and
// the air, a sensor that reads in 0.1 °C steps, and power that follows
// the work admitted. Time-stepped with small Euler steps; no wall clock.
#pragma once

namespace nymph::thermal::testing {

struct RcPlantParams {
  double ambient_c = 35;
  double die_heat_capacity = 40;    // J/K
  double sink_heat_capacity = 110;  // J/K
  double die_to_sink = 6;           // W/K
  double sink_passive = 0.625;      // W/K to air, fan stopped
  double sink_fan = 1.04;           // W/K more at full fan
  double fan_lag_s = 2;
  double idle_w = 6;
  double watts_per_token_s = 0.2;  // J per token
  double tokens_s_per_sequence = 40;
  double quantum_c = 0.1;  // sensor resolution
};

class RcPlant {
 public:
  explicit RcPlant(const RcPlantParams& p);

  // Advances `seconds` with the given fan duty and work.
  void Run(double seconds, double fan_duty, int sequences, double perf_cap,
           double work_fraction);

  double die_c() const { return die_c_; }
  // What the sensor reports: the die, quantized.
  double sensed_c() const;
  double power_w() const { return power_w_; }
  double tokens_per_s() const { return tokens_per_s_; }
  const RcPlantParams& params() const { return p_; }

 private:
  RcPlantParams p_;
  double die_c_, sink_c_, fan_ = 0, power_w_ = 0, tokens_per_s_ = 0;
};

}  // namespace nymph::thermal::testing
