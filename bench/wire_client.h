// A minimal keep-alive HTTP/1.1 client for latency benchmarks: each request
// leaves in one write, as wrk and most production clients send it, so the
// figures measure the server rather than a client library that writes
// headers and body separately (one extra loopback wake-up per call).
#pragma once

#include <string>

namespace nymph::bench {

class WireClient {
 public:
  // Connects to 127.0.0.1-style numeric IPv4 `host`; throws on failure.
  WireClient(const std::string& host, int port);
  ~WireClient();
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  // Sends `method path` with `body` (JSON) and returns the response body.
  // Throws if the status is not 200 or the connection fails.
  std::string Call(const std::string& method, const std::string& path,
                   const std::string& body = "");

 private:
  int fd_ = -1;
  std::string host_;
  std::string buffer_;  // bytes read past the previous response
};

}  // namespace nymph::bench
