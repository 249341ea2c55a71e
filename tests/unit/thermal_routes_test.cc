// POST /thermal/schedule and GET /thermal/status through the Router, with
// a controller over a fake board: bad input is refused with SPEC's error
// body and leaves the schedule unchanged.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/routes.h"
#include "thermal/controller.h"
#include "thermal/thermal_metrics.h"

namespace nymph {
namespace {

using nlohmann::json;

class StillBoard : public board::Board {
 public:
  std::string Describe() const override { return "still board"; }
  StatusOr<board::BoardReadings> Read() override {
    board::BoardReadings r;
    r.taken = board::Clock::now() + std::chrono::microseconds(++reads);
    r.zones = {
        {"soc", 52.0, ""}, {"npu", {}, "open circuit"}, {"ambient", 35.0, ""}};
    r.fan = {1.0, 4100.0, ""};
    r.rails = {{"vcore", 12.0, 0.9, 10.0, 9.0, ""}};
    return r;
  }
  Status SetFanDuty(double) override { return Status(); }
  int reads = 0;
};

class ThermalRoutes : public ::testing::Test {
 protected:
  ThermalRoutes() : controller_(board_, {}, {}, {}) {
    AddThermalRoutes(router_, controller_);
    controller_.Step(board::Clock::now());
  }

  ApiResponse Call(const std::string& method, const std::string& path,
                   const std::string& body = "") {
    Router::Match match = router_.Find(method, path);
    EXPECT_TRUE(match.handler) << path;
    ApiRequest request{method, path, body, match.params, "t1"};
    return (*match.handler)(request);
  }

  void ExpectRefused(const std::string& body, int status,
                     const std::string& code) {
    json before = json::parse(Call("GET", "/thermal/status").body);
    ApiResponse r = Call("POST", "/thermal/schedule", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
    json error = json::parse(r.body);
    EXPECT_EQ(error["error"]["code"], code) << r.body;
    EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());
    json after = json::parse(Call("GET", "/thermal/status").body);
    EXPECT_EQ(after["policy"], before["policy"]);
    EXPECT_EQ(after["target_c"], before["target_c"]);
    EXPECT_EQ(after["fan_max"], before["fan_max"]);
  }

  StillBoard board_;
  thermal::ThermalController controller_;
  Router router_;
};

TEST_F(ThermalRoutes, Status_HasTheShapeTheBenchReads) {
  json s = json::parse(Call("GET", "/thermal/status").body);
  EXPECT_EQ(s["board"], "still board");
  EXPECT_EQ(s["policy"], "active");
  EXPECT_EQ(s["target_c"], 60.0);
  // The open thermistor: in failsafe, null with a fault entry.
  EXPECT_TRUE(s["failsafe"]["active"]);
  EXPECT_EQ(s["failsafe"]["reasons"].size(), 1u);
  EXPECT_TRUE(s["readings"]["zones"]["npu"].is_null());
  EXPECT_EQ(s["readings"]["faults"]["npu"], "open circuit");
  EXPECT_EQ(s["readings"]["zones"]["soc"], 52.0);
  EXPECT_EQ(s["readings"]["fan"]["rpm"], 4100.0);
  EXPECT_EQ(s["readings"]["rails"]["vcore"]["watts"], 9.0);
  EXPECT_EQ(s["schedule"]["fan_duty"], 1.0);
  EXPECT_TRUE(s["forecast"].contains("horizon_s"));
  EXPECT_EQ(s["counters"]["periods"], 1);
  EXPECT_EQ(s["counters"]["failsafe_entries"], 1);
}

TEST_F(ThermalRoutes, Schedule_ValidRequest_AppliedAndEchoed) {
  ApiResponse r = Call("POST", "/thermal/schedule",
                       R"({"policy":"quiet","target_c":58.5,"fan_max":0.8,
                           "horizon_s":45})");
  ASSERT_EQ(r.status, 200) << r.body;
  json s = json::parse(r.body);
  EXPECT_EQ(s["policy"], "quiet");
  EXPECT_EQ(s["target_c"], 58.5);
  EXPECT_EQ(s["fan_max"], 0.8);
  EXPECT_EQ(s["forecast"]["horizon_s"], 45.0);
}

TEST_F(ThermalRoutes, Schedule_BadInput_RefusedAndUnchanged) {
  ExpectRefused("not json", 400, "invalid_json");
  ExpectRefused("[1]", 400, "invalid_json");
  ExpectRefused(R"({"policy":"turbo","target_c":55})", 422, "unknown_policy");
  ExpectRefused(R"({"policy":3,"target_c":55})", 400, "invalid_request");
  ExpectRefused(R"({"target_c":55})", 400, "invalid_request");
  ExpectRefused(R"({"policy":"active"})", 400, "invalid_request");
  ExpectRefused(R"({"policy":"active","target_c":"55"})", 400,
                "invalid_request");
  ExpectRefused(R"({"policy":"active","target_c":true})", 400,
                "invalid_request");
  ExpectRefused(R"({"policy":"active","target_c":55,"fan":1})", 400,
                "unknown_field");
  // Ambient 35 °C: 40..60 °C.
  ExpectRefused(R"({"policy":"active","target_c":60.1})", 422,
                "invalid_thermal_schedule");
  ExpectRefused(R"({"policy":"active","target_c":39})", 422,
                "invalid_thermal_schedule");
  ExpectRefused(R"({"policy":"active","target_c":55,"fan_min":0.9,
                    "fan_max":0.5})",
                422, "invalid_thermal_schedule");
  ExpectRefused(R"({"policy":"active","target_c":55,"fan_max":1.5})", 422,
                "invalid_thermal_schedule");
  ExpectRefused(R"({"policy":"active","target_c":55,"horizon_s":0})", 422,
                "invalid_thermal_schedule");
  ExpectRefused(R"({"policy":"active","target_c":1e400})", 400, "invalid_json");
}

TEST_F(ThermalRoutes, Metrics_ThermalGaugesWithoutFaultedZones) {
  std::string text;
  thermal::RenderThermalMetrics(controller_.Snapshot(), text);
  EXPECT_NE(text.find("nymph_thermal_zone_celsius{zone=\"soc\"} 52\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("zone=\"npu\""), std::string::npos);
  EXPECT_NE(text.find("nymph_thermal_failsafe 1\n"), std::string::npos);
  EXPECT_NE(text.find("nymph_thermal_fan_duty 1\n"), std::string::npos);
}

}  // namespace
}  // namespace nymph
