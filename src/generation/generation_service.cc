#include "generation/generation_service.h"

#include <fmt/format.h>

namespace nymph {

GenerationService::GenerationService(GenerationSettings settings)
    : gate_(settings.max_active, settings.max_queued) {}

void GenerationService::Load(Ort::Env& env, const std::string& dir,
                             const SessionSettings& session_settings) {
  auto loaded = LoadLanguageModels(env, dir, session_settings);
  std::lock_guard lock(mutex_);
  for (auto& model : loaded) models_.push_back(std::move(model));
  loaded_ = true;
}

std::shared_ptr<const LanguageModel> GenerationService::Find(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& model : models_) {
    if (model->name == name) return model;
  }
  return nullptr;
}

std::vector<std::string> GenerationService::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& model : models_) names.push_back(model->name);
  return names;
}

void GenerationService::CountFinished(int prompt_tokens, int completion_tokens,
                                      const std::string& finish_reason) {
  prompt_tokens_ += prompt_tokens;
  completion_tokens_ += completion_tokens;
  if (finish_reason == "stop") finished_stop_++;
  if (finish_reason == "length") finished_length_++;
  if (finish_reason == "cancelled") cancelled_++;
}

void GenerationService::Render(std::string& out) const {
  out += fmt::format(
      "# HELP nymph_generation_active_sequences Sequences decoding now.\n"
      "# TYPE nymph_generation_active_sequences gauge\n"
      "nymph_generation_active_sequences {}\n"
      "# HELP nymph_generation_queued_requests Requests waiting for a "
      "sequence slot.\n"
      "# TYPE nymph_generation_queued_requests gauge\n"
      "nymph_generation_queued_requests {}\n"
      "# HELP nymph_generation_rejected_total Requests refused with 429.\n"
      "# TYPE nymph_generation_rejected_total counter\n"
      "nymph_generation_rejected_total {}\n"
      "# HELP nymph_generation_tokens_total Tokens by kind.\n"
      "# TYPE nymph_generation_tokens_total counter\n"
      "nymph_generation_tokens_total{{kind=\"prompt\"}} {}\n"
      "nymph_generation_tokens_total{{kind=\"completion\"}} {}\n"
      "# HELP nymph_generation_requests_total Finished generations by "
      "reason.\n"
      "# TYPE nymph_generation_requests_total counter\n"
      "nymph_generation_requests_total{{finish_reason=\"stop\"}} {}\n"
      "nymph_generation_requests_total{{finish_reason=\"length\"}} {}\n"
      "nymph_generation_requests_total{{finish_reason=\"cancelled\"}} {}\n",
      gate_.active(), gate_.queued(), gate_.rejected(), prompt_tokens_.load(),
      completion_tokens_.load(), finished_stop_.load(), finished_length_.load(),
      cancelled_.load());
}

}  // namespace nymph
