#include "mcu/protocol.h"

namespace nymph::mcu {

std::string_view ResponseStatusName(ResponseStatus status) {
  switch (status) {
    case ResponseStatus::kOk:
      return "ok";
    case ResponseStatus::kUnknownCommand:
      return "unknown command";
    case ResponseStatus::kBadLength:
      return "bad payload length";
    case ResponseStatus::kBadArgument:
      return "bad argument";
    case ResponseStatus::kHelloRequired:
      return "hello required";
    case ResponseStatus::kVersionMismatch:
      return "protocol version mismatch";
    case ResponseStatus::kPmbusNack:
      return "PMBus device did not acknowledge";
  }
  return "unknown status";
}

std::vector<std::string_view> FaultFlagNames(uint16_t flags) {
  static constexpr std::pair<uint16_t, std::string_view> kNames[] = {
      {kFaultWatchdog, "watchdog"},        {kFaultFanStall, "fan_stall"},
      {kFaultNtcRange, "ntc_range"},       {kFaultPmbus, "pmbus"},
      {kFaultRxCorrupted, "rx_corrupted"},
  };
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) names.push_back(name);
  }
  if (flags & ~uint16_t{0x1F}) names.push_back("unknown");
  return names;
}

std::optional<uint8_t> NtcChannelByName(std::string_view name) {
  for (size_t i = 0; i < kNtcChannelNames.size(); ++i) {
    if (kNtcChannelNames[i] == name) return static_cast<uint8_t>(i);
  }
  return std::nullopt;
}

void PutU16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value & 0xFF));
  out.push_back(static_cast<uint8_t>(value >> 8));
}

void PutU32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<uint8_t>(value >> shift));
  }
}

uint16_t GetU16(std::span<const uint8_t> bytes, size_t offset) {
  return static_cast<uint16_t>(bytes[offset] | bytes[offset + 1] << 8);
}

uint32_t GetU32(std::span<const uint8_t> bytes, size_t offset) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | bytes[offset + i];
  return value;
}

}  // namespace nymph::mcu
