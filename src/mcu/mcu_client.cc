#include "mcu/mcu_client.h"

#include <algorithm>
#include <string>

namespace nymph::mcu {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

std::string CommandName(Command command) {
  switch (command) {
    case Command::kHello:
      return "HELLO";
    case Command::kHeartbeat:
      return "HEARTBEAT";
    case Command::kGetStatus:
      return "GET_STATUS";
    case Command::kSetFanDuty:
      return "SET_FAN_DUTY";
    case Command::kGetFan:
      return "GET_FAN";
    case Command::kReadNtc:
      return "READ_NTC";
    case Command::kPmbusReadWord:
      return "PMBUS_READ_WORD";
    case Command::kPmbusReadByte:
      return "PMBUS_READ_BYTE";
    case Command::kSetLed:
      return "SET_LED";
  }
  return "command 0x" + std::to_string(static_cast<int>(command));
}

Status ErrorFromResponse(Command command, ResponseStatus status) {
  std::string what = "MCU refused " + CommandName(command) + ": " +
                     std::string(ResponseStatusName(status));
  switch (status) {
    case ResponseStatus::kPmbusNack:
      return Status(ErrorKind::kUnavailable, "pmbus_nack",
                    what + " (the rail's controller may be unpowered)");
    case ResponseStatus::kHelloRequired:
      return Status(ErrorKind::kUnavailable, "mcu_hello_required", what);
    case ResponseStatus::kBadArgument:
      return Status(ErrorKind::kUnprocessable, "mcu_bad_argument", what);
    case ResponseStatus::kVersionMismatch:
      return Status(ErrorKind::kUnavailable, "mcu_version_mismatch",
                    what + " (update the agent or the MCU firmware)");
    default:
      return Status(ErrorKind::kInternal, "mcu_protocol_error", what);
  }
}

Status ProtocolError(Command command, const std::string& what) {
  return Status(ErrorKind::kInternal, "mcu_protocol_error",
                "MCU answered " + CommandName(command) + " with " + what);
}

}  // namespace

StatusOr<std::unique_ptr<McuClient>> McuClient::Connect(
    std::unique_ptr<ByteStream> stream, McuClientOptions options) {
  std::unique_ptr<McuClient> client(new McuClient(std::move(stream), options));
  auto identity = client->Hello();
  if (!identity.ok()) return identity.status();
  return client;
}

McuIdentity McuClient::identity() const {
  std::lock_guard lock(mutex_);
  return identity_;
}

McuLinkStats McuClient::stats() const {
  std::lock_guard lock(mutex_);
  McuLinkStats stats = stats_;
  stats.decoder = decoder_.stats();
  return stats;
}

StatusOr<McuIdentity> McuClient::Hello() {
  std::lock_guard lock(mutex_);
  return HelloLocked();
}

StatusOr<McuIdentity> McuClient::HelloLocked() {
  ++stats_.handshakes;
  auto body =
      TransactLocked(Command::kHello, {kProtocolMajor, kProtocolMinor}, 6);
  if (!body.ok()) return body.status();
  McuIdentity identity{(*body)[0], (*body)[1], (*body)[2],
                       (*body)[3], (*body)[4], (*body)[5]};
  if (identity.protocol_major != kProtocolMajor) {
    return Status(ErrorKind::kUnavailable, "mcu_version_mismatch",
                  "MCU on " + stream_->Describe() + " speaks protocol " +
                      std::to_string(identity.protocol_major) + "." +
                      std::to_string(identity.protocol_minor) + ", the agent " +
                      std::to_string(kProtocolMajor) + "." +
                      std::to_string(kProtocolMinor) +
                      " (update the agent or the MCU firmware)");
  }
  identity_ = identity;
  return identity;
}

StatusOr<std::vector<uint8_t>> McuClient::Transact(Command command,
                                                   std::vector<uint8_t> payload,
                                                   size_t min_size) {
  std::lock_guard lock(mutex_);
  auto body = TransactLocked(command, payload, min_size);
  if (body.ok() || body.status().code() != "mcu_hello_required") return body;
  // The MCU restarted since our handshake: shake hands again, then retry.
  auto identity = HelloLocked();
  if (!identity.ok()) return identity.status();
  return TransactLocked(command, payload, min_size);
}

StatusOr<std::vector<uint8_t>> McuClient::TransactLocked(
    Command command, const std::vector<uint8_t>& payload, size_t min_size) {
  ++stats_.requests;
  Frame request{next_seq_++, static_cast<uint8_t>(command), payload};
  auto response = ExchangeLocked(request);
  if (!response.ok()) return response.status();
  if (response->payload.empty()) {
    return ProtocolError(command, "an empty payload (no status byte)");
  }
  auto status = static_cast<ResponseStatus>(response->payload[0]);
  if (status != ResponseStatus::kOk) {
    return ErrorFromResponse(command, status);
  }
  std::vector<uint8_t> body(response->payload.begin() + 1,
                            response->payload.end());
  if (body.size() < min_size) {
    return ProtocolError(command, std::to_string(body.size()) +
                                      " payload bytes, expected " +
                                      std::to_string(min_size));
  }
  return body;
}

StatusOr<Frame> McuClient::ExchangeLocked(const Frame& request) {
  // Whatever is buffered belongs to earlier requests.
  stats_.stale_frames += decoder_.Flush().size();
  std::vector<uint8_t> bytes = EncodeFrame(request);
  int attempts = 1 + std::max(0, options_.retries);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) ++stats_.retries;
    // A retry keeps the SEQ: a late answer to an earlier attempt is as
    // good as the answer to this one (every command is idempotent).
    Status written = stream_->Write(bytes);
    if (!written.ok()) return written;
    auto response = AwaitResponseLocked(request, options_.response_timeout);
    if (response.ok() || response.status().code() != "mcu_timeout") {
      return response;
    }
  }
  ++stats_.failed_requests;
  return Status(
      ErrorKind::kUnavailable, "mcu_timeout",
      "MCU on " + stream_->Describe() + " did not answer " +
          CommandName(static_cast<Command>(request.command)) + " in " +
          std::to_string(attempts) + " attempts of " +
          std::to_string(options_.response_timeout.count()) +
          " ms; check that the card (or nymph-boardsim) is running and "
          "the device path is right");
}

StatusOr<Frame> McuClient::AwaitResponseLocked(const Frame& request,
                                               milliseconds timeout) {
  const uint8_t expected_command = request.command | kResponseBit;
  auto deadline = SteadyClock::now() + timeout;
  while (true) {
    auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now());
    if (left <= milliseconds(0)) break;
    auto bytes = stream_->Read(std::min(left, options_.inter_byte_gap));
    if (!bytes.ok()) return bytes.status();
    std::vector<Frame> frames = bytes->empty() && decoder_.pending()
                                    ? decoder_.Flush()
                                    : decoder_.Feed(*bytes);
    for (Frame& frame : frames) {
      if (frame.seq == request.seq && frame.command == expected_command) {
        return std::move(frame);
      }
      ++stats_.stale_frames;
    }
  }
  return Status(ErrorKind::kUnavailable, "mcu_timeout", "no answer");
}

StatusOr<McuHeartbeat> McuClient::Heartbeat() {
  auto body = Transact(Command::kHeartbeat, {}, 6);
  if (!body.ok()) return body.status();
  return McuHeartbeat{GetU16(*body, 0), GetU32(*body, 2)};
}

StatusOr<McuStatus> McuClient::GetStatus() {
  auto body = Transact(Command::kGetStatus, {}, 14);
  if (!body.ok()) return body.status();
  McuStatus status;
  status.fault_flags = GetU16(*body, 0);
  status.uptime_ms = GetU32(*body, 2);
  status.watchdog_timeout_ms = GetU16(*body, 6);
  status.frames_ok = GetU16(*body, 8);
  status.frames_rejected = GetU16(*body, 10);
  status.watchdog_trips = GetU16(*body, 12);
  return status;
}

StatusOr<uint16_t> McuClient::SetFanDuty(uint16_t duty) {
  std::vector<uint8_t> payload;
  PutU16(payload, duty);
  auto body = Transact(Command::kSetFanDuty, std::move(payload), 2);
  if (!body.ok()) return body.status();
  return GetU16(*body, 0);
}

StatusOr<McuFan> McuClient::GetFan() {
  auto body = Transact(Command::kGetFan, {}, 6);
  if (!body.ok()) return body.status();
  return McuFan{GetU16(*body, 0), GetU16(*body, 2), GetU16(*body, 4)};
}

StatusOr<uint16_t> McuClient::ReadNtc(uint8_t channel) {
  auto body = Transact(Command::kReadNtc, {channel}, 3);
  if (!body.ok()) return body.status();
  if ((*body)[0] != channel) {
    return ProtocolError(Command::kReadNtc, "another channel's reading");
  }
  return GetU16(*body, 1);
}

StatusOr<uint16_t> McuClient::PmbusReadWord(uint8_t rail, uint8_t code) {
  auto body = Transact(Command::kPmbusReadWord, {rail, code}, 4);
  if (!body.ok()) return body.status();
  if ((*body)[0] != rail || (*body)[1] != code) {
    return ProtocolError(Command::kPmbusReadWord, "another register");
  }
  return GetU16(*body, 2);
}

StatusOr<uint8_t> McuClient::PmbusReadByte(uint8_t rail, uint8_t code) {
  auto body = Transact(Command::kPmbusReadByte, {rail, code}, 3);
  if (!body.ok()) return body.status();
  if ((*body)[0] != rail || (*body)[1] != code) {
    return ProtocolError(Command::kPmbusReadByte, "another register");
  }
  return (*body)[2];
}

Status McuClient::SetLed(LedMode mode) {
  auto body = Transact(Command::kSetLed, {static_cast<uint8_t>(mode)}, 1);
  if (!body.ok()) return body.status();
  if ((*body)[0] != static_cast<uint8_t>(mode)) {
    return ProtocolError(Command::kSetLed, "another LED mode");
  }
  return Status();
}

}  // namespace nymph::mcu
