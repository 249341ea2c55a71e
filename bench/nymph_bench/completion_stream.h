// Turns the events of a streamed /v1/completions response (OpenAI's
// shape: `data: {json}` chunks, then `data: [DONE]`) into a StreamRecord.
#pragma once

#include <string>

#include "stream_record.h"

namespace nymph::bench {

// Not thread-safe; one per response.
class CompletionStreamReader {
 public:
  // `record` must outlive the reader; its fields are filled as events come.
  explicit CompletionStreamReader(StreamRecord& record) : record_(record) {}

  // One event's data, arrived `at_s` seconds after the request was sent.
  // An event with non-empty choices[0].text is a token event (it may carry
  // several tokens when the agent held text back for a stop sequence);
  // `usage` is read from whichever event carries it; an `error` event or
  // unparsable JSON makes the record an error.
  void OnEvent(const std::string& data, double at_s);

  // The response is complete after `at_s` seconds. A stream without
  // `[DONE]` is an error ("stream_truncated"), and so is one that finished
  // without a single token ("no_tokens").
  void OnEnd(double at_s);

 private:
  void Fail(std::string kind, std::string detail);

  StreamRecord& record_;
  bool done_ = false;
};

}  // namespace nymph::bench
