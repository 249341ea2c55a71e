#include "server/metrics.h"

#include <fmt/format.h>

namespace nymph {

void HttpMetrics::Observe(const std::string& method, const std::string& route,
                          int status, double seconds) {
  std::lock_guard lock(mutex_);
  Series& series = series_[Key{method, route, status}];
  series.count++;
  series.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      series.buckets[i]++;
      break;
    }
  }
}

void HttpMetrics::Render(std::string& out) const {
  std::lock_guard lock(mutex_);
  out +=
      "# HELP nymph_http_requests_total HTTP requests answered, by method, "
      "route and status.\n"
      "# TYPE nymph_http_requests_total counter\n";
  for (const auto& [key, series] : series_) {
    const auto& [method, route, status] = key;
    out += fmt::format(
        "nymph_http_requests_total{{method=\"{}\",route=\"{}\","
        "status=\"{}\"}} {}\n",
        method, route, status, series.count);
  }
  out +=
      "# HELP nymph_http_request_duration_seconds Time from the request's "
      "headers to the end of its response.\n"
      "# TYPE nymph_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : series_) {
    const auto& [method, route, status] = key;
    std::string labels = fmt::format("method=\"{}\",route=\"{}\",status=\"{}\"",
                                     method, route, status);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += series.buckets[i];
      out += fmt::format(
          "nymph_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
          labels, kBuckets[i], cumulative);
    }
    out += fmt::format(
        "nymph_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n"
        "nymph_http_request_duration_seconds_sum{{{}}} {}\n"
        "nymph_http_request_duration_seconds_count{{{}}} {}\n",
        labels, series.count, labels, series.sum, labels, series.count);
  }
  out += fmt::format(
      "# HELP nymph_http_requests_in_flight Requests being handled now.\n"
      "# TYPE nymph_http_requests_in_flight gauge\n"
      "nymph_http_requests_in_flight {}\n",
      in_flight_.load());
}

}  // namespace nymph
