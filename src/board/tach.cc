#include "board/tach.h"

namespace nymph::board {

std::optional<double> RpmFromTachPeriod(uint16_t period_us,
                                        int pulses_per_revolution) {
  if (period_us == 0 || period_us == kTachNoPulses) return std::nullopt;
  if (pulses_per_revolution <= 0) return std::nullopt;
  constexpr double kMicrosecondsPerMinute = 60e6;
  return kMicrosecondsPerMinute /
         (static_cast<double>(period_us) * pulses_per_revolution);
}

}  // namespace nymph::board
