// The requests a benchmark sends: completion bodies, and the pinned prefix
// that shared-prefix prompts start with.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent_client.h"

namespace nymph::bench {

struct CompletionShape {
  std::string model;
  int max_tokens = 64;
  double temperature = 0;  // 0: greedy, so output lengths do not vary
};

// A streamed completion of `prompt`, bound to the pinned `kv_region` when
// it is not empty.
nlohmann::json CompletionBody(const CompletionShape& shape,
                              const std::string& prompt,
                              const std::string& kv_region = "");

// POST /kv/pin {"region", "prompt"}. The agent's answer on 200; otherwise
// null, with `unavailable` saying why (404: the route does not exist).
nlohmann::json PinPrefix(AgentClient& client, const std::string& region,
                         const std::string& prefix, std::string& unavailable);

// An /infer request for the tensor model `model`, read from its signature
// at GET /models/{model}: every input filled with small deterministic
// numbers, symbolic dimensions set to 1. Models with non-numeric inputs
// (string, bool) are refused with the reason.
StatusOr<nlohmann::json> InferBody(AgentClient& client,
                                   const std::string& model);

// DELETE /kv/pin/{region}, so a benchmark leaves no pinned state behind
// (pins survive restarts). Best effort: a failure is printed, not fatal.
void Unpin(AgentClient& client, const std::string& region);

}  // namespace nymph::bench
