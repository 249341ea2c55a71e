// What the agent says about itself around a scenario: KV cache counters
// (GET /kv/stats) before and after, and the thermal state (GET
// /thermal/status) sampled once a second. A route the agent does not have
// (404) yields no figures and the reason, never an estimate.
#pragma once

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent_client.h"

namespace nymph::bench {

// A route's JSON body, or why there is none.
struct RouteReading {
  std::optional<nlohmann::json> body;
  std::string unavailable;  // set when body is empty
};
RouteReading ReadRoute(AgentClient& client, const std::string& path);

// The scenario's share of the KV counters: hit_tokens, miss_tokens and
// evictions as differences, hit_rate = Δhit / (Δhit + Δmiss) (null when no
// prompt token was looked up), and used/pinned/capacity as read after.
nlohmann::json KvDelta(const nlohmann::json& before,
                       const nlohmann::json& after);

// Over samples of /thermal/status: the hottest zone (any zone but
// "ambient"), ΔT (the sample's delta_t_c), fan duty (0..1) and whether any
// sample was in failsafe. Readings that are absent or not numbers (a
// faulted sensor) are skipped, and each figure says how many it used.
nlohmann::json SummarizeThermal(const std::vector<nlohmann::json>& samples);

// Samples /thermal/status once a second on its own connection from Start()
// until Stop(). Methods from one thread.
class ThermalSampler {
 public:
  explicit ThermalSampler(const Endpoint& endpoint);
  ~ThermalSampler();
  ThermalSampler(const ThermalSampler&) = delete;
  ThermalSampler& operator=(const ThermalSampler&) = delete;

  void Start();
  // The summary, or null with `unavailable` set when the route is missing
  // or no sample could be read.
  nlohmann::json Stop(std::string& unavailable);

 private:
  void Sample();

  AgentClient client_;
  std::mutex mutex_;  // guards everything below
  std::condition_variable stop_signal_;
  bool stop_ = false;
  std::vector<nlohmann::json> samples_;
  std::string unavailable_;
  int failed_samples_ = 0;
  std::thread thread_;
};

}  // namespace nymph::bench
