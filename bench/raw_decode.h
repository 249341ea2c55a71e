// Greedy decoding straight on an ONNX Runtime session, without the agent:
// the floor that generation through the API is compared with. Shared by
// the benchmark programs so that all of them measure the same loop.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <string>
#include <vector>

namespace nymph::bench {

struct DecodeTiming {
  double prefill_s = 0;        // prompt in, first token's logits out
  std::vector<double> step_s;  // each later token
};

// Runs `tokens` steps (the prompt's prefill, then one token each) of a
// model in the KV-cache layout (input_ids, attention_mask, position_ids,
// past_key_values.* in; logits, present.* out), feeding each step's present
// tensors back as past. The prompt is encoded one token per byte, as the
// bundled byte-level models read it. REQUIRES: tokens >= 1.
DecodeTiming RawDecode(Ort::Session& session, const std::string& prompt,
                       int tokens);

}  // namespace nymph::bench
