// Reference measurements taken in the same run as the scenarios, so that
// bench.json holds ratios and not only absolute figures:
//  - decode speed through the API against a raw ONNX Runtime loop on the
//    same model file in this process;
//  - time to first token of a prompt whose prefix is pinned against the
//    same prompt shape with a fresh prefix.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent_client.h"
#include "common/status.h"
#include "prompt_source.h"
#include "workload.h"

namespace nymph::bench {

struct DecodeBaselineOptions {
  std::string model_file;  // the .onnx file the agent serves
  std::string prompt;
  int tokens = 128;  // generated per run, by both
  int runs = 3;      // of each, alternating so noise hits both alike
};

// Greedy decoding both ways. Decode speed is (tokens - 1) over the time
// from the first to the last token (the raw loop's steps after prefill;
// the API's first to last token event).
StatusOr<nlohmann::json> MeasureDecodeBaseline(
    AgentClient& client, const CompletionShape& shape,
    const DecodeBaselineOptions& options);

struct PrefixTtftOptions {
  size_t prefix_chars = 512;
  size_t suffix_chars = 64;
  int samples = 20;  // of each kind, alternating
};

// Pins one prefix, then times the first token of `samples` prompts made of
// it and a new suffix (bound to the region: the hit case) against as many
// with a never-seen prefix of the same length and the same suffixes (the
// miss case); medians and their ratio. Null with `unavailable` set when
// the agent cannot pin (no POST /kv/pin).
StatusOr<nlohmann::json> MeasurePrefixTtft(AgentClient& client,
                                           const CompletionShape& shape,
                                           const PromptSource& prompts,
                                           size_t& next_prompt,
                                           const PrefixTtftOptions& options,
                                           std::string& unavailable);

}  // namespace nymph::bench
