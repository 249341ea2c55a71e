// The card's sensors and actuators as the controller sees them, whatever
// carries them: the MCU over a serial line (the card, or nymph-boardsim on a
// pseudo-terminal), Linux hwmon, or nothing. Readings are decoded values in
// SI units; a sensor that cannot be trusted carries a fault string instead of
// a value, so the controller never acts on an open thermistor as if it were
// a temperature.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace nymph::board {

using Clock = std::chrono::steady_clock;

struct TemperatureReading {
  std::string zone;               // "soc", "vrm", "npu", "nvme", "ambient"
  std::optional<double> celsius;  // empty when `fault` is set
  std::string fault;              // empty when the reading is good
};

struct RailReading {
  std::string rail;  // e.g. "vcore"
  std::optional<double> volts_in;
  std::optional<double> volts_out;
  std::optional<double> amps_out;
  std::optional<double> watts_out;
  std::string fault;  // decoded value out of range, PMBus status bits, ...
};

struct FanReading {
  std::optional<double> duty;  // 0..1 as the fan controller drives it now
  std::optional<double> rpm;   // empty when `fault` is set
  std::string fault;           // "stalled", "tach invalid", ...
};

struct BoardReadings {
  Clock::time_point taken;
  std::vector<TemperatureReading> zones;  // the ambient sensor included
  FanReading fan;
  std::vector<RailReading> rails;
  std::vector<std::string> faults;  // board-level: MCU fault flags, watchdog
};

class Board {
 public:
  virtual ~Board() = default;
  // One line for logs and /thermal/status: backend and device.
  virtual std::string Describe() const = 0;
  // A fresh set of readings. An error means the board could not be reached
  // at all (link down, MCU silent); per-sensor problems are faults inside.
  virtual StatusOr<BoardReadings> Read() = 0;
  // Fan duty 0..1. Backends without a fan controller return an error.
  virtual Status SetFanDuty(double duty) = 0;
};

}  // namespace nymph::board
