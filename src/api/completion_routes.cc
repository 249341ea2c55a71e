#include <chrono>
#include <optional>
#include <random>

#include "api/json_body.h"
#include "api/routes.h"
#include "generation/completion.h"
#include "generation/generation_service.h"
#include "server/api_error.h"
#include "trace/tracer.h"

namespace nymph {
namespace {

using nlohmann::json;

json Choice(std::string_view text, const json& finish_reason) {
  return {{"text", text},
          {"index", 0},
          {"logprobs", nullptr},
          {"finish_reason", finish_reason}};
}

json Usage(const CompletionResult& result) {
  return {{"prompt_tokens", result.prompt_tokens},
          {"completion_tokens", result.completion_tokens},
          {"total_tokens", result.prompt_tokens + result.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", result.cached_tokens}}}};
}

// The fields every response and stream chunk carries.
json Envelope(const ApiRequest& http, const std::string& model) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return {{"id", "cmpl-" + http.request_id},
          {"object", "text_completion"},
          {"created",
           std::chrono::duration_cast<std::chrono::seconds>(now).count()},
          {"model", model}};
}

ApiResponse Streamed(const ApiRequest& http, GenerationService& service,
                     std::shared_ptr<const LanguageModel> model,
                     CompletionRequest request, std::vector<int32_t> prompt,
                     std::shared_ptr<AdmissionGate::Ticket> ticket) {
  ApiResponse response;
  response.content_type = "text/event-stream";
  response.headers["Cache-Control"] = "no-cache";
  json envelope = Envelope(http, model->name);
  response.stream = [&service, model, request, prompt, ticket,
                     envelope](const ChunkWriter& write) {
    auto event = [&](json chunk) {
      return write("data: " + DumpJson(chunk) + "\n\n");
    };
    // Every token's event is the same but for its text: render the rest
    // once, so the per-token cost is one escape and one write.
    json templ = envelope;
    templ["choices"] = json::array({Choice("\x01", nullptr)});
    std::string rendered = "data: " + DumpJson(templ) + "\n\n";
    size_t hole = rendered.find("\\u0001");
    const std::string head = rendered.substr(0, hole);
    const std::string tail = rendered.substr(hole + 6);
    ticket->Wait();
    auto result = Generate(
        *model, request, prompt,
        [&](std::string_view text) {
          std::string escaped = DumpJson(std::string(text));
          return write(head + escaped.substr(1, escaped.size() - 2) + tail);
        },
        &service.pacer(), &service.cut_short());
    if (!result.ok()) {
      // Headers are gone already; the error travels as an event.
      event({{"error",
              {{"code", result.status().code()},
               {"message", result.status().message()}}}});
      write("data: [DONE]\n\n");
      return;
    }
    service.CountFinished(result->prompt_tokens, result->completion_tokens,
                          result->finish_reason);
    if (result->finish_reason == "cancelled") return;
    json last = envelope;
    last["choices"] = json::array({Choice("", result->finish_reason)});
    last["usage"] = Usage(*result);
    event(last);
    write("data: [DONE]\n\n");
  };
  return response;
}

}  // namespace

void AddCompletionRoutes(Router& router, const ApiContext& context) {
  router.Add("POST", "/v1/completions", [context](const ApiRequest& http) {
    // Ends before the request waits or generates; early returns end it too.
    std::optional<trace::ScopedSlice> parsing;
    parsing.emplace(trace::ProcessTracer(), http.trace_track, "parse");
    auto body = ParseJsonObject(http.body);
    if (!body.ok()) return ErrorResponse(body.status());
    // A misspelt option ("max_token") would otherwise run on its default.
    // OpenAI's options this server lacks are known and answered by the
    // parser (neutral values pass); `user` is the caller's label, unused.
    Status known = RefuseUnknownFields(*body, {"model",
                                               "prompt",
                                               "max_tokens",
                                               "temperature",
                                               "top_p",
                                               "top_k",
                                               "seed",
                                               "stop",
                                               "stream",
                                               "kv_region",
                                               "n",
                                               "best_of",
                                               "logprobs",
                                               "echo",
                                               "suffix",
                                               "logit_bias",
                                               "frequency_penalty",
                                               "presence_penalty",
                                               "user",
                                               "stream_options"});
    if (!known.ok()) return ErrorResponse(known);
    static thread_local std::mt19937_64 seeds{std::random_device{}()};
    auto request = ParseCompletionRequest(*body, seeds());
    if (!request.ok()) return ErrorResponse(request.status());
    GenerationService& service = context.generation;
    auto model = service.Find(request->model);
    if (!model && !service.loaded()) return ErrorResponse(StillLoading());
    if (!model) {
      std::string names;
      for (const auto& name : service.Names()) {
        names += (names.empty() ? "" : ", ") + name;
      }
      return ErrorResponse(
          Status(ErrorKind::kNotFound, "model_not_found",
                 "no language model named '" + request->model +
                     "'; available: " + (names.empty() ? "none" : names)));
    }
    // Encoded once, and checked against the context while a status can
    // still be answered (a stream has sent its 200 by the time it runs).
    request->trace_track = http.trace_track;
    auto prompt = EncodePrompt(*model, *request);
    if (!prompt.ok()) return ErrorResponse(prompt.status());
    if (!request->kv_region.empty()) {
      if (!model->prefix_cache) {
        return ErrorResponse(Status(
            ErrorKind::kNotFound, "region_not_found",
            "kv_region given but the model has no KV cache (kv.capacity_mb)"));
      }
      Status region =
          model->prefix_cache->cache().CheckRegion(request->kv_region);
      if (!region.ok()) return ErrorResponse(region);
    }
    parsing.reset();
    std::shared_ptr<AdmissionGate::Ticket> ticket = service.gate().TryEnter();
    if (!ticket) {
      // From how long generations have held their slots; before any has
      // finished there is no figure, and 1 s is the shortest hint.
      const std::optional<int> measured = service.gate().RetryAfterSeconds();
      const int retry_s = measured.value_or(1);
      ApiResponse busy = ErrorResponse(
          Status(ErrorKind::kOverloaded, "overloaded",
                 "too many generations are running or queued; retry in about " +
                     std::to_string(retry_s) + " s" +
                     (measured ? " (when a place is expected to free)" : "")));
      busy.headers["Retry-After"] = std::to_string(retry_s);
      return busy;
    }
    if (request->stream) {
      return Streamed(http, service, model, std::move(*request),
                      std::move(*prompt), ticket);
    }
    ticket->Wait();
    auto result = Generate(
        *model, *request, *prompt, [](std::string_view) { return true; },
        &service.pacer(), &service.cut_short());
    if (!result.ok()) return ErrorResponse(result.status());
    service.CountFinished(result->prompt_tokens, result->completion_tokens,
                          result->finish_reason);
    json response = Envelope(http, model->name);
    response["choices"] =
        json::array({Choice(result->text, result->finish_reason)});
    response["usage"] = Usage(*result);
    return JsonResponse(response);
  });
}

}  // namespace nymph
