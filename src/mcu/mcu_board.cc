#include "mcu/mcu_board.h"

#include <cmath>
#include <cstdio>

#include "board/tach.h"
#include "mcu/serial_port.h"

namespace nymph::mcu {
namespace {

// Errors that say something about one sensor, not about the link.
bool IsSensorError(const Status& status) {
  return status.code() == "pmbus_nack" || status.code() == "mcu_bad_argument";
}

void AppendFault(std::string& fault, const std::string& what) {
  if (!fault.empty()) fault += "; ";
  fault += what;
}

std::string Hex16(uint16_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", value);
  return text;
}

}  // namespace

StatusOr<std::unique_ptr<McuBoard>> McuBoard::Open(const std::string& device,
                                                   McuBoardConfig config,
                                                   McuClientOptions options) {
  auto port = SerialPort::Open(device);
  if (!port.ok()) return port.status();
  auto client = McuClient::Connect(std::move(*port), options);
  if (!client.ok()) return client.status();
  return std::make_unique<McuBoard>(std::move(*client), std::move(config));
}

McuBoard::McuBoard(std::unique_ptr<McuClient> client, McuBoardConfig config)
    : client_(std::move(client)), config_(std::move(config)) {}

std::string McuBoard::Describe() const {
  McuIdentity id = client_->identity();
  return "mcu on " + client_->Describe() + " (protocol " +
         std::to_string(id.protocol_major) + "." +
         std::to_string(id.protocol_minor) + ", firmware " +
         std::to_string(id.firmware_major) + "." +
         std::to_string(id.firmware_minor) + ")";
}

StatusOr<board::BoardReadings> McuBoard::Read() {
  board::BoardReadings readings;
  readings.taken = board::Clock::now();
  auto beat = client_->Heartbeat();
  if (!beat.ok()) return beat.status();
  for (std::string_view flag : FaultFlagNames(beat->fault_flags)) {
    readings.faults.push_back("mcu: " + std::string(flag));
  }
  for (uint8_t ch = 0; ch < kNtcChannelNames.size(); ++ch) {
    auto zone = ReadZone(ch);
    if (!zone.ok()) return zone.status();
    readings.zones.push_back(std::move(*zone));
  }
  auto fan = ReadFan(beat->fault_flags);
  if (!fan.ok()) return fan.status();
  readings.fan = std::move(*fan);
  for (const McuRailConfig& rail : config_.rails) {
    auto reading = ReadRail(rail);
    if (!reading.ok()) return reading.status();
    readings.rails.push_back(std::move(*reading));
  }
  return readings;
}

StatusOr<board::TemperatureReading> McuBoard::ReadZone(uint8_t channel) {
  board::TemperatureReading reading;
  reading.zone = std::string(kNtcChannelNames[channel]);
  auto counts = client_->ReadNtc(channel);
  if (!counts.ok()) {
    if (!IsSensorError(counts.status())) return counts.status();
    reading.fault = counts.status().message();
    return reading;
  }
  auto celsius = board::NtcCelsiusFromAdc(*counts, config_.ntc);
  if (celsius.ok()) {
    reading.celsius = *celsius;
  } else {
    reading.fault = celsius.status().message();
  }
  return reading;
}

StatusOr<board::FanReading> McuBoard::ReadFan(uint16_t fault_flags) {
  auto fan = client_->GetFan();
  if (!fan.ok()) return fan.status();
  board::FanReading reading;
  // What the fan is driven at, which the MCU may hold above what was asked
  // (its watchdog's full speed).
  const double applied =
      static_cast<double>(fan->applied_duty) / kDutyFullScale;
  reading.duty = applied;
  auto rpm = board::RpmFromTachPeriod(fan->tach_period_us,
                                      config_.tach_pulses_per_revolution);
  if (fault_flags & kFaultFanStall) {
    char text[96];
    std::snprintf(text, sizeof text,
                  "stalled: MCU reports no tachometer pulses at duty %.2f",
                  applied);
    reading.fault = text;
  } else {
    // No pulses without the MCU's stall verdict is a fan at rest or just
    // starting (the tach reads 0 until the first pulse after power-on):
    // a speed of zero. Whether that lasts long enough to be a stall is
    // SensorCheck's call, so a spinning-up fan is not a fault.
    reading.rpm = rpm.value_or(0.0);
  }
  if (fault_flags & kFaultWatchdog) {
    AppendFault(reading.fault,
                "watchdog: MCU forced the fan to full after host silence");
  }
  return reading;
}

StatusOr<board::RailReading> McuBoard::ReadRail(const McuRailConfig& rail) {
  board::RailReading reading;
  reading.rail = rail.rail;
  // Reads one word; on a sensor error notes the fault and returns empty.
  auto word = [&](uint8_t code) -> StatusOr<std::optional<uint16_t>> {
    auto value = client_->PmbusReadWord(rail.index, code);
    if (value.ok()) return std::optional<uint16_t>(*value);
    if (!IsSensorError(value.status())) return value.status();
    AppendFault(reading.fault, value.status().message());
    return std::optional<uint16_t>();
  };
  auto checked = [&](std::optional<double>& field, const char* what,
                     double value, board::PlausibleRange range,
                     const char* unit) {
    Status status =
        board::CheckRailRange(rail.rail + " " + what, value, range, unit);
    if (status.ok()) {
      field = value;
    } else {
      AppendFault(reading.fault, status.message());
    }
  };
  struct Linear11Field {
    uint8_t code;
    std::optional<double>& field;
    const char* what;
    board::PlausibleRange range;
    const char* unit;
  };
  for (const Linear11Field& f :
       {Linear11Field{board::kReadVin, reading.volts_in, "input voltage",
                      rail.volts_in, "V"},
        Linear11Field{board::kReadIout, reading.amps_out, "output current",
                      rail.amps_out, "A"},
        Linear11Field{board::kReadPout, reading.watts_out, "output power",
                      rail.watts_out, "W"}}) {
    auto raw = word(f.code);
    if (!raw.ok()) return raw.status();
    if (*raw) {
      checked(f.field, f.what, board::DecodeLinear11(**raw), f.range, f.unit);
    }
  }
  auto mode = client_->PmbusReadByte(rail.index, board::kVoutMode);
  if (!mode.ok() && !IsSensorError(mode.status())) return mode.status();
  auto vout = word(board::kReadVout);
  if (!vout.ok()) return vout.status();
  if (!mode.ok()) {
    AppendFault(reading.fault, mode.status().message());
  } else if (*vout) {
    auto volts = board::DecodeVout(**vout, *mode);
    if (volts.ok()) {
      checked(reading.volts_out, "output voltage", *volts, rail.volts_out, "V");
    } else {
      AppendFault(reading.fault, volts.status().message());
    }
  }
  auto status = word(board::kStatusWord);
  if (!status.ok()) return status.status();
  if (*status && **status != 0) {
    AppendFault(reading.fault, rail.rail + " PMBus STATUS_WORD " +
                                   Hex16(**status) +
                                   " (see the "
                                   "controller's datasheet)");
  }
  return reading;
}

Status McuBoard::SetFanDuty(double duty) {
  if (!(duty >= 0.0 && duty <= 1.0)) {
    return Status(ErrorKind::kUnprocessable, "duty_out_of_range",
                  "fan duty must be between 0 and 1");
  }
  auto echoed = client_->SetFanDuty(
      static_cast<uint16_t>(std::lround(duty * kDutyFullScale)));
  if (!echoed.ok()) return echoed.status();
  return Status();
}

}  // namespace nymph::mcu
