// Picks the next token from a row of logits: greedy, or sampling with
// temperature, top-k and top-p (nucleus), reproducible for a given seed.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace nymph {

struct SamplingParams {
  double temperature = 1.0;  // 0: greedy
  int top_k = 0;             // 0: no limit; 1: greedy
  double top_p = 1.0;        // in (0, 1]
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // Returns a token id in [0, logits.size()). Ties in greedy mode go to
  // the lowest id, so greedy decoding is deterministic.
  int32_t Next(std::span<const float> logits);

  static int32_t Argmax(std::span<const float> logits);

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
};

}  // namespace nymph
