#include "generation/generation_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

namespace nymph {

GenerationService::GenerationService(GenerationSettings settings)
    : settings_(settings), gate_(settings.max_active, settings.max_queued) {}

void GenerationService::Load(Ort::Env& env, const std::string& dir,
                             const SessionSettings& session_settings,
                             const LoadedModelLookup& served) {
  auto loaded = LoadLanguageModels(env, dir, session_settings, served);
  for (auto& model : loaded) {
    const auto geometry = model->lm->geometry(settings_.kv_block_tokens);
    if (settings_.kv.capacity_bytes < geometry.block_bytes()) continue;
    std::string region_dir;
    if (!settings_.kv_state_dir.empty()) {
      region_dir = settings_.kv_state_dir + "/" + model->name;
    }
    model->prefix_cache =
        std::make_unique<PrefixCache>(*model->lm, settings_.kv_block_tokens,
                                      settings_.kv, region_dir, model->sha256);
    const auto& cache = model->prefix_cache->cache();
    spdlog::info("kv: {}: {} blocks of {} tokens ({} bytes each, {} per token)",
                 model->name, cache.total_blocks(), geometry.block_tokens,
                 geometry.block_bytes(), geometry.bytes_per_token());
    model->prefix_cache->RestoreRegions();
  }
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

void GenerationService::SetWorkFraction(double fraction) {
  pacer_.Set(fraction);
  const int limit = static_cast<int>(
      std::ceil(settings_.max_active * pacer_.work_fraction()));
  gate_.SetActiveLimit(limit);
}

GenerationService::Outlook GenerationService::outlook() const {
  return {gate_.active(), gate_.queued(), pacer_.steps()};
}

GenerationService::KvTotals GenerationService::KvSum() const {
  std::lock_guard lock(mutex_);
  KvTotals total;
  for (const auto& model : models_) {
    if (!model->prefix_cache) continue;
    const kv::KvCache& cache = model->prefix_cache->cache();
    const kv::KvStats s = cache.Stats();
    total.used_kib += cache.geometry().kib(s.blocks_total - s.blocks_free);
    total.pinned_kib += cache.geometry().kib(s.blocks_pinned);
    total.hit_tokens += s.hit_tokens;
    total.miss_tokens += s.miss_tokens;
  }
  return total;
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
  RenderKv(out);
}

void GenerationService::RenderKv(std::string& out) const {
  std::lock_guard lock(mutex_);
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const kv::KvStats&);
  };
  static const Family families[] = {
      {"nymph_kv_blocks_total", "gauge", "Blocks in the KV pool.",
       [](const kv::KvStats& s) { return double(s.blocks_total); }},
      {"nymph_kv_blocks_used", "gauge",
       "Blocks holding KV or reserved by a region.",
       [](const kv::KvStats& s) {
         return double(s.blocks_total - s.blocks_free);
       }},
      {"nymph_kv_blocks_pinned", "gauge", "Blocks held by pinned regions.",
       [](const kv::KvStats& s) { return double(s.blocks_pinned); }},
      {"nymph_kv_block_bytes", "gauge", "Bytes per KV block.",
       [](const kv::KvStats& s) { return double(s.block_bytes); }},
      {"nymph_kv_regions", "gauge", "Pinned regions.",
       [](const kv::KvStats& s) { return double(s.regions); }},
      {"nymph_kv_hit_tokens_total", "counter",
       "Prompt tokens whose KV came from the cache.",
       [](const kv::KvStats& s) { return double(s.hit_tokens); }},
      {"nymph_kv_miss_tokens_total", "counter", "Prompt tokens computed.",
       [](const kv::KvStats& s) { return double(s.miss_tokens); }},
      {"nymph_kv_hit_rate", "gauge",
       "hit_tokens / (hit_tokens + miss_tokens) since start.",
       [](const kv::KvStats& s) { return s.hit_rate(); }},
      {"nymph_kv_evictions_total", "counter",
       "Cached blocks evicted to make room.",
       [](const kv::KvStats& s) { return double(s.evictions); }},
  };
  std::vector<std::pair<std::string, kv::KvStats>> stats;
  for (const auto& model : models_) {
    if (model->prefix_cache) {
      stats.emplace_back(model->name, model->prefix_cache->cache().Stats());
    }
  }
  for (const Family& family : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, family.help,
                       family.name, family.type);
    for (const auto& [name, s] : stats) {
      out += fmt::format("{}{{model=\"{}\"}} {}\n", family.name, name,
                         family.value(s));
    }
  }
}

}  // namespace nymph
