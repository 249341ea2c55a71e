// The MCU link's commands, status codes and payload byte order: the wire
// contract shared by the host (McuClient) and the MCU (the card's firmware,
// or nymph-boardsim). docs/mcu-protocol.md describes each command's payload.
// Multi-byte payload fields are little-endian.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace nymph::mcu {

// A host and an MCU with different major versions must not talk; a higher
// minor version only adds commands.
inline constexpr uint8_t kProtocolMajor = 1;
inline constexpr uint8_t kProtocolMinor = 0;

// Request command codes. A response carries the request's code with
// kResponseBit set and the request's SEQ.
enum class Command : uint8_t {
  kHello = 0x01,
  kHeartbeat = 0x02,
  kGetStatus = 0x03,
  kSetFanDuty = 0x10,
  kGetFan = 0x11,
  kReadNtc = 0x20,
  kPmbusReadWord = 0x30,
  kPmbusReadByte = 0x31,
  kSetLed = 0x40,
};
inline constexpr uint8_t kResponseBit = 0x80;

// First payload byte of every response.
enum class ResponseStatus : uint8_t {
  kOk = 0,
  kUnknownCommand = 1,
  kBadLength = 2,
  kBadArgument = 3,
  kHelloRequired = 4,  // the MCU (re)started and has not seen a HELLO
  kVersionMismatch = 5,
  kPmbusNack = 6,  // the PMBus device did not answer or lacks the command
};
std::string_view ResponseStatusName(ResponseStatus status);

// Bits of the MCU's fault word (HEARTBEAT and GET_STATUS).
enum FaultFlag : uint16_t {
  kFaultWatchdog = 1 << 0,     // host silent too long: fan forced to full
  kFaultFanStall = 1 << 1,     // duty above the minimum, no tach pulses
  kFaultNtcRange = 1 << 2,     // an NTC channel at an ADC rail (open/short)
  kFaultPmbus = 1 << 3,        // a PMBus rail reports a non-zero STATUS_WORD
  kFaultRxCorrupted = 1 << 4,  // rejected frames since the last GET_STATUS
};
// "watchdog,fan_stall" etc.; empty for 0.
std::vector<std::string_view> FaultFlagNames(uint16_t flags);

// Fan duty on the wire: 0..kDutyFullScale (0.01 % steps).
inline constexpr uint16_t kDutyFullScale = 10000;

// Tachometer pulse period (µs, 2 pulses per revolution). These two values
// mean no pulse was seen: none since reset, or the 16-bit timer overflowed
// (slower than about 458 RPM).
inline constexpr uint16_t kTachNoPulseSinceReset = 0;
inline constexpr uint16_t kTachOverflow = 0xFFFF;

// NTC channels of READ_NTC, in channel-number order.
inline constexpr std::array<std::string_view, 5> kNtcChannelNames = {
    "soc", "vrm", "npu", "nvme", "ambient"};
inline constexpr uint16_t kAdcMaxCount = 4095;  // 12-bit ADC
std::optional<uint8_t> NtcChannelByName(std::string_view name);

// PMBus rails bridged by the MCU (the RAIL byte of the PMBus commands).
inline constexpr std::array<std::string_view, 2> kRailNames = {"vcore", "vnpu"};

enum class LedMode : uint8_t {
  kOff = 0,
  kOn = 1,
  kBlinkSlow = 2,
  kBlinkFast = 3
};

// Standard PMBus command codes used on the rails.
namespace pmbus {
inline constexpr uint8_t kVoutMode = 0x20;
inline constexpr uint8_t kStatusByte = 0x78;
inline constexpr uint8_t kStatusWord = 0x79;
inline constexpr uint8_t kReadVin = 0x88;
inline constexpr uint8_t kReadIin = 0x89;
inline constexpr uint8_t kReadVout = 0x8B;
inline constexpr uint8_t kReadIout = 0x8C;
inline constexpr uint8_t kReadTemperature1 = 0x8D;
inline constexpr uint8_t kReadPout = 0x96;
inline constexpr uint8_t kReadPin = 0x97;
}  // namespace pmbus

// Little-endian payload fields.
void PutU16(std::vector<uint8_t>& out, uint16_t value);
void PutU32(std::vector<uint8_t>& out, uint32_t value);
// REQUIRES: bytes.size() >= offset + 2 (or + 4).
uint16_t GetU16(std::span<const uint8_t> bytes, size_t offset);
uint32_t GetU32(std::span<const uint8_t> bytes, size_t offset);

}  // namespace nymph::mcu
