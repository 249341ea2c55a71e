// Helpers shared by the benchmark programs.
#pragma once

#include <onnxruntime_cxx_api.h>

#include <nlohmann/json.hpp>
#include <string>

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

// Feeds `size` bytes of a server-sent event stream: appends them to
// `pending` and calls `on_chunk` with the JSON of each complete
// "data: {...}" event, leaving a partial event in `pending`.
template <typename OnChunk>
void ForEachJsonEvent(std::string& pending, const char* data, size_t size,
                      OnChunk on_chunk) {
  pending.append(data, size);
  size_t end;
  while ((end = pending.find("\n\n")) != std::string::npos) {
    std::string event = pending.substr(0, end);
    pending.erase(0, end + 2);
    if (event.rfind("data: {", 0) != 0) continue;
    on_chunk(nlohmann::json::parse(event.substr(6)));
  }
}

}  // namespace nymph::bench
