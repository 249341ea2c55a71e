#include <fmt/format.h>
#include <cmath>

#include "api/json_body.h"
#include "api/routes.h"
#include "generation/generation_service.h"
#include "server/api_error.h"

namespace nymph {
namespace {

using nlohmann::json;

Status BadField(const std::string& field, const std::string& expected) {
  return Status(ErrorKind::kBadRequest, "invalid_field",
                "'" + field + "' must be " + expected);
}

Status Unprocessable(const std::string& code, const std::string& message) {
  return Status(ErrorKind::kUnprocessable, code, message);
}

// Whole when it is: blocks of a small model can be a fraction of a KiB.
json BlockKb(int64_t block_bytes) {
  if (block_bytes % 1024 == 0) return block_bytes / 1024;
  return double(block_bytes) / 1024;
}

// The language model a KV request is about: the one named, or the only one.
StatusOr<std::shared_ptr<const LanguageModel>> CachedModel(
    GenerationService& service, const std::string& name) {
  if (!service.loaded()) return StillLoading();
  std::vector<std::shared_ptr<const LanguageModel>> cached;
  for (const std::string& candidate : service.Names()) {
    auto model = service.Find(candidate);
    if (model->prefix_cache && (name.empty() || candidate == name)) {
      cached.push_back(model);
    }
  }
  if (cached.size() == 1) return cached.front();
  if (cached.empty()) {
    return Status(ErrorKind::kNotFound, "no_kv_cache",
                  name.empty() ? "no language model with a KV cache is loaded "
                                 "(kv.capacity_mb may be 0)"
                               : "no language model named '" + name +
                                     "' with a KV cache");
  }
  return Unprocessable("model_required",
                       "several language models are loaded; name one in "
                       "'model'");
}

json StatsJson(const kv::KvStats& s) {
  auto kib = [&s](int64_t blocks) { return blocks * s.block_bytes / 1024; };
  const int64_t used = s.blocks_total - s.blocks_free;
  return {{"capacity_kb", kib(s.blocks_total)},
          {"used_kb", kib(used)},
          {"free_kb", kib(s.blocks_free)},
          {"pinned_kb", kib(s.blocks_pinned)},
          {"cached_kb", kib(s.blocks_cached)},
          {"reserved_kb", kib(s.blocks_reserved)},
          {"block_tokens", s.block_tokens},
          {"block_kb", BlockKb(s.block_bytes)},
          {"blocks",
           {{"total", s.blocks_total},
            {"used", used},
            {"free", s.blocks_free},
            {"cached", s.blocks_cached},
            {"reserved", s.blocks_reserved},
            {"pinned", s.blocks_pinned},
            {"evictable", s.blocks_evictable}}},
          {"hit_tokens", s.hit_tokens},
          {"miss_tokens", s.miss_tokens},
          {"hit_rate", s.hit_rate()},
          {"evictions", s.evictions},
          {"stored_blocks", s.stored_blocks},
          {"regions", s.regions}};
}

json RegionJson(const kv::RegionInfo& r, const LanguageModel& model) {
  const kv::KvCache& cache = model.prefix_cache->cache();
  return {{"region", r.name},
          {"model", model.name},
          {"priority", r.priority},
          {"size_kb", cache.geometry().kib(r.reserved_blocks)},
          {"cached_tokens", r.content_blocks * cache.geometry().block_tokens},
          {"base_address", r.base_address},
          {"requests", r.requests},
          {"prompt_tokens", r.prompt_tokens},
          {"hit_tokens", r.hit_tokens},
          {"hit_rate", r.hit_rate()}};
}

struct PinBody {
  std::string model;
  kv::PinRequest pin;
  std::optional<int64_t> size_kb;
};

StatusOr<PinBody> ParsePin(const json& body, const LanguageModel* model) {
  if (Status known =
          RefuseUnknownFields(body, {"region", "size_kb", "force", "priority",
                                     "prompt", "tokens", "model"});
      !known.ok()) {
    return known;
  }
  PinBody parsed;
  auto region = body.find("region");
  if (region == body.end() || !region->is_string()) {
    return BadField("region", "a string naming the region");
  }
  parsed.pin.region = region->get<std::string>();
  if (!kv::IsValidRegionName(parsed.pin.region)) {
    return Unprocessable("invalid_region_name",
                         std::string("region ") + kv::kRegionNameRule);
  }
  if (auto it = body.find("force"); it != body.end()) {
    if (!it->is_boolean()) return BadField("force", "true or false");
    parsed.pin.force = it->get<bool>();
  }
  if (auto it = body.find("priority"); it != body.end()) {
    if (!it->is_number_integer()) return BadField("priority", "an integer");
    if (it->is_number_unsigned() ? it->get<uint64_t>() > 1000000
                                 : std::llabs(it->get<int64_t>()) > 1000000) {
      return Unprocessable("invalid_priority",
                           "priority must be between -1000000 and 1000000");
    }
    parsed.pin.priority = it->get<int>();
  }
  if (auto it = body.find("size_kb"); it != body.end()) {
    if (!it->is_number_integer()) return BadField("size_kb", "an integer");
    if (!it->is_number_unsigned() || it->get<uint64_t>() == 0 ||
        it->get<uint64_t>() > (uint64_t(1) << 40)) {
      return Unprocessable("invalid_size",
                           "size_kb must be a positive number of KiB, at "
                           "most 2^40 (the pool's own size is GET /kv/stats' "
                           "capacity_kb)");
    }
    parsed.size_kb = it->get<int64_t>();
  }
  if (auto it = body.find("model"); it != body.end()) {
    if (!it->is_string()) return BadField("model", "a string");
    parsed.model = it->get<std::string>();
  }
  auto prompt = body.find("prompt");
  auto tokens = body.find("tokens");
  if (prompt != body.end() && tokens != body.end()) {
    return Unprocessable("conflicting_fields",
                         "give 'prompt' or 'tokens', not both");
  }
  if (prompt == body.end() && tokens == body.end() && !parsed.size_kb) {
    return Unprocessable("empty_pin",
                         "give 'prompt' or 'tokens' to cache, or 'size_kb' "
                         "to reserve");
  }
  if (prompt != body.end() && !prompt->is_string()) {
    return BadField("prompt", "a string");
  }
  if (tokens != body.end() && !tokens->is_array()) {
    return BadField("tokens", "an array of token ids");
  }
  if (model == nullptr) return parsed;  // only the syntax was checked
  if (prompt != body.end()) {
    parsed.pin.tokens = model->tokenizer->Encode(prompt->get<std::string>());
  } else if (tokens != body.end()) {
    const int vocab = model->tokenizer->vocab_size();
    for (const json& token : *tokens) {
      if (!token.is_number_integer() || token.get<int64_t>() < 0 ||
          token.get<int64_t>() >= vocab) {
        return Unprocessable(
            "invalid_token",
            "tokens must be integers in [0, " + std::to_string(vocab) + ")");
      }
      parsed.pin.tokens.push_back(token.get<int32_t>());
    }
  }
  if (int64_t(parsed.pin.tokens.size()) > model->context_length) {
    return Unprocessable("context_length_exceeded",
                         "the content has " +
                             std::to_string(parsed.pin.tokens.size()) +
                             " tokens; the model's context is " +
                             std::to_string(model->context_length));
  }
  return parsed;
}

}  // namespace

void AddKvRoutes(Router& router, const ApiContext& context) {
  GenerationService& service = context.generation;

  router.Add("POST", "/kv/pin", [&service](const ApiRequest& http) {
    auto body = ParseJsonObject(http.body);
    if (!body.ok()) return ErrorResponse(body.status());
    auto syntax = ParsePin(*body, nullptr);
    if (!syntax.ok()) return ErrorResponse(syntax.status());
    auto model = CachedModel(service, syntax->model);
    if (!model.ok()) return ErrorResponse(model.status());
    auto parsed = ParsePin(*body, model->get());
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    PrefixCache& prefix = *(*model)->prefix_cache;
    const kv::KvCache& cache = prefix.cache();
    const kv::KvGeometry& geometry = cache.geometry();
    const int64_t block_tokens = geometry.block_tokens;
    kv::PinRequest& pin = parsed->pin;
    const int64_t content = int64_t(pin.tokens.size());
    const int64_t full_blocks = content / block_tokens;
    pin.reserved_blocks = (content + block_tokens - 1) / block_tokens;
    if (content == 0 && !parsed->size_kb) {
      // A region of no blocks would hold nothing and have no address.
      return ErrorResponse(Unprocessable(
          "empty_pin",
          "the content is empty; give a non-empty 'prompt' or 'tokens', or "
          "'size_kb' to reserve"));
    }
    if (parsed->size_kb) {
      const int64_t asked = geometry.blocks_for_kib(*parsed->size_kb);
      if (asked > cache.total_blocks()) {
        return ErrorResponse(Unprocessable(
            "size_beyond_pool",
            fmt::format("size_kb {} is more than the whole pool ({} KiB)",
                        *parsed->size_kb, geometry.kib(cache.total_blocks()))));
      }
      if (asked < full_blocks) {
        return ErrorResponse(Unprocessable(
            "size_too_small",
            fmt::format("the content needs {} KiB ({} blocks of {} tokens); "
                        "size_kb {} is less",
                        geometry.kib(full_blocks), full_blocks, block_tokens,
                        *parsed->size_kb)));
      }
      pin.reserved_blocks = asked;
    }
    if (pin.reserved_blocks > cache.max_pinned_blocks()) {
      return ErrorResponse(Unprocessable(
          "size_beyond_pin_limit",
          fmt::format("pins may hold at most {} KiB of the pool "
                      "(kv.max_pinned_fraction); this one needs {} KiB",
                      geometry.kib(cache.max_pinned_blocks()),
                      geometry.kib(pin.reserved_blocks))));
    }
    auto outcome = prefix.Pin(pin);
    if (!outcome.ok()) return ErrorResponse(outcome.status());
    const kv::KvStats stats = cache.Stats();
    const int64_t used = stats.blocks_total - stats.blocks_free;
    json response = RegionJson(outcome->region, **model);
    response["stats"] = {{"new_region", outcome->new_region ? 1.0 : 0.0},
                         {"base_address", outcome->region.base_address},
                         {"total_used_kb", geometry.kib(used)},
                         {"total_free_kb", geometry.kib(stats.blocks_free)}};
    response["evicted_regions"] = outcome->evicted_regions;
    return JsonResponse(response, outcome->new_region ? 201 : 200);
  });

  router.Add("DELETE", "/kv/pin/{region}", [&service](const ApiRequest& http) {
    const std::string& region = http.params.at("region");
    if (!kv::IsValidRegionName(region)) {
      return ErrorResponse(Unprocessable(
          "invalid_region_name", std::string("region ") + kv::kRegionNameRule));
    }
    if (!service.loaded()) return ErrorResponse(StillLoading());
    for (const std::string& name : service.Names()) {
      auto model = service.Find(name);
      if (!model->prefix_cache) continue;
      Status unpinned = model->prefix_cache->Unpin(region);
      if (unpinned.ok()) {
        return JsonResponse(
            {{"region", region}, {"model", name}, {"unpinned", true}});
      }
    }
    return ErrorResponse(Status(ErrorKind::kNotFound, "region_not_found",
                                "no pinned KV region named '" + region + "'"));
  });

  router.Add("GET", "/kv/regions", [&service](const ApiRequest&) {
    if (!service.loaded()) return ErrorResponse(StillLoading());
    json regions = json::array();
    for (const std::string& name : service.Names()) {
      auto model = service.Find(name);
      if (!model->prefix_cache) continue;
      for (const auto& region : model->prefix_cache->cache().Regions()) {
        regions.push_back(RegionJson(region, *model));
      }
    }
    return JsonResponse({{"regions", regions}});
  });

  router.Add("GET", "/kv/stats", [&service](const ApiRequest&) {
    if (!service.loaded()) return ErrorResponse(StillLoading());
    // Each cache's own figures, and their sums (sizes in KiB, so caches
    // of different block sizes add up; a block's size in the totals is
    // null when the caches' differ).
    json per_model = json::object();
    json total = {{"blocks", json::object()}};
    for (const std::string& name : service.Names()) {
      auto model = service.Find(name);
      if (!model->prefix_cache) continue;
      json one = StatsJson(model->prefix_cache->cache().Stats());
      for (const auto& [key, value] : one.items()) {
        if (key == "hit_rate") {
          continue;  // computed from the summed tokens below
        } else if (key == "block_tokens" || key == "block_kb") {
          total[key] =
              !total.contains(key) || total[key] == value ? value : json();
        } else if (key == "blocks") {
          for (const auto& [part, count] : value.items()) {
            total["blocks"][part] =
                total["blocks"].value(part, int64_t{0}) + count.get<int64_t>();
          }
        } else {
          total[key] = total.value(key, int64_t{0}) + value.get<int64_t>();
        }
      }
      per_model[name] = one;
    }
    if (per_model.empty()) {
      return ErrorResponse(Status(ErrorKind::kNotFound, "no_kv_cache",
                                  "no language model with a KV cache is "
                                  "loaded (kv.capacity_mb may be 0)"));
    }
    const double hits = total["hit_tokens"].get<double>();
    const double all = hits + total["miss_tokens"].get<double>();
    total["hit_rate"] = all == 0 ? 0.0 : hits / all;
    json response = total;
    response["models"] = per_model;
    return JsonResponse(response);
  });
}

}  // namespace nymph
