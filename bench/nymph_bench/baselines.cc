#include "baselines.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench_util.h"
#include "raw_decode.h"
#include "stats.h"

namespace nymph::bench {
namespace {

using nlohmann::json;

Status RequestFailed(const StreamRecord& record) {
  return Status(ErrorKind::kUnavailable, "baseline_request",
                "a baseline completion failed (" + record.error +
                    "): " + record.error_detail);
}

}  // namespace

StatusOr<json> MeasureDecodeBaseline(AgentClient& client,
                                     const CompletionShape& shape,
                                     const DecodeBaselineOptions& options) {
  CompletionShape greedy = shape;
  greedy.max_tokens = options.tokens;
  greedy.temperature = 0;
  const json body = CompletionBody(greedy, options.prompt);
  double raw_s = 0, api_s = 0;
  long raw_tokens = 0, api_tokens = 0;
  std::vector<double> raw_prefill, api_ttft;
  try {
    Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "nymph-bench");
    Ort::SessionOptions session_options = DaemonSessionOptions();
    Ort::Session session(env, options.model_file.c_str(), session_options);
    // Warm-up: first runs allocate and fault in pages on both sides.
    RawDecode(session, options.prompt, 4);
    client.StreamCompletion(CompletionBody(greedy, options.prompt));
    for (int run = 0; run < options.runs; ++run) {
      std::fprintf(stderr, "baseline decode: run %d/%d\n", run + 1,
                   options.runs);
      DecodeTiming raw = RawDecode(session, options.prompt, options.tokens);
      raw_prefill.push_back(raw.prefill_s);
      for (double step : raw.step_s) raw_s += step;
      raw_tokens += static_cast<long>(raw.step_s.size());

      StreamRecord api = client.StreamCompletion(body);
      if (!api.ok()) return RequestFailed(api);
      RequestMetrics m = MeasureRequest(api);
      api_ttft.push_back(m.ttft_s);
      api_s += api.token_event_s.back() - api.token_event_s.front();
      api_tokens += m.output_tokens - 1;
    }
  } catch (const Ort::Exception& e) {
    return Status(ErrorKind::kUnavailable, "raw_decode",
                  "ONNX Runtime could not run '" + options.model_file +
                      "': " + e.what() +
                      "; --model-file must be the file the agent serves");
  }
  double raw_rate = raw_tokens / raw_s;
  double api_rate = api_tokens / api_s;
  return json{{"model_file", options.model_file},
              {"prompt_chars", options.prompt.size()},
              {"tokens_per_run", options.tokens},
              {"runs", options.runs},
              {"raw",
               {{"decode_tokens_per_s", raw_rate},
                {"prefill_ms_p50", Percentile(raw_prefill, 50) * 1e3}}},
              {"api",
               {{"decode_tokens_per_s", api_rate},
                {"ttft_ms_p50", Percentile(api_ttft, 50) * 1e3}}},
              {"api_over_raw_decode", api_rate / raw_rate}};
}

StatusOr<json> MeasurePrefixTtft(AgentClient& client,
                                 const CompletionShape& shape,
                                 const PromptSource& prompts,
                                 size_t& next_prompt,
                                 const PrefixTtftOptions& options,
                                 std::string& unavailable) {
  const std::string region = "bench-ttft-prefix";
  const std::string prefix = prompts.Slice(next_prompt++, options.prefix_chars);
  json pin = PinPrefix(client, region, prefix, unavailable);
  if (pin.is_null()) return json(nullptr);
  // One token is enough to time the first; two keep TPOT defined.
  CompletionShape short_shape = shape;
  short_shape.max_tokens = 2;
  std::vector<double> hit_s, miss_s;
  long hit_cached = 0, miss_cached = 0;
  bool cached_reported = false;
  std::fprintf(stderr, "baseline prefix TTFT: %d pairs\n", options.samples);
  const long long run_mark =
      std::chrono::system_clock::now().time_since_epoch().count();
  for (int i = 0; i < options.samples; ++i) {
    std::string suffix = prompts.Slice(next_prompt++, options.suffix_chars);
    std::string fresh = prompts.Slice(next_prompt++, options.prefix_chars);
    // The text may have been sent before (by an earlier scenario or run)
    // and be cached: a mark unique to this sample and run, the sample
    // first so that it differs within the first block, makes the prompt
    // new to the cache from its first token.
    const std::string mark =
        "(" + std::to_string(i) + "." + std::to_string(run_mark) + ") ";
    fresh.replace(0, std::min(mark.size(), fresh.size()), mark);
    StreamRecord hit = client.StreamCompletion(
        CompletionBody(short_shape, prefix + suffix, region));
    StreamRecord miss =
        client.StreamCompletion(CompletionBody(short_shape, fresh + suffix));
    for (const StreamRecord* r : {&hit, &miss}) {
      if (!r->ok()) {
        Unpin(client, region);
        return RequestFailed(*r);
      }
    }
    hit_s.push_back(hit.token_event_s.front());
    miss_s.push_back(miss.token_event_s.front());
    if (hit.cached_tokens || miss.cached_tokens) cached_reported = true;
    hit_cached += hit.cached_tokens.value_or(0);
    miss_cached += miss.cached_tokens.value_or(0);
  }
  Unpin(client, region);
  double hit_p50 = Percentile(hit_s, 50);
  double miss_p50 = Percentile(miss_s, 50);
  auto side = [&](const std::vector<double>& s, long cached) {
    Distribution d = Summarize(s);
    return json{{"ttft_ms_p50", d.p50 * 1e3},
                {"ttft_ms_mean", d.mean * 1e3},
                {"cached_prompt_tokens",
                 cached_reported ? json(cached) : json(nullptr)}};
  };
  return json{{"region", region},
              {"prefix_chars", options.prefix_chars},
              {"suffix_chars", options.suffix_chars},
              {"samples", options.samples},
              {"pin_response", pin},
              {"hit", side(hit_s, hit_cached)},
              {"miss", side(miss_s, miss_cached)},
              {"hit_over_miss_ttft_p50", hit_p50 / miss_p50}};
}

}  // namespace nymph::bench
