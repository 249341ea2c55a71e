// Helpers shared by the benchmark programs.
#pragma once

#include <onnxruntime_cxx_api.h>

#include "percentile.h"

namespace nymph::bench {

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
