#include "generation/decode_pacer.h"

#include <algorithm>
#include <thread>

namespace nymph {

void DecodePacer::Set(double work_fraction) {
  fraction_ = std::clamp(work_fraction, 0.05, 1.0);
}

void DecodePacer::Pause(std::chrono::steady_clock::duration step) const {
  steps_.fetch_add(1, std::memory_order_relaxed);
  const double fraction = fraction_.load(std::memory_order_relaxed);
  if (fraction >= 1.0) return;
  // A bound, so that one slow step (a long prefill) cannot stall a stream
  // for seconds after the card has cooled.
  const auto pause = std::min<std::chrono::steady_clock::duration>(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          step * (1.0 / fraction - 1.0)),
      std::chrono::milliseconds(250));
  std::this_thread::sleep_for(pause);
}

}  // namespace nymph
