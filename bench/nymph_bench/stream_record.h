// What one streamed completion did, as the client saw it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nymph::bench {

// Times are seconds since the request was sent (the call that writes it
// starts; a new connection's set-up is included, as a client pays it).
struct StreamRecord {
  std::vector<double> token_event_s;  // arrival of each event carrying text
  double end_s = 0;                   // the response's end
  // From the final event's `usage`, when the agent sent one.
  std::optional<int> prompt_tokens;
  std::optional<int> completion_tokens;
  std::optional<int> cached_tokens;  // usage.prompt_tokens_details
  // Empty on success, else a short kind for grouping ("http_429:overloaded",
  // "connection", "stream_error:<code>", ...) and a sentence with details.
  std::string error;
  std::string error_detail;
  // The first attempt found its kept-alive connection closed by the agent
  // and the request went again on a new one (times are the second's).
  bool resent_after_stale_connection = false;

  bool ok() const { return error.empty() && !token_event_s.empty(); }
};

}  // namespace nymph::bench
