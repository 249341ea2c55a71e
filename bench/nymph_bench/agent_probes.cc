#include "agent_probes.h"

#include <algorithm>
#include <chrono>

namespace nymph::bench {

using nlohmann::json;

RouteReading ReadRoute(AgentClient& client, const std::string& path) {
  auto reply = client.Get(path);
  if (!reply.ok()) return {std::nullopt, reply.status().message()};
  if (reply->status == 404) {
    return {std::nullopt, "GET " + path + " answered 404: " +
                              reply->body.dump().substr(0, 200)};
  }
  if (reply->status != 200 || !reply->body.is_object()) {
    return {std::nullopt, "GET " + path + " answered " +
                              std::to_string(reply->status) + ": " +
                              reply->body.dump().substr(0, 200)};
  }
  return {reply->body, ""};
}

namespace {

std::optional<double> NumberAt(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

json Difference(const json& before, const json& after, const char* key) {
  auto a = NumberAt(before, key);
  auto b = NumberAt(after, key);
  if (!a || !b) return nullptr;
  return *b - *a;
}

json OrNull(std::optional<double> value) {
  return value ? json(*value) : json(nullptr);
}

// Running max and mean of one figure.
struct Tally {
  int count = 0;
  double sum = 0;
  double max = 0;
  void Add(double value) {
    max = count == 0 ? value : std::max(max, value);
    sum += value;
    ++count;
  }
  json Max() const { return count ? json(max) : json(nullptr); }
  json Mean() const { return count ? json(sum / count) : json(nullptr); }
};

}  // namespace

json KvDelta(const json& before, const json& after) {
  json delta = {{"hit_tokens", Difference(before, after, "hit_tokens")},
                {"miss_tokens", Difference(before, after, "miss_tokens")},
                {"evictions", Difference(before, after, "evictions")},
                {"hit_rate", nullptr},
                {"capacity_kb", OrNull(NumberAt(after, "capacity_kb"))},
                {"used_kb_after", OrNull(NumberAt(after, "used_kb"))},
                {"pinned_kb_after", OrNull(NumberAt(after, "pinned_kb"))}};
  if (delta["hit_tokens"].is_number() && delta["miss_tokens"].is_number()) {
    double hit = delta["hit_tokens"].get<double>();
    double looked_up = hit + delta["miss_tokens"].get<double>();
    if (looked_up > 0) delta["hit_rate"] = hit / looked_up;
  }
  return delta;
}

json SummarizeThermal(const std::vector<json>& samples) {
  Tally hottest, delta_t, fan_duty;
  std::string hottest_zone;
  bool failsafe = false;
  std::vector<std::string> policies;
  for (const json& sample : samples) {
    const json* zones = nullptr;
    if (sample.contains("readings") && sample["readings"].is_object() &&
        sample["readings"].contains("zones")) {
      zones = &sample["readings"]["zones"];
    }
    if (zones && zones->is_object()) {
      std::optional<std::pair<std::string, double>> top;
      for (const auto& [zone, value] : zones->items()) {
        if (zone == "ambient" || !value.is_number()) continue;
        if (!top || value.get<double>() > top->second) {
          top = {zone, value.get<double>()};
        }
      }
      if (top) {
        if (hottest.count == 0 || top->second > hottest.max) {
          hottest_zone = top->first;
        }
        hottest.Add(top->second);
      }
    }
    if (auto dt = NumberAt(sample, "delta_t_c")) delta_t.Add(*dt);
    if (sample.contains("readings") && sample["readings"].is_object() &&
        sample["readings"].contains("fan")) {
      if (auto duty = NumberAt(sample["readings"]["fan"], "duty")) {
        fan_duty.Add(*duty);
      }
    }
    if (sample.contains("failsafe") && sample["failsafe"].is_object() &&
        sample["failsafe"].contains("active") &&
        sample["failsafe"]["active"] == true) {
      failsafe = true;
    }
    if (sample.contains("policy") && sample["policy"].is_string()) {
      std::string policy = sample["policy"];
      if (std::find(policies.begin(), policies.end(), policy) ==
          policies.end()) {
        policies.push_back(policy);
      }
    }
  }
  return {{"samples", samples.size()},
          {"max_hottest_zone_c", hottest.Max()},
          {"hottest_zone", hottest.count ? json(hottest_zone) : json(nullptr)},
          {"max_delta_t_c", delta_t.Max()},
          {"mean_delta_t_c", delta_t.Mean()},
          {"delta_t_samples", delta_t.count},
          {"mean_fan_duty", fan_duty.Mean()},
          {"fan_duty_samples", fan_duty.count},
          {"failsafe_seen", failsafe},
          {"policies", policies}};
}

ThermalSampler::ThermalSampler(const Endpoint& endpoint) : client_(endpoint) {}

ThermalSampler::~ThermalSampler() {
  if (thread_.joinable()) {
    std::string ignored;
    Stop(ignored);
  }
}

void ThermalSampler::Start() {
  thread_ = std::thread([this] {
    auto next = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stop_ && unavailable_.empty()) {
      lock.unlock();
      Sample();
      lock.lock();
      next += std::chrono::seconds(1);
      stop_signal_.wait_until(lock, next, [this] { return stop_; });
    }
  });
}

void ThermalSampler::Sample() {
  auto reply = client_.Get("/thermal/status");
  std::lock_guard lock(mutex_);
  if (reply.ok() && reply->status == 404) {
    // Not a transient failure: this agent has no thermal route at all.
    unavailable_ =
        "GET /thermal/status answered 404: this agent has no such route";
  } else if (reply.ok() && reply->status == 200 && reply->body.is_object()) {
    samples_.push_back(std::move(reply->body));
  } else {
    ++failed_samples_;
  }
}

json ThermalSampler::Stop(std::string& unavailable) {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_signal_.notify_all();
  thread_.join();
  if (!unavailable_.empty()) {
    unavailable = unavailable_;
    return nullptr;
  }
  if (samples_.empty()) {
    unavailable = "no GET /thermal/status sample succeeded (" +
                  std::to_string(failed_samples_) + " failed)";
    return nullptr;
  }
  json summary = SummarizeThermal(samples_);
  summary["failed_samples"] = failed_samples_;
  return summary;
}

}  // namespace nymph::bench
