// Slows decoding down when the card runs hot: with a work fraction f < 1,
// each decode step is followed by a pause of (1/f - 1) times its own
// duration, so a sequence's token rate (and the heat it makes) scales by f
// without dropping or reordering anything.
//
// Thread safety: Set() and Pause() may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace nymph {

class DecodePacer {
 public:
  // 1 runs at full speed; values are clamped to [0.05, 1].
  void Set(double work_fraction);
  double work_fraction() const { return fraction_.load(); }
  // Called after every decode step, which took `step`: counts it, and
  // sleeps when throttled.
  void Pause(std::chrono::steady_clock::duration step) const;
  // Decode steps so far, a live measure of the work being done.
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> fraction_{1.0};
  mutable std::atomic<uint64_t> steps_{0};
};

}  // namespace nymph
