// Server-sent events arriving in arbitrary pieces, and the completion
// chunks they carry.
#include <gtest/gtest.h>

#include "completion_stream.h"
#include "sse_parser.h"

namespace nymph::bench {
namespace {

// Feeds `stream` in pieces of `piece` bytes; returns every event's data.
std::vector<std::string> FeedInPieces(const std::string& stream, size_t piece) {
  SseParser parser;
  std::vector<std::string> all;
  for (size_t at = 0; at < stream.size(); at += piece) {
    for (std::string& event : parser.Feed(stream.substr(at, piece))) {
      all.push_back(std::move(event));
    }
  }
  return all;
}

TEST(SseParser, AnyChunking_YieldsTheSameEvents) {
  const std::string stream =
      "data: {\"a\":1}\n\n: keep-alive comment\n\nevent: x\nid: 7\n"
      "data: two\r\ndata:lines\r\n\r\ndata: [DONE]\r\r";
  const std::vector<std::string> expected = {"{\"a\":1}", "two\nlines",
                                             "[DONE]"};
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    EXPECT_EQ(FeedInPieces(stream, piece), expected) << "piece " << piece;
  }
}

TEST(SseParser, CrLfSplitAcrossPieces_EndsOneLineNotTwo) {
  SseParser parser;
  EXPECT_TRUE(parser.Feed("data: x\r").empty());
  // Were the LF a second line end, that blank line would dispatch "x" on
  // its own and "y" would follow as a second event.
  std::vector<std::string> events = parser.Feed("\ndata: y\r\n\r\n");
  EXPECT_EQ(events, (std::vector<std::string>{"x\ny"}));
}

TEST(SseParser, EventWithoutBlankLine_WaitsForIt) {
  SseParser parser;
  EXPECT_TRUE(parser.Feed("data: z\n").empty());
  EXPECT_EQ(parser.Feed("\n"), (std::vector<std::string>{"z"}));
}

TEST(SseParser, EmptyDataField_IsAnEmptyEvent) {
  SseParser parser;
  EXPECT_EQ(parser.Feed("data:\n\n"), (std::vector<std::string>{""}));
}

// The agent's stream for "max_tokens": 3, split mid-event.
const char* kAgentStream =
    "data: {\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"A\",\"index\":0,"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"nd\",\"index\":0,"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"\",\"index\":0,"
    "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":12,"
    "\"completion_tokens\":3,\"total_tokens\":15,"
    "\"prompt_tokens_details\":{\"cached_tokens\":8}}}\n\n"
    "data: [DONE]\n\n";

TEST(CompletionStreamReader, AgentStream_TokenEventsAndUsage) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  SseParser parser;
  std::string stream = kAgentStream;
  double at = 0;
  for (size_t i = 0; i < stream.size(); i += 37) {
    at += 0.01;
    for (const std::string& event : parser.Feed(stream.substr(i, 37))) {
      reader.OnEvent(event, at);
    }
  }
  reader.OnEnd(at + 0.001);
  EXPECT_TRUE(record.ok()) << record.error << ": " << record.error_detail;
  // Two events carry text; the final one carries only usage.
  EXPECT_EQ(record.token_event_s.size(), 2u);
  EXPECT_EQ(record.completion_tokens, 3);
  EXPECT_EQ(record.prompt_tokens, 12);
  EXPECT_EQ(record.cached_tokens, 8);
  EXPECT_DOUBLE_EQ(record.end_s, at + 0.001);
}

TEST(CompletionStreamReader, ErrorEvent_IsTheRecordsError) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  reader.OnEvent(R"({"choices":[{"text":"x"}]})", 0.1);
  reader.OnEvent(R"({"error":{"code":"internal","message":"boom"}})", 0.2);
  reader.OnEvent("[DONE]", 0.3);
  reader.OnEnd(0.3);
  EXPECT_FALSE(record.ok());
  EXPECT_EQ(record.error, "stream_error:internal");
  EXPECT_EQ(record.error_detail, "boom");
}

TEST(CompletionStreamReader, NoDone_IsTruncated) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  reader.OnEvent(R"({"choices":[{"text":"x"}]})", 0.1);
  reader.OnEnd(0.2);
  EXPECT_EQ(record.error, "stream_truncated");
}

TEST(CompletionStreamReader, NotJson_IsMalformed) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  reader.OnEvent("{\"choices\": [", 0.1);
  reader.OnEnd(0.2);
  EXPECT_EQ(record.error, "malformed_event");
}

TEST(CompletionStreamReader, DoneWithoutText_IsNoTokens) {
  StreamRecord record;
  CompletionStreamReader reader(record);
  reader.OnEvent("[DONE]", 0.1);
  reader.OnEnd(0.1);
  EXPECT_EQ(record.error, "no_tokens");
}

}  // namespace
}  // namespace nymph::bench
