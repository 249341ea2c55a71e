#include "sse_parser.h"

namespace nymph::bench {

std::vector<std::string> SseParser::Feed(std::string_view bytes) {
  std::vector<std::string> events;
  for (char c : bytes) {
    bool was_cr = last_was_cr_;
    last_was_cr_ = c == '\r';
    if (c == '\n' && was_cr) continue;  // the CR ended this line already
    if (c == '\r' || c == '\n') {
      EndLine(events);
    } else {
      line_ += c;
    }
  }
  return events;
}

void SseParser::EndLine(std::vector<std::string>& events) {
  if (line_.empty()) {  // a blank line dispatches the event
    if (!data_.empty()) {
      data_.pop_back();  // the LF after the last data line
      events.push_back(std::move(data_));
    }
    data_.clear();
    return;
  }
  if (line_[0] != ':') {  // a colon first marks a comment
    size_t colon = line_.find(':');
    std::string_view field = std::string_view(line_).substr(0, colon);
    std::string_view value;
    if (colon != std::string::npos) {
      value = std::string_view(line_).substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      data_.append(value);
      data_ += '\n';
    }
  }
  line_.clear();
}

}  // namespace nymph::bench
