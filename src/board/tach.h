// Fan speed from the MCU's tachometer measurement.
//
// The MCU times the interval between tach pulses in microseconds with a
// 16-bit timer. 0 cannot be a period, and 0xFFFF means the timer overflowed
// without a pulse: the fan is stopped or slower than the timer can see
// (below about 458 RPM at 2 pulses per revolution). Neither is a speed.
//
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

namespace nymph::board {

inline constexpr uint16_t kTachNoPulses = 0xFFFF;

// Revolutions per minute, or nullopt for an invalid period (0, 0xFFFF) or
// a non-positive pulse count.
std::optional<double> RpmFromTachPeriod(uint16_t period_us,
                                        int pulses_per_revolution = 2);

}  // namespace nymph::board
