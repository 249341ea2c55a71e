// Incremental parser of a server-sent event stream (the WHATWG
// "text/event-stream" format): bytes arrive in arbitrary pieces, events
// come out whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nymph::bench {

// Only the `data` field matters to a completion client: `event`, `id`,
// `retry` and comment lines are read and dropped. Lines may end in LF, CR
// or CRLF, even when a CRLF is split between two pieces. Not thread-safe.
class SseParser {
 public:
  // Consumes `bytes` and returns the data of each event they complete, in
  // order (several `data` lines of one event are joined with LF).
  std::vector<std::string> Feed(std::string_view bytes);

 private:
  void EndLine(std::vector<std::string>& events);

  std::string line_;          // the current line, not yet ended
  std::string data_;          // data lines of the current event, each + LF
  bool last_was_cr_ = false;  // a LF right after it ends no new line
};

}  // namespace nymph::bench
