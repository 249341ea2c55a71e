#include "generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace nymph {

Sampler::Sampler(const SamplingParams& params)
    : params_(params), rng_(params.seed) {}

int32_t Sampler::Argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) -
                              logits.begin());
}

int32_t Sampler::Next(std::span<const float> logits) {
  if (params_.temperature <= 0 || params_.top_k == 1) return Argmax(logits);

  // Candidates by descending logit; ids break ties so the order, and with
  // it the sample for a seed, does not depend on the sort implementation.
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  size_t keep = order.size();
  if (params_.top_k > 0) keep = std::min<size_t>(keep, params_.top_k);
  auto by_logit = [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  };
  std::partial_sort(order.begin(), order.begin() + keep, order.end(), by_logit);
  order.resize(keep);

  // Softmax over the candidates at the temperature, max-subtracted so that
  // large logits cannot overflow.
  std::vector<double> probs(keep);
  double top = logits[order[0]];
  double total = 0;
  for (size_t i = 0; i < keep; ++i) {
    probs[i] = std::exp((logits[order[i]] - top) / params_.temperature);
    total += probs[i];
  }
  // Nucleus: the smallest prefix whose mass reaches top_p.
  double mass = 0;
  size_t nucleus = keep;
  for (size_t i = 0; i < keep; ++i) {
    mass += probs[i] / total;
    if (mass >= params_.top_p) {
      nucleus = i + 1;
      break;
    }
  }
  std::discrete_distribution<size_t> pick(probs.begin(),
                                          probs.begin() + nucleus);
  return order[pick(rng_)];
}

}  // namespace nymph
