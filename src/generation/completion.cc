#include "generation/completion.h"

#include <algorithm>
#include <chrono>

#include "trace/tracer.h"

namespace nymph {
namespace {

using nlohmann::json;

Status BadType(const std::string& field, const std::string& want) {
  return Status(ErrorKind::kBadRequest, "invalid_request",
                "'" + field + "' must be " + want);
}

Status OutOfRange(const std::string& field, const std::string& want) {
  return Status(ErrorKind::kUnprocessable, "invalid_value",
                "'" + field + "' must be " + want);
}

// OpenAI options this server does not implement: their neutral values
// (which SDKs send by default) pass, anything else is refused rather than
// silently ignored.
Status RefuseUnsupported(const json& body) {
  struct Option {
    const char* name;
    json neutral;
  };
  const Option options[] = {{"n", 1},
                            {"best_of", 1},
                            {"logprobs", nullptr},
                            {"echo", false},
                            {"suffix", nullptr},
                            {"logit_bias", nullptr},
                            {"frequency_penalty", 0},
                            {"presence_penalty", 0}};
  for (const Option& option : options) {
    auto it = body.find(option.name);
    if (it == body.end() || *it == option.neutral) continue;
    if (option.neutral.is_number() && !it->is_number()) {
      return BadType(option.name, "a number");
    }
    if (std::string(option.name) == "logit_bias" && it->is_object() &&
        it->empty()) {
      continue;
    }
    return Status(ErrorKind::kUnprocessable, "unsupported_parameter",
                  "'" + std::string(option.name) +
                      "' is not supported by this server; leave it out or "
                      "send " +
                      option.neutral.dump());
  }
  return Status();
}

// Bytes at the end of `text` that start a UTF-8 character not yet complete.
size_t IncompleteUtf8Tail(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(3, text.size()); ++back) {
    auto byte = static_cast<unsigned char>(text[text.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte
    size_t needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

// Length of the longest suffix of `text` that is a proper prefix of a stop
// sequence: text that may still become a stop and must be held back.
size_t PossibleStopTail(std::string_view text,
                        const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& stop : stops) {
    for (size_t n = std::min(text.size(), stop.size() - 1); n > hold; --n) {
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

}  // namespace

StatusOr<CompletionRequest> ParseCompletionRequest(const json& sent,
                                                   uint64_t default_seed) {
  // OpenAI's clients send options they leave unset as null: an option
  // that is null is an option not given.
  json body = sent;
  for (auto it = body.begin(); it != body.end();) {
    const bool required = it.key() == "model" || it.key() == "prompt";
    it = it->is_null() && !required ? body.erase(it) : std::next(it);
  }
  CompletionRequest request;
  request.sampling.seed = default_seed;
  auto model = body.find("model");
  if (model == body.end() || !model->is_string()) {
    return BadType("model", "a string naming a model from GET /models");
  }
  request.model = model->get<std::string>();
  auto prompt = body.find("prompt");
  if (prompt == body.end() || !prompt->is_string()) {
    return BadType("prompt", "a string");
  }
  request.prompt = prompt->get<std::string>();
  if (request.prompt.empty()) return OutOfRange("prompt", "non-empty");
  if (Status supported = RefuseUnsupported(body); !supported.ok()) {
    return supported;
  }

  if (auto it = body.find("max_tokens"); it != body.end()) {
    if (!it->is_number_integer()) return BadType("max_tokens", "an integer");
    if (it->get<int64_t>() < 1 || it->get<int64_t>() > 1'000'000) {
      return OutOfRange("max_tokens", "at least 1 and within the context");
    }
    request.max_tokens = it->get<int>();
  }
  if (auto it = body.find("temperature"); it != body.end()) {
    if (!it->is_number()) return BadType("temperature", "a number");
    double t = it->get<double>();
    if (t < 0 || t > 2) return OutOfRange("temperature", "from 0 to 2");
    request.sampling.temperature = t;
  }
  if (auto it = body.find("top_p"); it != body.end()) {
    if (!it->is_number()) return BadType("top_p", "a number");
    double p = it->get<double>();
    if (!(p > 0 && p <= 1)) return OutOfRange("top_p", "in (0, 1]");
    request.sampling.top_p = p;
  }
  if (auto it = body.find("top_k"); it != body.end()) {
    if (!it->is_number_integer()) return BadType("top_k", "an integer");
    if (it->get<int64_t>() < 0 || it->get<int64_t>() > 1'000'000) {
      return OutOfRange("top_k", "0 (no limit) or more");
    }
    request.sampling.top_k = it->get<int>();
  }
  if (auto it = body.find("seed"); it != body.end()) {
    if (!it->is_number_unsigned()) {
      return BadType("seed", "an integer from 0 to 2^64 - 1");
    }
    request.sampling.seed = it->get<uint64_t>();
  }
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    json stops = it->is_string() ? json::array({*it}) : *it;
    if (!stops.is_array() || stops.size() > 4) {
      return BadType("stop", "a string or an array of up to 4 strings");
    }
    for (const json& stop : stops) {
      if (!stop.is_string() || stop.get<std::string>().empty()) {
        return BadType("stop", "made of non-empty strings");
      }
      request.stop.push_back(stop.get<std::string>());
    }
  }
  if (auto it = body.find("stream"); it != body.end()) {
    if (!it->is_boolean()) return BadType("stream", "true or false");
    request.stream = it->get<bool>();
  }
  // Usage always comes in a stream's last event, so include_usage has
  // nothing to change; anything else in it would be ignored, so it is
  // refused.
  if (auto it = body.find("stream_options"); it != body.end()) {
    if (!it->is_object()) return BadType("stream_options", "an object");
    for (const auto& [key, value] : it->items()) {
      if (key != "include_usage" || !value.is_boolean()) {
        return BadType("stream_options",
                       "{\"include_usage\": true or false} (usage always "
                       "comes in the last event)");
      }
    }
  }
  if (auto it = body.find("kv_region"); it != body.end()) {
    if (!it->is_string()) return BadType("kv_region", "a region name");
    request.kv_region = it->get<std::string>();
    if (!kv::IsValidRegionName(request.kv_region)) {
      return Status(ErrorKind::kUnprocessable, "invalid_region_name",
                    std::string("kv_region ") + kv::kRegionNameRule);
    }
  }
  return request;
}

StatusOr<std::vector<int32_t>> EncodePrompt(const LanguageModel& model,
                                            const CompletionRequest& request) {
  std::vector<int32_t> prompt = model.tokenizer->Encode(request.prompt);
  if (prompt.size() + request.max_tokens >
      static_cast<size_t>(model.context_length)) {
    return Status(ErrorKind::kUnprocessable, "context_length_exceeded",
                  "the prompt (" + std::to_string(prompt.size()) +
                      " tokens) plus max_tokens (" +
                      std::to_string(request.max_tokens) +
                      ") exceeds the model's context of " +
                      std::to_string(model.context_length) + " tokens");
  }
  return prompt;
}

StatusOr<CompletionResult> Generate(const LanguageModel& model,
                                    const CompletionRequest& request,
                                    const std::vector<int32_t>& prompt,
                                    const TextSink& sink,
                                    const DecodePacer* pacer,
                                    const std::atomic<bool>* cut_short) {
  auto shutting_down = [&](int tokens) {
    return Status(ErrorKind::kUnavailable, "shutting_down",
                  "nymphd is shutting down (its grace, "
                  "server.shutdown_grace_s, has passed or a second signal "
                  "came); the generation was cut short after " +
                      std::to_string(tokens) +
                      " tokens; send it again once "
                      "the agent is back");
  };
  auto cut = [cut_short] {
    return cut_short && cut_short->load(std::memory_order_relaxed);
  };
  if (cut()) return shutting_down(0);
  CompletionResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());

  trace::Tracer& tracer = trace::ProcessTracer();
  const uint64_t track = request.trace_track;
  int64_t cached = 0;
  CausalLm::Sequence sequence;
  {
    trace::ScopedSlice slice(tracer, track, "kv lookup");
    sequence = model.prefix_cache ? model.prefix_cache->Begin(
                                        prompt, request.kv_region, cached)
                                  : model.lm->NewSequence();
  }
  result.cached_tokens = static_cast<int>(cached);
  // The tokens whose KV `sequence` holds, for the cache at the end.
  std::vector<int32_t> fed(prompt);
  auto logits = [&] {
    trace::ScopedSlice slice(tracer, track, "prefill");
    return model.lm->Forward(
        sequence, std::span(prompt).subspan(static_cast<size_t>(cached)));
  }();
  Sampler sampler(request.sampling);
  std::string text;    // everything generated
  size_t emitted = 0;  // bytes of `text` already given to the sink
  result.finish_reason = "length";
  while (logits.ok() && result.completion_tokens < request.max_tokens) {
    if (cut()) return shutting_down(result.completion_tokens);
    int32_t token;
    {
      trace::ScopedSlice slice(tracer, track, "sample");
      token = sampler.Next(*logits);
    }
    result.completion_tokens++;
    text += model.tokenizer->TokenBytes(token);

    size_t final_end = text.size();
    bool stopped = false;
    for (const std::string& stop : request.stop) {
      // Only the new bytes can complete a stop sequence.
      size_t from = emitted > stop.size() ? emitted - stop.size() : 0;
      size_t at = text.find(stop, from);
      if (at != std::string::npos && at < final_end) {
        final_end = at;
        stopped = true;
      }
    }
    if (stopped) {
      text.resize(final_end);
      result.finish_reason = "stop";
      break;
    }
    std::string_view pending(text);
    final_end -= std::max(PossibleStopTail(pending, request.stop),
                          IncompleteUtf8Tail(pending));
    if (final_end > emitted) {
      trace::ScopedSlice slice(tracer, track, "stream");
      if (!sink(pending.substr(emitted, final_end - emitted))) {
        result.finish_reason = "cancelled";
        break;
      }
      emitted = final_end;
    }
    if (result.completion_tokens == request.max_tokens) break;
    const auto step_start = std::chrono::steady_clock::now();
    {
      trace::ScopedSlice slice(tracer, track, "decode");
      logits = model.lm->Forward(sequence, std::span(&token, 1));
    }
    if (logits.ok()) fed.push_back(token);
    if (pacer) pacer->Pause(std::chrono::steady_clock::now() - step_start);
  }
  if (!logits.ok()) return logits.status();
  if (model.prefix_cache) {
    trace::ScopedSlice slice(tracer, track, "kv store");
    model.prefix_cache->Finish(fed, sequence, request.kv_region);
  }
  if (result.finish_reason != "cancelled" && text.size() > emitted) {
    sink(std::string_view(text).substr(emitted));
  }
  result.text = std::move(text);
  return result;
}

}  // namespace nymph
