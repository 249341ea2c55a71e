// The host side of the MCU link: typed requests over a ByteStream, with
// sequence numbers, time-outs, retries and the version handshake
// (docs/mcu-protocol.md). Values come back RAW as the MCU measured them
// (ADC counts, PMBus words, tach periods); src/board decodes them.
//
// Thread safety: every method may be called from any thread; a mutex keeps
// one request on the wire at a time.
//
// The MCU's watchdog forces the fan to full when the host is silent for a
// few seconds (GetStatus() says how long): call any request, Heartbeat()
// being the cheapest, at least twice as often.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "mcu/byte_stream.h"
#include "mcu/frame.h"
#include "mcu/protocol.h"

namespace nymph::mcu {

struct McuClientOptions {
  // How long one attempt waits for its answer. A frame takes 6 ms at
  // 115200 baud each way; the rest is slack for a busy MCU or host.
  std::chrono::milliseconds response_timeout{100};
  int retries = 2;  // attempts after the first, on a time-out only
  // Silence in the middle of a frame longer than this ends it: the sender
  // writes frames in one go (87 µs per byte).
  std::chrono::milliseconds inter_byte_gap{20};
};

struct McuIdentity {
  uint8_t protocol_major = 0;
  uint8_t protocol_minor = 0;
  uint8_t firmware_major = 0;
  uint8_t firmware_minor = 0;
  uint8_t ntc_channels = 0;
  uint8_t rails = 0;
};

struct McuHeartbeat {
  uint16_t fault_flags = 0;  // FaultFlag bits
  uint32_t uptime_ms = 0;
};

struct McuStatus {
  uint16_t fault_flags = 0;
  uint32_t uptime_ms = 0;
  uint16_t watchdog_timeout_ms = 0;  // 0: watchdog disabled
  uint16_t frames_ok = 0;            // wrap around
  uint16_t frames_rejected = 0;
  uint16_t watchdog_trips = 0;
};

struct McuFan {
  uint16_t commanded_duty = 0;  // 0..kDutyFullScale, as the host set it
  uint16_t applied_duty = 0;    // what drives the fan (watchdog: full)
  uint16_t tach_period_us = 0;  // see kTachNoPulseSinceReset/kTachOverflow
};

struct McuLinkStats {
  uint64_t requests = 0;
  uint64_t retries = 0;          // attempts repeated after a time-out
  uint64_t failed_requests = 0;  // no answer after every attempt
  uint64_t stale_frames = 0;     // answers to earlier requests, dropped
  uint64_t handshakes = 0;
  FrameDecoder::Stats decoder;
};

class McuClient {
 public:
  // Takes the stream and shakes hands; fails if the MCU does not answer
  // or speaks another major protocol version.
  static StatusOr<std::unique_ptr<McuClient>> Connect(
      std::unique_ptr<ByteStream> stream, McuClientOptions options = {});

  std::string Describe() const { return stream_->Describe(); }
  // The identity learnt by the last handshake.
  McuIdentity identity() const;

  StatusOr<McuIdentity> Hello();
  StatusOr<McuHeartbeat> Heartbeat();
  StatusOr<McuStatus> GetStatus();
  // `duty` in 0..kDutyFullScale; returns the duty the MCU took.
  StatusOr<uint16_t> SetFanDuty(uint16_t duty);
  StatusOr<McuFan> GetFan();
  // 12-bit ADC counts of NTC channel `channel` (see kNtcChannelNames).
  StatusOr<uint16_t> ReadNtc(uint8_t channel);
  // A PMBus word or byte command (protocol.h `pmbus::`) on rail `rail`.
  StatusOr<uint16_t> PmbusReadWord(uint8_t rail, uint8_t code);
  StatusOr<uint8_t> PmbusReadByte(uint8_t rail, uint8_t code);
  Status SetLed(LedMode mode);

  McuLinkStats stats() const;

 private:
  McuClient(std::unique_ptr<ByteStream> stream, McuClientOptions options)
      : stream_(std::move(stream)), options_(options) {}

  // Sends a request and returns the response payload after the status
  // byte, at least `min_size` bytes of it. Re-shakes hands once when the
  // MCU says it restarted.
  StatusOr<std::vector<uint8_t>> Transact(Command command,
                                          std::vector<uint8_t> payload,
                                          size_t min_size);
  // REQUIRES: mutex_ held.
  StatusOr<std::vector<uint8_t>> TransactLocked(
      Command command, const std::vector<uint8_t>& payload, size_t min_size);
  StatusOr<Frame> ExchangeLocked(const Frame& request);
  StatusOr<Frame> AwaitResponseLocked(const Frame& request,
                                      std::chrono::milliseconds timeout);
  StatusOr<McuIdentity> HelloLocked();

  const std::unique_ptr<ByteStream> stream_;
  const McuClientOptions options_;
  mutable std::mutex mutex_;  // guards everything below and the wire
  FrameDecoder decoder_;
  uint8_t next_seq_ = 0;
  McuIdentity identity_;
  McuLinkStats stats_;
};

}  // namespace nymph::mcu
