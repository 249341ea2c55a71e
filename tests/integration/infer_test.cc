// /infer end to end: the real daemon, over HTTP and HTTPS, on models made
// by tools/testmodels with outputs computed independently by NumPy.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "support/cases.h"
#include "support/daemon.h"
#include "support/http.h"

namespace nymph::testing {
namespace {

class InferTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(
        DaemonOptions{OwnTestDataDir() + "/models", GetParam(), {}, {}, ""});
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    client_ = daemon_->Client();
  }
  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
    }
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(InferTest, EveryCase_MatchesNumPy) {
  auto cases = LoadCases(OwnTestDataDir());
  ASSERT_GE(cases.size(), 7u);
  for (const InferCase& c : cases) {
    SCOPED_TRACE(c.name);
    Reply reply = PostJson(*client_, "/infer", c.request);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_EQ(reply.body.at("model"), c.model);
    EXPECT_TRUE(
        OutputsMatch(reply.body.at("outputs"), c.expected, c.rtol, c.atol));
  }
}

TEST_P(InferTest, Models_ListSignatureHashAndFailure) {
  Reply reply = Send(*client_, "GET", "/models");
  ASSERT_EQ(reply.status, 200);
  bool saw_affine = false, saw_broken = false;
  for (const auto& model : reply.body.at("models")) {
    if (model.at("name") == "affine") {
      saw_affine = true;
      EXPECT_EQ(model.at("status"), "loaded");
      EXPECT_EQ(model.at("sha256").get<std::string>().size(), 64u);
      EXPECT_EQ(model.at("inputs")[0].at("dtype"), "float32");
      EXPECT_EQ(model.at("inputs")[0].at("shape"),
                nlohmann::json::parse(R"(["batch", 4])"));
    }
    if (model.at("name") == "broken") {
      saw_broken = true;
      EXPECT_EQ(model.at("status"), "failed");
      EXPECT_FALSE(model.at("error").get<std::string>().empty());
    }
  }
  EXPECT_TRUE(saw_affine);
  EXPECT_TRUE(saw_broken);
  EXPECT_EQ(Send(*client_, "GET", "/models/affine").status, 200);
  EXPECT_EQ(Send(*client_, "GET", "/models/broken").body.at("status"),
            "failed");
  EXPECT_EQ(Send(*client_, "GET", "/models/nope").status, 404);
  EXPECT_TRUE(daemon_->WaitForLog("broken.onnx failed to load"));
}

TEST_P(InferTest, Metrics_CountRequestsByRouteAndStatus) {
  PostJson(*client_, "/infer", nlohmann::json::object());
  Send(*client_, "GET", "/health");
  const std::string bad_infer =
      "nymph_http_requests_total{method=\"POST\",route=\"/infer\","
      "status=\"400\"} 1\n";
  const std::string health =
      "nymph_http_request_duration_seconds_count{method=\"GET\","
      "route=\"/health\",status=\"200\"} 1\n";
  // A request is counted just after its response is sent, so the scrape
  // may briefly run ahead of the count.
  Reply reply;
  for (int attempt = 0; attempt < 100; ++attempt) {
    reply = Send(*client_, "GET", "/metrics");
    ASSERT_EQ(reply.status, 200);
    if (reply.text.find(health) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(reply.text.find(bad_infer), std::string::npos) << reply.text;
  EXPECT_NE(reply.text.find(health), std::string::npos) << reply.text;
  EXPECT_NE(reply.text.find("nymph_models_failed 1\n"), std::string::npos);
  EXPECT_NE(reply.text.find("nymph_inference_runs_total"), std::string::npos);
}

TEST_P(InferTest, SeveralClientThreads_EachGetsItsOwnAnswer) {
  auto cases = LoadCases(OwnTestDataDir());
  constexpr int kThreads = 6;
  constexpr int kRequestsEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = daemon_->Client();
      for (int i = 0; i < kRequestsEach; ++i) {
        const InferCase& c = cases[(t + i) % cases.size()];
        Reply reply = PostJson(*client, "/infer", c.request);
        if (reply.status == 200 && OutputsMatch(reply.body.at("outputs"),
                                                c.expected, c.rtol, c.atol)) {
          good++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), kThreads * kRequestsEach);
}

INSTANTIATE_TEST_SUITE_P(Transport, InferTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "Https" : "Http";
                         });

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SelfSignedTls, KeyIsPrivateAndCertificateIsReusedOnRestart) {
  Daemon first({OwnTestDataDir() + "/models", true, {}, {}, ""});
  ASSERT_TRUE(first.Start()) << first.log();
  const std::string tls_dir = first.state_dir() + "/tls";
  struct stat key_stat {};
  ASSERT_EQ(stat((tls_dir + "/key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  std::string cert = ReadText(tls_dir + "/cert.pem");
  EXPECT_NE(cert.find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_EQ(first.Stop(SIGTERM), 0);

  Daemon second(
      {OwnTestDataDir() + "/models", true, {}, {}, first.state_dir()});
  ASSERT_TRUE(second.Start()) << second.log();
  EXPECT_EQ(ReadText(tls_dir + "/cert.pem"), cert);
  EXPECT_EQ(second.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace nymph::testing
