// Request counts and latency histograms by method, route and status, in the
// Prometheus text exposition format.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace nymph {

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   5.0};

  // `route` is the matched pattern ("/models/{name}"), never the raw path,
  // so that hostile paths cannot grow the label set.
  void Observe(const std::string& method, const std::string& route, int status,
               double seconds);
  void AddInFlight(int delta) { in_flight_ += delta; }

  // Appends nymph_http_requests_total, nymph_http_request_duration_seconds
  // and nymph_http_requests_in_flight.
  void Render(std::string& out) const;

 private:
  using Key = std::tuple<std::string, std::string, int>;
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative
  };

  std::atomic<int> in_flight_{0};
  mutable std::mutex mutex_;  // guards series_
  std::map<Key, Series> series_;
};

}  // namespace nymph
