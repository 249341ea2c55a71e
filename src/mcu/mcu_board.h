// The card's Board over the MCU link: zone temperatures from the NTC
// channels, the fan from its duty and tachometer, rails over PMBus, and
// the MCU's fault flags, all decoded by src/board's converters.
//
// Read() fails only when the MCU cannot be reached (time-out, link error,
// protocol or version mismatch); an open thermistor, an implausible rail
// value or a stalled fan are faults inside the readings.
//
// Thread safety: as McuClient, every method may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "board/board.h"
#include "board/ntc.h"
#include "board/pmbus.h"
#include "mcu/mcu_client.h"

namespace nymph::mcu {

// Plausible ranges of a rail; a decoded value outside is a fault.
struct McuRailConfig {
  std::string rail;   // name for readings, e.g. "vcore"
  uint8_t index = 0;  // the MCU's PMBus rail number
  board::PlausibleRange volts_in{10.8, 13.2};  // 12 V ± 10 %
  board::PlausibleRange volts_out{0.3, 1.3};
  board::PlausibleRange amps_out{0.0, 80.0};
  board::PlausibleRange watts_out{0.0, 80.0};
};

struct McuBoardConfig {
  board::NtcDivider ntc;
  std::vector<McuRailConfig> rails = {{"vcore", 0}, {"vnpu", 1}};
  int tach_pulses_per_revolution = 2;
};

class McuBoard final : public board::Board {
 public:
  // Opens the serial device and shakes hands with the MCU.
  static StatusOr<std::unique_ptr<McuBoard>> Open(
      const std::string& device, McuBoardConfig config = {},
      McuClientOptions options = {});
  McuBoard(std::unique_ptr<McuClient> client, McuBoardConfig config);

  std::string Describe() const override;
  StatusOr<board::BoardReadings> Read() override;
  // Errors: "duty_out_of_range" outside 0..1; link errors as Read().
  Status SetFanDuty(double duty) override;

  McuClient& client() { return *client_; }

 private:
  StatusOr<board::TemperatureReading> ReadZone(uint8_t channel);
  StatusOr<board::FanReading> ReadFan(uint16_t fault_flags);
  StatusOr<board::RailReading> ReadRail(const McuRailConfig& rail);

  const std::unique_ptr<McuClient> client_;
  const McuBoardConfig config_;
};

}  // namespace nymph::mcu
