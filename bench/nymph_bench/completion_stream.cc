#include "completion_stream.h"

#include <nlohmann/json.hpp>

namespace nymph::bench {

using nlohmann::json;

namespace {

std::optional<int> IntAt(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

}  // namespace

void CompletionStreamReader::Fail(std::string kind, std::string detail) {
  if (!record_.error.empty()) return;  // the first failure is the cause
  record_.error = std::move(kind);
  record_.error_detail = std::move(detail);
}

void CompletionStreamReader::OnEvent(const std::string& data, double at_s) {
  if (!record_.error.empty() || done_) return;
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  json chunk = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!chunk.is_object()) {
    Fail("malformed_event",
         "an event is not a JSON object: " + data.substr(0, 200));
    return;
  }
  if (auto error = chunk.find("error"); error != chunk.end()) {
    std::string code = error->value("code", std::string("unknown"));
    Fail("stream_error:" + code, error->value("message", std::string()));
    return;
  }
  auto choices = chunk.find("choices");
  if (choices != chunk.end() && choices->is_array() && !choices->empty() &&
      choices->front().is_object()) {
    auto text = choices->front().find("text");
    if (text != choices->front().end() && text->is_string() &&
        !text->get_ref<const std::string&>().empty()) {
      record_.token_event_s.push_back(at_s);
    }
  }
  auto usage = chunk.find("usage");
  if (usage != chunk.end() && usage->is_object()) {
    record_.prompt_tokens = IntAt(*usage, "prompt_tokens");
    record_.completion_tokens = IntAt(*usage, "completion_tokens");
    auto details = usage->find("prompt_tokens_details");
    if (details != usage->end() && details->is_object()) {
      record_.cached_tokens = IntAt(*details, "cached_tokens");
    }
  }
}

void CompletionStreamReader::OnEnd(double at_s) {
  record_.end_s = at_s;
  if (!record_.error.empty()) return;
  if (!done_) {
    Fail("stream_truncated", "the stream ended without 'data: [DONE]'");
  } else if (record_.token_event_s.empty()) {
    Fail("no_tokens", "the stream finished without any text");
  }
}

}  // namespace nymph::bench
