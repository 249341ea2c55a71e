// Runs one scenario against the agent and describes it as bench.json's
// per-scenario object (docs/bench-json.md): load, latencies, throughput,
// the KV counters' change and the thermal summary over the scenario.
#pragma once

#include <nlohmann/json.hpp>

#include "agent_client.h"
#include "load_runner.h"
#include "prompt_source.h"
#include "scenario_spec.h"
#include "workload.h"

namespace nymph::bench {

struct ScenarioSettings {
  Endpoint endpoint;
  CompletionShape shape;
  const PromptSource* prompts = nullptr;
  size_t* next_prompt = nullptr;  // the run's prompt counter, advanced
  size_t prompt_chars = 256;      // unique prompts
  size_t prefix_chars = 512;      // shared-prefix prompts: the pinned part
  size_t suffix_chars = 64;       // ... and the unique rest
  double duration_s = 0;
  int requests = 0;
  int warmup = 0;
  uint64_t seed = 0;
  int max_connections = 64;
  nlohmann::json infer_body;  // :infer scenarios: every request's body
};

nlohmann::json RunScenario(const ScenarioSpec& spec,
                           const ScenarioSettings& settings);

// The per-scenario figures of `result` (pure; for tests and RunScenario).
// Without `streamed` (an /infer scenario) there are no tokens: time to
// first token, time per output token and inter-token latency are null.
nlohmann::json DescribeLoad(const LoadResult& result, bool streamed = true);

}  // namespace nymph::bench
