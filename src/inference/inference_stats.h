// Per-model inference counts and the time spent inside ONNX Runtime, for
// /metrics. Separating runtime time from request time shows what the agent
// itself adds.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace nymph {

class InferenceStats {
 public:
  void Record(const std::string& model, bool ok, double run_seconds);
  // Appends nymph_inference_runs_total and nymph_inference_run_seconds_*.
  void Render(std::string& out) const;

 private:
  struct PerModel {
    uint64_t ok = 0;
    uint64_t failed = 0;
    double run_seconds = 0;
  };
  mutable std::mutex mutex_;  // guards models_
  std::map<std::string, PerModel> models_;
};

}  // namespace nymph
