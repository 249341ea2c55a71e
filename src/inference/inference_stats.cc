#include "inference/inference_stats.h"

#include <fmt/format.h>

namespace nymph {

void InferenceStats::Record(const std::string& model, bool ok,
                            double run_seconds) {
  std::lock_guard lock(mutex_);
  PerModel& stats = models_[model];
  (ok ? stats.ok : stats.failed)++;
  stats.run_seconds += run_seconds;
}

void InferenceStats::Render(std::string& out) const {
  std::lock_guard lock(mutex_);
  out +=
      "# HELP nymph_inference_runs_total Model runs through ONNX Runtime, by "
      "model and result.\n"
      "# TYPE nymph_inference_runs_total counter\n";
  for (const auto& [model, stats] : models_) {
    out += fmt::format(
        "nymph_inference_runs_total{{model=\"{0}\",result=\"ok\"}} {1}\n"
        "nymph_inference_runs_total{{model=\"{0}\",result=\"error\"}} {2}\n",
        model, stats.ok, stats.failed);
  }
  out +=
      "# HELP nymph_inference_run_seconds_total Time spent inside ONNX "
      "Runtime, by model.\n"
      "# TYPE nymph_inference_run_seconds_total counter\n";
  for (const auto& [model, stats] : models_) {
    out += fmt::format("nymph_inference_run_seconds_total{{model=\"{}\"}} {}\n",
                       model, stats.run_seconds);
  }
}

}  // namespace nymph
