// Helpers shared by the benchmark programs.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nymph::bench {

// Nearest rank: the smallest value with at least p% of values at or below.
inline double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  return values[std::max<size_t>(rank, 1) - 1];
}

// Session options equal to the daemon's defaults, so in-process baselines
// run the model exactly as the agent does.
inline Ort::SessionOptions DaemonSessionOptions() {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(1);
  options.SetInterOpNumThreads(1);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

}  // namespace nymph::bench
