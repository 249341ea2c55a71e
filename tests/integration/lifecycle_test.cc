// Process lifecycle: graceful shutdown with requests in flight, auth, and
// exit status 2 for configuration errors.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "support/cases.h"
#include "support/daemon.h"
#include "support/http.h"
#include "support/raw_socket.h"

namespace nymph::testing {
namespace {

std::string ModelsDir() { return OwnTestDataDir() + "/models"; }

InferCase FirstCase() { return LoadCases(OwnTestDataDir()).at(0); }

std::string HttpPost(const std::string& body) {
  return "POST /infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/json\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n";
}

TEST(GracefulShutdown, SigtermWithRequestsInFlight_AnswersThemAndExitsZero) {
  Daemon daemon({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  InferCase c = FirstCase();
  std::string body = c.request.dump();

  // Each request is provably in flight at SIGTERM: its headers and half its
  // body have been sent, the rest follows only after the signal.
  constexpr int kInFlight = 3;
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < kInFlight; ++i) {
    auto connection = std::make_unique<RawConnection>(daemon.port());
    ASSERT_TRUE(connection->connected());
    ASSERT_TRUE(
        connection->Write(HttpPost(body) + body.substr(0, body.size() / 2)));
    connections.push_back(std::move(connection));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(kill(daemon.pid_for_test(), SIGTERM), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  for (auto& connection : connections) {
    ASSERT_TRUE(connection->Write(body.substr(body.size() / 2)));
    std::string response = connection->ReadAll(10.0);
    ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
    auto json =
        nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4));
    EXPECT_TRUE(OutputsMatch(json.at("outputs"), c.expected, c.rtol, c.atol));
  }
  EXPECT_EQ(daemon.WaitExit(), 0) << daemon.log();
  EXPECT_TRUE(daemon.WaitForLog("shutdown: done"));
  // And it no longer accepts connections.
  RawConnection late(daemon.port());
  EXPECT_FALSE(late.connected());
}

TEST(GracefulShutdown, Sigint_ExitsZero) {
  Daemon daemon({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  EXPECT_EQ(daemon.Stop(SIGINT), 0) << daemon.log();
}

TEST(GracefulShutdown, Sighup_IsLoggedAndIgnored) {
  Daemon daemon({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  ASSERT_EQ(kill(daemon.pid_for_test(), SIGHUP), 0);
  EXPECT_TRUE(daemon.WaitForLog("SIGHUP ignored"));
  auto client = daemon.Client();
  EXPECT_EQ(Send(*client, "GET", "/health").status, 200);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
}

TEST(GracefulShutdown, GenerationsPastTheGrace_AreCutShortAndExitIsZero) {
  const std::string config = TestTempDir() + "/grace.toml";
  std::ofstream(config) << "[server]\nshutdown_grace_s = 0\n";
  Daemon daemon({BundledModelsDir(), false, {"--config", config}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  // Two streams decoding (generation.max_active is 2) and one queued
  // behind them, each asking for far more tokens than a fraction of a
  // second makes.
  const std::string body =
      R"({"model":"kjv-gqa","prompt":"And","max_tokens":1400,"stream":true})";
  // Sent one by one, each of the first two seen decoding before the next,
  // so the third is the one that waits.
  std::vector<std::unique_ptr<RawConnection>> streams;
  std::string started[2];
  for (int i = 0; i < 3; ++i) {
    streams.push_back(std::make_unique<RawConnection>(daemon.port()));
    ASSERT_TRUE(streams.back()->Write(
        "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body));
    if (i < 2) {
      started[i] = streams[i]->ReadAll(0.3);
      ASSERT_NE(started[i].find("data: "), std::string::npos) << started[i];
    }
  }
  // The third is in flight once the daemon counts it queued (before, the
  // stop could close the listener ahead of its accept).
  auto client = daemon.Client();
  bool queued = false;
  for (int i = 0; i < 100 && !queued; ++i) {
    queued = Send(*client, "GET", "/metrics")
                 .text.find("\nnymph_generation_queued_requests 1\n") !=
             std::string::npos;
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(queued);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("stream " + std::to_string(i));
    const std::string rest = (i < 2 ? started[i] : "") + streams[i]->ReadAll(5);
    EXPECT_NE(rest.find("\"shutting_down\""), std::string::npos) << rest;
    EXPECT_NE(rest.find("data: [DONE]"), std::string::npos);
  }
  EXPECT_NE(daemon.log().find("cutting generations short"), std::string::npos);
}

TEST(GracefulShutdown, SecondSignal_CutsGenerationsShortBeforeTheGrace) {
  // The default grace (30 s) would let the stream finish; Ctrl-C twice
  // must not wait for it.
  Daemon daemon({BundledModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  const std::string body =
      R"({"model":"kjv-gqa","prompt":"And","max_tokens":1400,"stream":true})";
  RawConnection stream(daemon.port());
  ASSERT_TRUE(
      stream.Write("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string seen = stream.ReadAll(0.3);
  ASSERT_NE(seen.find("data: "), std::string::npos) << seen;
  ASSERT_EQ(kill(daemon.pid_for_test(), SIGINT), 0);
  ASSERT_TRUE(daemon.WaitForLog("finishing requests in flight"));
  EXPECT_EQ(daemon.Stop(SIGINT), 0) << daemon.log();
  seen += stream.ReadAll(5);
  EXPECT_NE(seen.find("\"shutting_down\""), std::string::npos);
  EXPECT_NE(daemon.log().find("second signal"), std::string::npos)
      << daemon.log();
}

TEST(ConfigErrors, PortAlreadyServed_SecondDaemonExitsTwo) {
  Daemon first({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(first.Start()) << first.log();
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  Daemon second({ModelsDir(), false, {"--listen", taken}, {}, ""});
  EXPECT_FALSE(second.Start(false, 10));
  EXPECT_EQ(second.WaitExit(), 2) << second.log();
  EXPECT_NE(second.log().find("cannot listen on " + taken), std::string::npos)
      << second.log();
  EXPECT_EQ(first.Stop(SIGTERM), 0);
}

TEST(ConfigErrors, StateDirInUse_SecondDaemonExitsTwoNamingTheFirst) {
  Daemon first({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(first.Start()) << first.log();
  Daemon second({ModelsDir(), false, {}, {}, first.state_dir()});
  EXPECT_FALSE(second.Start(false, 10));
  EXPECT_EQ(second.WaitExit(), 2) << second.log();
  EXPECT_NE(second.log().find("is in use by nymphd pid " +
                              std::to_string(first.pid_for_test())),
            std::string::npos)
      << second.log();
  auto client = first.Client();
  EXPECT_EQ(Send(*client, "GET", "/health").status, 200);
  EXPECT_EQ(first.Stop(SIGTERM), 0);
  // The lock goes with its holder: the directory is free again.
  Daemon third({ModelsDir(), false, {}, {}, first.state_dir()});
  ASSERT_TRUE(third.Start()) << third.log();
  EXPECT_EQ(third.Stop(SIGTERM), 0);
}

TEST(ConfigErrors, MissingModelsDirOrConfigDirectory_ExitTwo) {
  Daemon no_models({"/nonexistent/models", false, {}, {}, ""});
  EXPECT_FALSE(no_models.Start(false, 10));
  EXPECT_EQ(no_models.WaitExit(), 2);
  EXPECT_NE(no_models.log().find("models dir /nonexistent/models"),
            std::string::npos)
      << no_models.log();
  Daemon config_dir({ModelsDir(), false, {"--config", TestTempDir()}, {}, ""});
  EXPECT_FALSE(config_dir.Start(false, 10));
  EXPECT_EQ(config_dir.WaitExit(), 2);
}

class AuthTest : public ::testing::Test {
 protected:
  static constexpr const char* kToken = "correct-horse-battery-staple";
  void SetUp() override {
    std::string token_file = TestTempDir() + "/token";
    std::ofstream(token_file) << kToken << "\n";
    daemon_ = std::make_unique<Daemon>(DaemonOptions{
        ModelsDir(), true, {"--api-token-file", token_file}, {}, ""});
    ASSERT_TRUE(daemon_->Start(/*wait_ready=*/false)) << daemon_->log();
    client_ = daemon_->Client();
  }
  void TearDown() override { EXPECT_EQ(daemon_->Stop(SIGTERM), 0); }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AuthTest, MissingOrWrongToken_Gets401) {
  Reply none = Send(*client_, "GET", "/models");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body["error"]["code"], "unauthorized");
  Reply wrong = Send(*client_, "GET", "/models", "",
                     {{"Authorization", "Bearer correct-horse-battery-stapl"}});
  EXPECT_EQ(wrong.status, 401);
  Reply basic = Send(*client_, "POST", "/infer", "{}",
                     {{"Authorization", std::string("Basic ") + kToken}});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(daemon_->log().find(kToken), std::string::npos)
      << "the token must never be logged";
}

TEST_F(AuthTest, RightToken_IsServedAndHealthNeedsNone) {
  EXPECT_EQ(Send(*client_, "GET", "/health").status, 200);
  httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(Send(*client_, "GET", "/ready").status, 401);
  int ready = 0;
  for (int attempt = 0; attempt < 500 && ready != 200; ++attempt) {
    ready = Send(*client_, "GET", "/ready", "", auth).status;
    if (ready != 200)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(ready, 200);
  EXPECT_EQ(Send(*client_, "GET", "/models", "", auth).status, 200);
  InferCase c = FirstCase();
  Reply reply = Send(*client_, "POST", "/infer", c.request.dump(), auth);
  EXPECT_EQ(reply.status, 200) << reply.text;
}

TEST(ConfigErrors, BeyondLoopbackWithoutToken_ExitsTwoNamingTheSetting) {
  Daemon daemon({ModelsDir(), false, {"--listen", "0.0.0.0:0"}, {}, ""});
  EXPECT_FALSE(daemon.Start(false, 10));
  EXPECT_EQ(daemon.WaitExit(), 2);
  EXPECT_NE(daemon.log().find("API token is required"), std::string::npos)
      << daemon.log();
}

TEST(ConfigErrors, UnknownConfigKeyAndBadFlag_ExitTwo) {
  std::string config = TestTempDir() + "/typo.toml";
  std::ofstream(config) << "[server]\nlisten_adress = \"127.0.0.1:1\"\n";
  Daemon typo({ModelsDir(), false, {"--config", config}, {}, ""});
  EXPECT_FALSE(typo.Start(false, 10));
  EXPECT_EQ(typo.WaitExit(), 2);
  EXPECT_NE(typo.log().find("server.listen_adress: unknown setting"),
            std::string::npos)
      << typo.log();

  Daemon flag({ModelsDir(), false, {"--no-such-flag"}, {}, ""});
  EXPECT_FALSE(flag.Start(false, 10));
  EXPECT_EQ(flag.WaitExit(), 2);
}

}  // namespace
}  // namespace nymph::testing
