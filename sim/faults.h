// Faults injected into the simulated MCU by command-line flags or the
// control socket (docs/boardsim.md lists the commands).
#pragma once

#include <array>
#include <cstdint>

#include "mcu/protocol.h"

namespace nymph::sim {

enum class NtcFault { kNone, kOpen, kShort, kStuck };

struct NtcFaultState {
  NtcFault kind = NtcFault::kNone;
  uint16_t stuck_counts = 0;  // for kStuck
};

struct Faults {
  std::array<NtcFaultState, mcu::kNtcChannelNames.size()> ntc{};
  bool fan_locked = false;    // rotor locked: the fan stalls
  bool silent = false;        // the MCU answers nothing
  int drop_requests = 0;      // the next N requests get no answer
  int corrupt_responses = 0;  // the next N answers get a flipped bit
  int noise_bytes = 0;        // random bytes written before each answer
};

}  // namespace nymph::sim
