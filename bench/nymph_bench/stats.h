// Latency statistics of a benchmark scenario, with the definitions that
// vLLM's `bench serve` uses, computed from what each stream recorded.
#pragma once

#include <optional>
#include <vector>

#include "percentile.h"
#include "stream_record.h"

namespace nymph::bench {

// Mean and percentiles of one quantity; all zero (count 0) when empty.
struct Distribution {
  size_t count = 0;
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
};
Distribution Summarize(const std::vector<double>& values);

// One successful request's latencies, in seconds.
struct RequestMetrics {
  double ttft_s = 0;  // request sent -> first event carrying text
  double e2e_s = 0;   // request sent -> end of the stream
  // (e2e - ttft) / (output_tokens - 1); none for a single output token.
  std::optional<double> tpot_s;
  // Gaps between consecutive events carrying text: one gap per event, so
  // tokens that arrive together in one event add no gap of their own.
  std::vector<double> itl_s;
  // usage.completion_tokens when the stream reported it, else the number of
  // events carrying text (one token each in the agent's normal stream).
  int output_tokens = 0;
};

// REQUIRES: record.ok() (no error and at least one event carrying text).
RequestMetrics MeasureRequest(const StreamRecord& record);

}  // namespace nymph::bench
