// Sends a scenario's requests to the agent, closed-loop or with Poisson
// arrivals, each stream on its own keep-alive connection and thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent_client.h"
#include "scenario_spec.h"
#include "stream_record.h"

namespace nymph::bench {

struct LoadPlan {
  Arrival arrival = Arrival::kClosedLoop;
  int clients = 1;           // closed loop: streams in flight
  double rate_per_s = 0;     // Poisson: mean arrivals per second
  uint64_t seed = 0;         // Poisson: the arrival times
  double duration_s = 0;     // stop sending after this long (0: no limit)
  int requests = 0;          // stop after this many (0: no limit)
  int warmup = 0;            // requests sent first and not measured
  int max_connections = 64;  // Poisson: streams in flight at most
  bool infer = false;        // bodies are for POST /infer, not completions
};

// The next request's body (a streamed completion, or an /infer request
// when the plan says so), warm-up included;
// called from the thread that calls Warmup() and Measure(), in sending order.
using RequestMaker = std::function<nlohmann::json()>;

struct LoadResult {
  std::vector<StreamRecord> records;  // measured requests, in sending order
  double duration_s = 0;  // first measured send -> last measured end
  // Poisson only: how late requests left against their schedule (all
  // connections busy, or the machine too slow to keep up); a large lag
  // means the arrivals were not the requested ones.
  std::vector<double> send_lag_s;
  int connections = 0;  // opened over the run
};

// REQUIRES: plan.duration_s > 0 or plan.requests > 0. Warmup() then
// Measure(), each once, from one thread. Prints progress to stderr.
class LoadRunner {
 public:
  LoadRunner(Endpoint endpoint, LoadPlan plan, RequestMaker make_request,
             std::string label);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  void Warmup();
  LoadResult Measure();

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    nlohmann::json body;
    size_t index = 0;
    bool measured = false;
    Clock::time_point scheduled;
  };
  class Connection;

  // Waits for an idle connection, opening one while fewer than `cap` are.
  Connection* Acquire(int cap);
  void Start(Connection* connection, Job job);
  void Finished(Connection* connection, const Job& job, Clock::time_point sent,
                StreamRecord record);
  void WaitIdle();
  std::string ProgressLine(double elapsed_s) const;

  const Endpoint endpoint_;
  const LoadPlan plan_;
  const RequestMaker make_request_;
  const std::string label_;
  size_t next_index_ = 0;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::vector<std::pair<size_t, StreamRecord>> measured_;
  std::vector<double> send_lag_s_;
  Clock::time_point last_end_;
  int in_flight_ = 0;
  int completed_ = 0;
  int failed_ = 0;
  long output_tokens_ = 0;
};

}  // namespace nymph::bench
