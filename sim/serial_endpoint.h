// The MCU's UART as the simulator runs it on the pseudo-terminal master:
// bytes in, frames decoded, the firmware's answers out, with the injected
// link faults applied on the way out (silence, dropped requests, corrupted
// answers, line noise).
#pragma once

#include <random>

#include "mcu/frame.h"
#include "sim/faults.h"
#include "sim/firmware.h"

namespace nymph::sim {

class SerialEndpoint {
 public:
  SerialEndpoint(int fd, Firmware& firmware, Faults& faults,
                 uint32_t noise_seed);

  // The fd is readable: decode and answer.
  void OnReadable(double now_s);
  // Periodic: ends a frame cut short by a silent line, reports errors.
  void OnTick(double now_s);

 private:
  void Answer(const mcu::Frame& request, double now_s);
  void Send(std::vector<uint8_t> bytes);
  void HandleFrames(std::vector<mcu::Frame> frames, double now_s);

  int fd_;
  Firmware& firmware_;
  Faults& faults_;
  std::mt19937 noise_;  // line noise is the one place for randomness
  mcu::FrameDecoder decoder_;
  double last_byte_s_ = 0;
  uint64_t reported_rejected_ = 0;
  uint64_t reported_discarded_ = 0;
  double last_report_s_ = 0;
  uint64_t dropped_output_bytes_ = 0;
};

}  // namespace nymph::sim
