// POST /thermal/schedule through the real daemon on the simulator: bad
// input is refused with a 4xx and a message and leaves the schedule as it
// was; good input changes it.
#include <gtest/gtest.h>

#include "board_daemon.h"
#include "support/http.h"

namespace nymph::testing {
namespace {

struct BadSchedule {
  std::string name;
  std::string body;
  int status;
  std::string message_part;  // the message names what is wrong
};

class ScheduleApi : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(SimDaemonOptions(SimConfig(
        {"--cpu-watts", "0"}, 200, "policy = \"quiet\"\ntarget_c = 58.0\n")));
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
    client_ = daemon_->Client();
  }
  void TearDown() override {
    EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ScheduleApi, BadInput_Is4xxWithMessage_AndScheduleUnchanged) {
  // The simulator's ambient is 35 °C: targets from 40 to 60 °C are safe.
  const std::vector<BadSchedule> cases = {
      {"unknown policy", R"({"policy": "turbo", "target_c": 55})", 422,
       "turbo"},
      {"target above the budget", R"({"policy": "active", "target_c": 61})",
       422, "target_c"},
      {"target below ambient + 5", R"({"policy": "active", "target_c": 39})",
       422, "target_c"},
      {"policy not a string", R"({"policy": 3, "target_c": 55})", 400,
       "policy"},
      {"target a string", R"({"policy": "active", "target_c": "55"})", 400,
       "target_c"},
      {"fan_min not a number",
       R"({"policy": "active", "target_c": 55, "fan_min": "low"})", 400,
       "fan_min"},
      {"fan_min in the stall zone",
       R"({"policy": "passive", "target_c": 55, "fan_min": 0.1,
           "fan_max": 0.1})",
       422, "fan_min"},
      {"fan off", R"({"policy": "passive", "target_c": 55, "fan_max": 0})", 422,
       "fan_m"},
      {"fan_min above fan_max",
       R"({"policy": "active", "target_c": 55, "fan_min": 0.9,
           "fan_max": 0.5})",
       422, "fan_min"},
      {"unknown field",
       R"({"policy": "active", "target_c": 55, "turbo": true})", 400, "turbo"},
      {"not JSON", R"({"policy": "active", target_c: 55)", 400, ""},
      {"JSON but not an object", R"(["active", 55])", 400, ""},
      {"empty body", "", 400, ""},
  };
  for (const BadSchedule& c : cases) {
    SCOPED_TRACE(c.name);
    Reply reply = Send(*client_, "POST", "/thermal/schedule", c.body,
                       {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, c.status) << reply.text;
    ASSERT_TRUE(reply.body.is_object()) << reply.text;
    std::string message =
        reply.body["error"]["message"].is_string()
            ? reply.body["error"]["message"].get<std::string>()
            : "";
    EXPECT_FALSE(message.empty()) << reply.text;
    EXPECT_NE(message.find(c.message_part), std::string::npos) << message;
    nlohmann::json status = ThermalStatus(*daemon_);
    EXPECT_EQ(status["policy"], "quiet");
    EXPECT_EQ(status["target_c"], 58.0);
    EXPECT_EQ(status["fan_min"], 0.25);
    EXPECT_EQ(status["fan_max"], 1.0);
  }
  Reply health = Send(*client_, "GET", "/health");
  EXPECT_EQ(health.status, 200) << "the daemon survives bad input";
}

TEST_F(ScheduleApi, GoodInput_ChangesPolicyAndTarget) {
  Reply reply = PostJson(*client_, "/thermal/schedule",
                         {{"policy", "predictive"},
                          {"target_c", 52.5},
                          {"fan_min", 0.3},
                          {"horizon_s", 20}});
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["policy"], "predictive");
  EXPECT_EQ(reply.body["target_c"], 52.5);
  nlohmann::json status = ThermalStatus(*daemon_);
  EXPECT_EQ(status["policy"], "predictive");
  EXPECT_EQ(status["target_c"], 52.5);
  EXPECT_EQ(status["fan_min"], 0.3);
  EXPECT_EQ(status["forecast"]["horizon_s"], 20.0);
  // And the next control period decides under it.
  EXPECT_TRUE(TimeUntil(
      [&] {
        std::string reason = ThermalStatus(*daemon_)["schedule"]["reason"];
        return reason.rfind("predictive:", 0) == 0 &&
               reason.find("52.5") != std::string::npos;
      },
      std::chrono::seconds(3)))
      << ThermalStatus(*daemon_).dump();
}

}  // namespace
}  // namespace nymph::testing
