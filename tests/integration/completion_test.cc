// /v1/completions end to end on the bundled language model.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "support/daemon.h"
#include "support/http.h"
#include "support/raw_socket.h"

namespace nymph::testing {
namespace {

using nlohmann::json;

class CompletionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string config = TestTempDir() + "/generation.toml";
    std::ofstream(config) << "[generation]\nmax_active = 1\nmax_queued = 1\n";
    daemon_ =
        new Daemon({BundledModelsDir(), false, {"--config", config}, {}, ""});
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
    delete daemon_;
  }

  static Reply Complete(json fields) {
    fields["model"] = "kjv-gqa";
    auto client = daemon_->Client();
    return PostJson(*client, "/v1/completions", fields);
  }
  static std::string Text(const Reply& reply) {
    return reply.body.at("choices")[0].at("text");
  }
  // Data lines of an SSE body, in order.
  static std::vector<std::string> Events(const std::string& body) {
    std::vector<std::string> events;
    std::regex line("data: ([^\n]*)\n\n");
    for (std::sregex_iterator it(body.begin(), body.end(), line), end;
         it != end; ++it) {
      events.push_back((*it)[1]);
    }
    return events;
  }
  static int MetricValue(const std::string& series) {
    auto client = daemon_->Client();
    Reply reply = Send(*client, "GET", "/metrics");
    EXPECT_EQ(reply.status, 200) << daemon_->log();
    const std::string& text = reply.text;
    // At a line start, so that "# HELP <name> ..." lines do not match.
    size_t at = text.find("\n" + series + " ");
    return at == std::string::npos
               ? -1
               : std::stoi(text.substr(at + series.size() + 2));
  }

  static Daemon* daemon_;
};

Daemon* CompletionTest::daemon_ = nullptr;

TEST_F(CompletionTest, Greedy_HasOpenAiShapeAndUsage) {
  Reply reply = Complete(
      {{"prompt", "And God said"}, {"max_tokens", 24}, {"temperature", 0}});
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["object"], "text_completion");
  EXPECT_EQ(reply.body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(reply.body["usage"]["prompt_tokens"], 12);  // bytes
  EXPECT_EQ(reply.body["usage"]["completion_tokens"], 24);
  EXPECT_EQ(Text(reply).size(), 24u);
}

TEST_F(CompletionTest, Seeds_ReproduceAndDiffer_TopKOneIsGreedy) {
  json sampled = {{"prompt", "In the beginning"},
                  {"max_tokens", 32},
                  {"temperature", 1.0},
                  {"seed", 11}};
  std::string a = Text(Complete(sampled));
  EXPECT_EQ(Text(Complete(sampled)), a);
  sampled["seed"] = 12;
  EXPECT_NE(Text(Complete(sampled)), a);
  json greedy = {
      {"prompt", "In the beginning"}, {"max_tokens", 32}, {"temperature", 0}};
  sampled["top_k"] = 1;
  EXPECT_EQ(Text(Complete(sampled)), Text(Complete(greedy)));
}

TEST_F(CompletionTest, ConcurrentRequests_EachGetTheirOwnSequence) {
  // Answers computed one at a time first, then the same requests at once
  // (more than max_active + max_queued would 429, so two at a time).
  std::vector<json> requests;
  std::vector<std::string> alone;
  for (int seed = 0; seed < 4; ++seed) {
    requests.push_back({{"prompt", seed % 2 ? "And God said" : "Jesus wept"},
                        {"max_tokens", 40},
                        {"temperature", 0.9},
                        {"seed", seed}});
    alone.push_back(Text(Complete(requests.back())));
  }
  for (int pair = 0; pair < 2; ++pair) {
    std::string together[2];
    std::thread a([&] { together[0] = Text(Complete(requests[2 * pair])); });
    std::thread b(
        [&] { together[1] = Text(Complete(requests[2 * pair + 1])); });
    a.join();
    b.join();
    EXPECT_EQ(together[0], alone[2 * pair]);
    EXPECT_EQ(together[1], alone[2 * pair + 1]);
  }
}

TEST_F(CompletionTest, StopSequence_CutsBeforeItsFirstOccurrence) {
  json request = {
      {"prompt", "And God said"}, {"max_tokens", 48}, {"temperature", 0}};
  std::string full = Text(Complete(request));
  // A stop taken from the middle of the greedy text: the stopped answer
  // must be the greedy text up to the first place that stop appears.
  std::string stop = full.substr(20, 3);
  request["stop"] = json::array({stop, "@@@"});
  Reply reply = Complete(request);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(Text(reply), full.substr(0, full.find(stop)));
  EXPECT_EQ(reply.body["choices"][0]["finish_reason"], "stop");
}

TEST_F(CompletionTest, Stream_ChunksJoinToTheSameTextAndEndWithDone) {
  json request = {{"prompt", "And God said"},
                  {"max_tokens", 30},
                  {"temperature", 0.8},
                  {"seed", 5},
                  {"stop", "\n\n"}};
  std::string whole = Text(Complete(request));
  request["stream"] = true;
  Reply reply = Complete(request);
  ASSERT_EQ(reply.status, 200);
  std::vector<std::string> events = Events(reply.text);
  ASSERT_GE(events.size(), 3u) << reply.text;
  EXPECT_EQ(events.back(), "[DONE]");
  std::string joined;
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    joined += json::parse(events[i])["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(joined, whole);
  json last = json::parse(events[events.size() - 2]);
  EXPECT_FALSE(last["choices"][0]["finish_reason"].is_null());
  EXPECT_EQ(last["usage"]["prompt_tokens"], 12);
}

TEST_F(CompletionTest, LanguageModelRunsInTheSessionInferOpened) {
  // One session for the file: /infer and generation share its weights.
  EXPECT_TRUE(
      daemon_->WaitForLog("kjv-gqa runs in the session /infer opened for it"))
      << daemon_->log();
  EXPECT_EQ(Complete({{"prompt", "And"}, {"max_tokens", 2}}).status, 200);
}

TEST_F(CompletionTest, BadInput_Gets4xxAndDaemonKeepsServing) {
  const std::pair<json, int> cases[] = {
      {{{"prompt", "x"}, {"max_tokens", -1}}, 422},
      {{{"prompt", "x"}, {"max_tokens", 100000000}}, 422},
      {{{"prompt", "x"}, {"max_tokens", 5000}}, 422},  // beyond the context
      {{{"prompt", "x"}, {"max_tokens", "5"}}, 400},
      {{{"prompt", "x"}, {"temperature", -0.5}}, 422},
      {{{"prompt", "x"}, {"top_p", 0}}, 422},
      {{{"prompt", "x"}, {"top_p", 1.5}}, 422},
      {{{"prompt", json::object()}}, 400},
      {{{"prompt", ""}}, 422},
      {{{"prompt", "x"}, {"stop", 3}}, 400},
      {{{"prompt", std::string(4000, 'a')}}, 422},  // prompt over context
      {{{"prompt", std::string(1400, 'a')},
        {"max_tokens", 200},
        {"stream", true}},
       422},  // checked before the stream's 200
      {{{"prompt", "x"}, {"seed", -1}}, 400},
      // OpenAI options not implemented: refused, not ignored.
      {{{"prompt", "x"}, {"n", 3}}, 422},
      {{{"prompt", "x"}, {"logprobs", 2}}, 422},
      {{{"prompt", "x"}, {"echo", true}}, 422},
      {{{"prompt", "x"}, {"best_of", 2}}, 422},
      {{{"prompt", "x"}, {"frequency_penalty", 2}}, 422},
      {{{"prompt", "x"}, {"presence_penalty", -1}}, 422},
      // A misspelt option is refused, not run on its default.
      {{{"prompt", "x"}, {"max_token", 5}}, 400},
      {{{"prompt", "x"}, {"temprature", 0}}, 400},
      {{{"prompt", "x"}, {"frequency_penalty", "0"}}, 400},
      {{{"prompt", "x"}, {"stream_options", {{"chunks", 2}}}}, 400},
      {{{"prompt", nullptr}}, 400},
  };
  for (const auto& [fields, status] : cases) {
    SCOPED_TRACE(fields.dump().substr(0, 80));
    Reply reply = Complete(fields);
    EXPECT_EQ(reply.status, status) << reply.text;
    EXPECT_TRUE(reply.body.contains("error"));
  }
  auto client = daemon_->Client();
  Reply unknown = PostJson(*client, "/v1/completions",
                           {{"model", "nope"}, {"prompt", "x"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Complete({{"prompt", "And"}, {"max_tokens", 2}}).status, 200);
  // Their neutral values, which SDKs send by default, pass.
  EXPECT_EQ(Complete({{"prompt", "And"},
                      {"max_tokens", 2},
                      {"n", 1},
                      {"logprobs", nullptr},
                      {"echo", false},
                      {"frequency_penalty", 0.0},
                      {"presence_penalty", 0},
                      {"user", "tester"}})
                .status,
            200);
  // Options clients leave unset arrive as null: taken as not given, so
  // this is the default request (16 tokens).
  Reply nulls = Complete({{"prompt", "And"},
                          {"max_tokens", nullptr},
                          {"temperature", nullptr},
                          {"top_p", nullptr},
                          {"seed", nullptr},
                          {"stream", nullptr},
                          {"n", nullptr},
                          {"frequency_penalty", nullptr},
                          {"presence_penalty", nullptr},
                          {"stream_options", nullptr}});
  EXPECT_EQ(nulls.status, 200) << nulls.text;
  EXPECT_EQ(nulls.body["usage"]["completion_tokens"], 16);
  EXPECT_EQ(Complete({{"prompt", "And"},
                      {"max_tokens", 2},
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}}})
                .status,
            200);
}

TEST_F(CompletionTest, StreamingClientLeaves_SequenceIsFreedAndNextIsServed) {
  int cancelled_before = MetricValue(
      "nymph_generation_requests_total{finish_reason=\"cancelled\"}");
  {
    RawConnection raw(daemon_->port());
    std::string body = json({{"model", "kjv-gqa"},
                             {"prompt", "And"},
                             {"max_tokens", 1500},
                             {"stream", true}})
                           .dump();
    raw.Write(
        "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    raw.ReadAll(0.3);  // a few tokens arrive, then the client hangs up
  }
  int cancelled = cancelled_before;
  for (int i = 0; i < 200 && cancelled == cancelled_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancelled = MetricValue(
        "nymph_generation_requests_total{finish_reason=\"cancelled\"}");
  }
  EXPECT_EQ(cancelled, cancelled_before + 1);
  EXPECT_EQ(MetricValue("nymph_generation_active_sequences"), 0);
  EXPECT_EQ(Complete({{"prompt", "And"}, {"max_tokens", 4}}).status, 200);
}

TEST_F(CompletionTest, QueueFull_Gets429WithRetryAfter) {
  // One running and one queued fill the gate (max_active 1, max_queued 1);
  // /metrics says when each has arrived, so the probe is not a race.
  auto long_request = [] {
    Complete({{"prompt", "And"}, {"max_tokens", 1500}});
  };
  auto wait_for = [](const std::string& series, int value) {
    for (int i = 0; i < 1000 && MetricValue(series) != value; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return MetricValue(series) == value;
  };
  std::thread first(long_request);
  ASSERT_TRUE(wait_for("nymph_generation_active_sequences", 1));
  std::thread second(long_request);
  bool queued = wait_for("nymph_generation_queued_requests", 1);
  Reply refused = Complete({{"prompt", "x"}, {"max_tokens", 1}});
  first.join();
  second.join();
  ASSERT_TRUE(queued);
  ASSERT_EQ(refused.status, 429) << refused.text;
  EXPECT_EQ(refused.body["error"]["code"], "overloaded");
  EXPECT_EQ(
      httplib::detail::get_header_value(refused.headers, "Retry-After", 0, ""),
      std::string("1"));
  EXPECT_EQ(Complete({{"prompt", "x"}, {"max_tokens", 1}}).status, 200);
}

}  // namespace
}  // namespace nymph::testing
