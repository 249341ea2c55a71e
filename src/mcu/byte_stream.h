// The byte pipe under the MCU protocol: a serial port on the card or a
// pseudo-terminal to nymph-boardsim; tests may put anything behind it.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace nymph::mcu {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // The device, for logs.
  virtual std::string Describe() const = 0;
  // Writes all of `bytes` (or fails).
  virtual Status Write(std::span<const uint8_t> bytes) = 0;
  // Returns the bytes that arrive within `timeout`; empty on a time-out.
  virtual StatusOr<std::vector<uint8_t>> Read(
      std::chrono::milliseconds timeout) = 0;
  // Drops bytes received but not yet read (stale answers, noise).
  virtual Status DiscardInput() = 0;
};

}  // namespace nymph::mcu
