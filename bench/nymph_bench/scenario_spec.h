// What a scenario is: how requests arrive and what their prompts look like,
// parsed from the command line's --scenario values.
#pragma once

#include <string>

#include "common/status.h"

namespace nymph::bench {

enum class Arrival {
  kClosedLoop,  // `clients` streams kept in flight, the next sent as one ends
  kPoisson,     // open loop: exponential gaps at `rate_per_s`, seeded
};

// What each request is.
enum class PromptKind {
  kUnique,        // a completion; every prompt a different slice of the text
  kSharedPrefix,  // a completion; one pinned prefix + a unique suffix each
  kInfer,         // POST /infer on a tensor model, not a completion
};

struct ScenarioSpec {
  std::string name;  // the spec as written, e.g. "concurrent:4"
  Arrival arrival = Arrival::kClosedLoop;
  int clients = 1;        // closed loop only
  double rate_per_s = 0;  // Poisson only
  PromptKind prompts = PromptKind::kUnique;
};

// Grammar: single[:PROMPTS] | concurrent:N[:PROMPTS] | poisson:RATE[:PROMPTS]
// with PROMPTS one of unique (the default), shared-prefix or infer; "single"
// is "concurrent:1".
StatusOr<ScenarioSpec> ParseScenario(const std::string& text);

const char* ArrivalName(Arrival arrival);
const char* PromptKindName(PromptKind kind);

}  // namespace nymph::bench
