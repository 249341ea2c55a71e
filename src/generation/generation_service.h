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
#include "generation/decode_pacer.h"
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

  // `loaded` finds the /infer model of the same file, whose session the
  // language model then shares.
  void Load(Ort::Env& env, const std::string& dir,
            const SessionSettings& session_settings,
            const LoadedModelLookup& loaded = nullptr);

  bool loaded() const { return loaded_.load(); }
  std::shared_ptr<const LanguageModel> Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  AdmissionGate& gate() { return gate_; }
  const DecodePacer& pacer() const { return pacer_; }

  // Shutdown's grace has passed: every generation ends before its next
  // step, and queued ones before they start (see Generate).
  void CutShort() { cut_short_.store(true); }
  const std::atomic<bool>& cut_short() const { return cut_short_; }

  // Thermal throttling: 1 is full speed; below, fewer sequences run at
  // once and each decodes slower (see DecodePacer).
  void SetWorkFraction(double fraction);

  // What the thermal controller forecasts from.
  struct Outlook {
    int active = 0;
    int queued = 0;
    uint64_t decode_steps = 0;  // since start; a rate comes from deltas
  };
  Outlook outlook() const;

  // Every language model's KV cache use added up, for the trace's counters
  // (in KiB, so caches of different block sizes add up).
  struct KvTotals {
    int64_t used_kib = 0;
    int64_t pinned_kib = 0;
    uint64_t hit_tokens = 0;
    uint64_t miss_tokens = 0;
    double hit_rate() const {
      const uint64_t all = hit_tokens + miss_tokens;
      return all == 0 ? 0.0 : double(hit_tokens) / double(all);
    }
  };
  KvTotals KvSum() const;

  void CountFinished(int prompt_tokens, int completion_tokens,
                     const std::string& finish_reason);
  // Appends nymph_generation_* and nymph_kv_* metrics.
  void Render(std::string& out) const;

 private:
  void RenderKv(std::string& out) const;

  const GenerationSettings settings_;
  AdmissionGate gate_;
  DecodePacer pacer_;
  std::atomic<bool> loaded_{false};
  mutable std::mutex mutex_;  // guards models_
  std::vector<std::shared_ptr<const LanguageModel>> models_;
  std::atomic<uint64_t> prompt_tokens_{0};
  std::atomic<uint64_t> completion_tokens_{0};
  std::atomic<uint64_t> finished_stop_{0};
  std::atomic<uint64_t> finished_length_{0};
  std::atomic<uint64_t> cancelled_{0};
  std::atomic<bool> cut_short_{false};
};

}  // namespace nymph
