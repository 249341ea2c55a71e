#include "sim/firmware.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nymph::sim {
namespace {

using mcu::Command;
using mcu::ResponseStatus;

// ADC codes beyond which a channel is an open or shorted thermistor rather
// than a temperature: about −40 °C and +200 °C with the 100 kΩ divider.
constexpr uint16_t kAdcShortBelow = 16;
constexpr uint16_t kAdcOpenAbove = 4080;
// The fan controller's own stall rule: driven, yet no pulse for this long.
constexpr double kStallAfterSimS = 1.0;
// PMBus STATUS_WORD bit TEMPERATURE and the VRM's warning limit.
constexpr uint16_t kStatusTemperature = 1 << 2;
constexpr double kVrmOverTempWarnC = 105;

std::vector<uint8_t> Reply(ResponseStatus status) {
  return {static_cast<uint8_t>(status)};
}

uint16_t ToU16(double value) {
  return static_cast<uint16_t>(std::clamp(std::round(value), 0.0, 65535.0));
}

}  // namespace

Firmware::Firmware(Card& card, const Faults& faults, FirmwareOptions options,
                   double now_s)
    : card_(card),
      faults_(faults),
      options_(options),
      boot_s_(now_s),
      last_host_s_(now_s),
      commanded_duty_(options.initial_duty) {
  card_.set_fan_duty(applied_duty());
}

void Firmware::Reboot(double now_s) {
  spdlog::warn("mcu: reboot; the host must shake hands again");
  boot_s_ = now_s;
  last_host_s_ = now_s;
  hello_done_ = false;
  commanded_duty_ = options_.initial_duty;
  watchdog_tripped_ = false;
  watchdog_trips_ = 0;
  ever_pulsed_ = false;
  frames_ok_ = frames_rejected_ = rejected_at_last_status_ = 0;
  led_ = mcu::LedMode::kBlinkSlow;
  card_.set_fan_duty(applied_duty());
}

void Firmware::Tick(double now_s) {
  if (options_.watchdog_s > 0 && !watchdog_tripped_ &&
      now_s - last_host_s_ >= options_.watchdog_s) {
    watchdog_tripped_ = true;
    ++watchdog_trips_;
    spdlog::warn("watchdog: host silent for {:.1f} s; fan forced to full",
                 now_s - last_host_s_);
  }
  card_.set_fan_duty(applied_duty());
  card_.set_rotor_locked(faults_.fan_locked);

  uint16_t period = TachPeriodMicros(card_.fan().rpm());
  bool pulses = period != mcu::kTachOverflow;
  ever_pulsed_ = ever_pulsed_ || pulses;
  bool driven = applied_duty() >= card_.params().fan.stop_duty;
  double t = card_.sim_time_s();
  if (driven && !pulses) {
    if (no_pulse_since_sim_s_ < 0) no_pulse_since_sim_s_ = t;
    if (!fan_stalled_ && t - no_pulse_since_sim_s_ >= kStallAfterSimS) {
      fan_stalled_ = true;
      spdlog::warn("fan: stalled at duty {:.2f} (no tachometer pulses)",
                   applied_duty());
    }
  } else {
    no_pulse_since_sim_s_ = -1;
    if (fan_stalled_) {
      fan_stalled_ = false;
      spdlog::info("fan: turning again ({:.0f} RPM)", card_.fan().rpm());
    }
  }
}

uint16_t Firmware::fault_flags() const {
  uint16_t flags = 0;
  if (watchdog_tripped_) flags |= mcu::kFaultWatchdog;
  if (fan_stalled_) flags |= mcu::kFaultFanStall;
  for (uint8_t ch = 0; ch < mcu::kNtcChannelNames.size(); ++ch) {
    uint16_t counts = NtcCounts(ch);
    if (counts < kAdcShortBelow || counts > kAdcOpenAbove) {
      flags |= mcu::kFaultNtcRange;
    }
  }
  for (uint8_t rail = 0; rail < kRailCount; ++rail) {
    if (PmbusStatusWord(rail) != 0) flags |= mcu::kFaultPmbus;
  }
  if (frames_rejected_ > rejected_at_last_status_) {
    flags |= mcu::kFaultRxCorrupted;
  }
  return flags;
}

uint16_t Firmware::NtcCounts(uint8_t channel) const {
  const NtcFaultState& fault = faults_.ntc[channel];
  const NtcFrontEnd& fe = card_.params().ntc;
  switch (fault.kind) {
    case NtcFault::kOpen:
      return AdcCountsForOhms(fe, std::numeric_limits<double>::infinity());
    case NtcFault::kShort:
      return AdcCountsForOhms(fe, 0.0);
    case NtcFault::kStuck:
      return fault.stuck_counts;
    case NtcFault::kNone:
      break;
  }
  double celsius = channel < kZoneCount ? card_.zone_celsius()[channel]
                                        : card_.ambient_celsius();
  return sim::NtcCounts(fe, celsius);
}

uint16_t Firmware::TachPeriod() const {
  if (!ever_pulsed_) return mcu::kTachNoPulseSinceReset;
  return TachPeriodMicros(card_.fan().rpm());
}

uint16_t Firmware::PmbusStatusWord(uint8_t) const {
  // Both rails' controllers sit in the VRM zone.
  return card_.zone_celsius()[kVrm] >= kVrmOverTempWarnC ? kStatusTemperature
                                                         : 0;
}

std::optional<uint16_t> Firmware::PmbusRead(uint8_t rail, uint8_t code) const {
  namespace pm = mcu::pmbus;
  const RailTruth r = card_.power().rails[rail];
  switch (code) {
    case pm::kVoutMode:
      return rail == kVcore ? VoutModeLinear16(options_.vcore_vout_exponent)
                            : VoutModeVid(options_.vnpu_vid_table);
    case pm::kStatusByte:
      return PmbusStatusWord(rail) & 0xFF;
    case pm::kStatusWord:
      return PmbusStatusWord(rail);
    case pm::kReadVin:
      return EncodeLinear11(r.volts_in);
    case pm::kReadIin:
      return EncodeLinear11(r.amps_in);
    case pm::kReadPin:
      return EncodeLinear11(r.watts_in);
    case pm::kReadVout:
      return rail == kVcore
                 ? EncodeLinear16(r.volts_out, options_.vcore_vout_exponent)
                 : EncodeVid(options_.vnpu_vid_table, r.volts_out);
    case pm::kReadIout:
      return EncodeLinear11(r.amps_out);
    case pm::kReadPout:
      return EncodeLinear11(r.watts_out);
    case pm::kReadTemperature1:
      return EncodeLinear11(card_.zone_celsius()[kVrm]);
    default:
      return std::nullopt;
  }
}

std::optional<mcu::Frame> Firmware::Handle(const mcu::Frame& request,
                                           double now_s) {
  ++frames_ok_;
  if (watchdog_tripped_) {
    watchdog_tripped_ = false;
    spdlog::info("watchdog: host back after {:.1f} s; fan duty {:.2f} restored",
                 now_s - last_host_s_, commanded_duty_);
  }
  last_host_s_ = now_s;
  card_.set_fan_duty(applied_duty());
  std::vector<uint8_t> payload = Execute(request, now_s);
  return mcu::Frame{request.seq,
                    static_cast<uint8_t>(request.command | mcu::kResponseBit),
                    std::move(payload)};
}

std::vector<uint8_t> Firmware::Execute(const mcu::Frame& request,
                                       double now_s) {
  const std::vector<uint8_t>& in = request.payload;
  auto command = static_cast<Command>(request.command);
  auto has_length = [&](size_t n) { return in.size() == n; };
  std::vector<uint8_t> out = Reply(ResponseStatus::kOk);
  auto uptime_ms = static_cast<uint32_t>((now_s - boot_s_) * 1000);

  if (command == Command::kHello) {
    if (!has_length(2)) return Reply(ResponseStatus::kBadLength);
    bool compatible = in[0] == options_.protocol_major;
    out[0] = static_cast<uint8_t>(
        compatible ? ResponseStatus::kOk : ResponseStatus::kVersionMismatch);
    out.insert(out.end(), {options_.protocol_major, options_.protocol_minor,
                           options_.firmware_major, options_.firmware_minor,
                           static_cast<uint8_t>(mcu::kNtcChannelNames.size()),
                           static_cast<uint8_t>(kRailCount)});
    if (compatible && !hello_done_) {
      spdlog::info("mcu: handshake with host protocol {}.{}", in[0], in[1]);
    } else if (!compatible) {
      spdlog::warn("mcu: host speaks protocol {}.{}, we {}.{}; refused", in[0],
                   in[1], options_.protocol_major, options_.protocol_minor);
    }
    hello_done_ = compatible;
    return out;
  }
  if (!hello_done_) return Reply(ResponseStatus::kHelloRequired);

  switch (command) {
    case Command::kHeartbeat:
      if (!has_length(0)) return Reply(ResponseStatus::kBadLength);
      mcu::PutU16(out, fault_flags());
      mcu::PutU32(out, uptime_ms);
      break;
    case Command::kGetStatus:
      if (!has_length(0)) return Reply(ResponseStatus::kBadLength);
      mcu::PutU16(out, fault_flags());
      mcu::PutU32(out, uptime_ms);
      mcu::PutU16(out, ToU16(options_.watchdog_s * 1000));
      mcu::PutU16(out, static_cast<uint16_t>(frames_ok_));
      mcu::PutU16(out, static_cast<uint16_t>(frames_rejected_));
      mcu::PutU16(out, watchdog_trips_);
      rejected_at_last_status_ = frames_rejected_;
      break;
    case Command::kSetFanDuty: {
      if (!has_length(2)) return Reply(ResponseStatus::kBadLength);
      uint16_t duty = mcu::GetU16(in, 0);
      if (duty > mcu::kDutyFullScale) {
        return Reply(ResponseStatus::kBadArgument);
      }
      commanded_duty_ = static_cast<double>(duty) / mcu::kDutyFullScale;
      card_.set_fan_duty(applied_duty());
      mcu::PutU16(out, duty);
      break;
    }
    case Command::kGetFan:
      if (!has_length(0)) return Reply(ResponseStatus::kBadLength);
      mcu::PutU16(out, ToU16(commanded_duty_ * mcu::kDutyFullScale));
      mcu::PutU16(out, ToU16(applied_duty() * mcu::kDutyFullScale));
      mcu::PutU16(out, TachPeriod());
      break;
    case Command::kReadNtc:
      if (!has_length(1)) return Reply(ResponseStatus::kBadLength);
      if (in[0] >= mcu::kNtcChannelNames.size()) {
        return Reply(ResponseStatus::kBadArgument);
      }
      out.push_back(in[0]);
      mcu::PutU16(out, NtcCounts(in[0]));
      break;
    case Command::kPmbusReadWord:
    case Command::kPmbusReadByte: {
      if (!has_length(2)) return Reply(ResponseStatus::kBadLength);
      if (in[0] >= kRailCount) return Reply(ResponseStatus::kBadArgument);
      bool byte_command =
          in[1] == mcu::pmbus::kVoutMode || in[1] == mcu::pmbus::kStatusByte;
      auto value = PmbusRead(in[0], in[1]);
      if (!value || byte_command != (command == Command::kPmbusReadByte)) {
        return Reply(ResponseStatus::kPmbusNack);
      }
      out.insert(out.end(), {in[0], in[1]});
      if (byte_command) {
        out.push_back(static_cast<uint8_t>(*value));
      } else {
        mcu::PutU16(out, *value);
      }
      break;
    }
    case Command::kSetLed:
      if (!has_length(1)) return Reply(ResponseStatus::kBadLength);
      if (in[0] > static_cast<uint8_t>(mcu::LedMode::kBlinkFast)) {
        return Reply(ResponseStatus::kBadArgument);
      }
      led_ = static_cast<mcu::LedMode>(in[0]);
      out.push_back(in[0]);
      break;
    default:
      return Reply(ResponseStatus::kUnknownCommand);
  }
  return out;
}

}  // namespace nymph::sim
