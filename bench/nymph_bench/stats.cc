#include "stats.h"

#include <numeric>

namespace nymph::bench {

Distribution Summarize(const std::vector<double>& values) {
  Distribution d;
  if (values.empty()) return d;
  d.count = values.size();
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / d.count;
  d.p50 = Percentile(values, 50);
  d.p90 = Percentile(values, 90);
  d.p99 = Percentile(values, 99);
  return d;
}

RequestMetrics MeasureRequest(const StreamRecord& record) {
  RequestMetrics m;
  const std::vector<double>& events = record.token_event_s;
  m.ttft_s = events.front();
  m.e2e_s = record.end_s;
  for (size_t i = 1; i < events.size(); ++i) {
    m.itl_s.push_back(events[i] - events[i - 1]);
  }
  m.output_tokens =
      record.completion_tokens.value_or(static_cast<int>(events.size()));
  if (m.output_tokens > 1) {
    m.tpot_s = (m.e2e_s - m.ttft_s) / (m.output_tokens - 1);
  }
  return m;
}

}  // namespace nymph::bench
