// The language models the daemon can generate with: each .onnx file of the
// models directory in the decoder KV-cache layout that has a manifest
// (<name>.json beside it) naming its tokenizer and context length.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "generation/causal_lm.h"
#include "generation/prefix_cache.h"
#include "generation/tokenizer.h"
#include "inference/onnx_model.h"

namespace nymph {

struct LanguageModel {
  std::string name;
  std::string sha256;  // of the .onnx file; pinned regions are tied to it
  int context_length = 0;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<CausalLm> lm;
  std::unique_ptr<PrefixCache> prefix_cache;  // null when kv is disabled
};

// The /infer model of a name, when loaded: a language model of the same
// file shares its session and SHA-256 instead of loading both again.
using LoadedModelLookup =
    std::function<std::shared_ptr<const OnnxModel>(const std::string& name)>;

// Loads the language models of `dir`. Files without a manifest are not
// language models (they are still served by /infer); a manifest that is
// unreadable or names an unknown tokenizer is logged and skipped.
std::vector<std::unique_ptr<LanguageModel>> LoadLanguageModels(
    Ort::Env& env, const std::string& dir, const SessionSettings& settings,
    const LoadedModelLookup& loaded = nullptr);

}  // namespace nymph
