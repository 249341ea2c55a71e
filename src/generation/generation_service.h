// Generation as the API sees it: the language models, the admission gate,
// and counters for /metrics.
//
// Thread safety: all methods may be called concurrently. Models are set
// once by Load() (from the loader thread) and never change after.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "generation/admission.h"
#include "generation/language_model.h"

namespace nymph {

struct GenerationSettings {
  int max_active = 2;   // sequences decoding at once
  int max_queued = 16;  // waiting beyond those; more get 429
  // KV cache of each language model; capacity 0 turns it off.
  kv::KvSettings kv;
  int kv_block_tokens = 16;
  std::string kv_state_dir;  // pinned regions live under <this>/<model>
};

class GenerationService {
 public:
  explicit GenerationService(GenerationSettings settings);

  void Load(Ort::Env& env, const std::string& dir,
            const SessionSettings& session_settings);

  bool loaded() const { return loaded_.load(); }
  std::shared_ptr<const LanguageModel> Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  AdmissionGate& gate() { return gate_; }

  void CountFinished(int prompt_tokens, int completion_tokens,
                     const std::string& finish_reason);
  // Appends nymph_generation_* and nymph_kv_* metrics.
  void Render(std::string& out) const;

 private:
  void RenderKv(std::string& out) const;

  const GenerationSettings settings_;
  AdmissionGate gate_;
  std::atomic<bool> loaded_{false};
  mutable std::mutex mutex_;  // guards models_
  std::vector<std::shared_ptr<const LanguageModel>> models_;
  std::atomic<uint64_t> prompt_tokens_{0};
  std::atomic<uint64_t> completion_tokens_{0};
  std::atomic<uint64_t> finished_stop_{0};
  std::atomic<uint64_t> finished_length_{0};
  std::atomic<uint64_t> cancelled_{0};
};

}  // namespace nymph
