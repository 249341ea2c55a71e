#include "scenario_runner.h"

#include <map>

#include "agent_probes.h"
#include "stats.h"

namespace nymph::bench {
namespace {

using nlohmann::json;

json Milliseconds(const std::vector<double>& seconds) {
  std::vector<double> ms;
  ms.reserve(seconds.size());
  for (double s : seconds) ms.push_back(s * 1e3);
  Distribution d = Summarize(ms);
  if (d.count == 0) return nullptr;
  return {{"count", d.count},
          {"mean", d.mean},
          {"p50", d.p50},
          {"p90", d.p90},
          {"p99", d.p99}};
}

}  // namespace

json DescribeLoad(const LoadResult& result, bool streamed) {
  std::vector<double> ttft, tpot, itl, e2e;
  std::map<std::string, int> errors;
  std::map<std::string, std::string> examples;  // the first detail per kind
  long output_tokens = 0;
  long prompt_tokens = 0;
  long cached_tokens = 0;
  bool any_prompt_tokens = false, any_cached = false;
  int completed = 0;
  int resent = 0;
  for (const StreamRecord& record : result.records) {
    if (record.resent_after_stale_connection) ++resent;
    if (!record.ok()) {
      ++errors[record.error];
      examples.emplace(record.error, record.error_detail);
      continue;
    }
    ++completed;
    RequestMetrics m = MeasureRequest(record);
    ttft.push_back(m.ttft_s);
    e2e.push_back(m.e2e_s);
    if (m.tpot_s) tpot.push_back(*m.tpot_s);
    itl.insert(itl.end(), m.itl_s.begin(), m.itl_s.end());
    output_tokens += m.output_tokens;
    if (record.prompt_tokens) {
      any_prompt_tokens = true;
      prompt_tokens += *record.prompt_tokens;
    }
    if (record.cached_tokens) {
      any_cached = true;
      cached_tokens += *record.cached_tokens;
    }
  }
  int failed = static_cast<int>(result.records.size()) - completed;
  double seconds = result.duration_s;
  return {{"requests", result.records.size()},
          {"completed", completed},
          {"errors",
           {{"total", failed}, {"by_kind", errors}, {"examples", examples}}},
          {"duration_s", seconds},
          {"ttft_ms", streamed ? Milliseconds(ttft) : json(nullptr)},
          {"tpot_ms", streamed ? Milliseconds(tpot) : json(nullptr)},
          {"itl_ms", streamed ? Milliseconds(itl) : json(nullptr)},
          {"e2e_ms", Milliseconds(e2e)},
          {"output_tokens", output_tokens},
          {"prompt_tokens", any_prompt_tokens ? json(prompt_tokens) : nullptr},
          {"cached_prompt_tokens", any_cached ? json(cached_tokens) : nullptr},
          {"request_throughput_per_s", seconds > 0 ? completed / seconds : 0.0},
          {"output_token_throughput_per_s",
           seconds > 0 ? output_tokens / seconds : 0.0},
          {"send_lag_ms", Milliseconds(result.send_lag_s)},
          {"connections", result.connections},
          {"resent_after_stale_connection", resent}};
}

json RunScenario(const ScenarioSpec& spec, const ScenarioSettings& s) {
  AgentClient control(s.endpoint);
  json unavailable = json::object();
  json pin = nullptr;
  std::string region;
  std::string prefix;
  if (spec.prompts == PromptKind::kSharedPrefix) {
    prefix = s.prompts->Slice((*s.next_prompt)++, s.prefix_chars);
    std::string why;
    pin = PinPrefix(control, "bench-shared-prefix", prefix, why);
    if (pin.is_null()) {
      // The prompts still share the prefix; only the binding is dropped,
      // since a completion naming a region that does not exist would fail.
      unavailable["pin"] = why;
    } else {
      region = "bench-shared-prefix";
    }
  }
  const bool infer = spec.prompts == PromptKind::kInfer;
  auto make_request = [&] {
    if (infer) return s.infer_body;
    size_t index = (*s.next_prompt)++;
    std::string prompt = spec.prompts == PromptKind::kSharedPrefix
                             ? prefix + s.prompts->Slice(index, s.suffix_chars)
                             : s.prompts->Slice(index, s.prompt_chars);
    return CompletionBody(s.shape, prompt, region);
  };
  LoadPlan plan{spec.arrival, spec.clients,      spec.rate_per_s,
                s.seed,       s.duration_s,      s.requests,
                s.warmup,     s.max_connections, infer};
  LoadRunner runner(s.endpoint, plan, make_request, spec.name);
  runner.Warmup();

  RouteReading kv_before = ReadRoute(control, "/kv/stats");
  ThermalSampler thermal(s.endpoint);
  thermal.Start();
  LoadResult load = runner.Measure();
  std::string thermal_why;
  json thermal_summary = thermal.Stop(thermal_why);
  RouteReading kv_after = ReadRoute(control, "/kv/stats");
  if (!region.empty()) Unpin(control, region);

  json scenario = {
      {"name", spec.name},
      {"arrival", ArrivalName(spec.arrival)},
      {"clients", spec.arrival == Arrival::kClosedLoop ? json(spec.clients)
                                                       : json(nullptr)},
      {"rate_per_s", spec.arrival == Arrival::kPoisson ? json(spec.rate_per_s)
                                                       : json(nullptr)},
      {"prompts", PromptKindName(spec.prompts)},
      {"pinned_region", region.empty() ? json(nullptr)
                                       : json{{"name", region},
                                              {"prefix_chars", prefix.size()},
                                              {"response", pin}}}};
  scenario.update(DescribeLoad(load, /*streamed=*/!infer));
  scenario["kv"] = nullptr;
  if (kv_before.body && kv_after.body) {
    scenario["kv"] = KvDelta(*kv_before.body, *kv_after.body);
  } else {
    unavailable["kv"] =
        kv_before.body ? kv_after.unavailable : kv_before.unavailable;
  }
  scenario["thermal"] = thermal_summary;
  if (thermal_summary.is_null()) unavailable["thermal"] = thermal_why;
  scenario["unavailable"] = unavailable;
  return scenario;
}

}  // namespace nymph::bench
