// One text completion: the request's fields (OpenAI's /v1/completions
// shape), their validation, and the generation loop with stop sequences.
#pragma once

#include <atomic>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "generation/decode_pacer.h"
#include "generation/language_model.h"
#include "generation/sampler.h"

namespace nymph {

struct CompletionRequest {
  std::string model;
  std::string prompt;
  int max_tokens = 16;
  SamplingParams sampling;
  std::vector<std::string> stop;
  bool stream = false;
  std::string kv_region;     // a pinned region this request belongs to
  uint64_t trace_track = 0;  // the request's trace track; 0: not traced
};

// Checks types and ranges (400 for wrong JSON types, 422 for values out of
// range). Fields of OpenAI's API that are not listed here are ignored.
StatusOr<CompletionRequest> ParseCompletionRequest(const nlohmann::json& body,
                                                   uint64_t default_seed);

struct CompletionResult {
  std::string text;
  std::string finish_reason;  // "stop", "length" or "cancelled"
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;  // prompt tokens whose KV came from the cache
};

// Receives text as it becomes final (never part of a stop sequence, never
// half a UTF-8 character). Returns false when the client is gone, which
// ends the generation before the next token.
using TextSink = std::function<bool(std::string_view)>;

// The prompt's tokens; 422 unless they plus max_tokens fit the model's
// context.
StatusOr<std::vector<int32_t>> EncodePrompt(const LanguageModel& model,
                                            const CompletionRequest& request);

// REQUIRES: `prompt` came from EncodePrompt(model, request). With a
// `pacer`, decode steps are slowed as it says (thermal throttling). Once
// `*cut_short` is true (shutdown's grace has passed) the generation ends
// before its next step with kUnavailable "shutting_down".
StatusOr<CompletionResult> Generate(
    const LanguageModel& model, const CompletionRequest& request,
    const std::vector<int32_t>& prompt, const TextSink& sink,
    const DecodePacer* pacer = nullptr,
    const std::atomic<bool>* cut_short = nullptr);

}  // namespace nymph
