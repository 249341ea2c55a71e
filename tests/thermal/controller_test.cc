// The controller against a fake Board driven by a fake clock: every fault
// type puts it in failsafe within two periods, and it leaves failsafe only
// after the configured number of clean reads.
#include "thermal/controller.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace nymph::thermal {
namespace {

using board::BoardReadings;
using board::Clock;
using std::chrono::milliseconds;

class FakeBoard : public board::Board {
 public:
  std::string Describe() const override { return "fake board"; }
  StatusOr<BoardReadings> Read() override {
    if (unreachable) {
      return Status(ErrorKind::kUnavailable, "board_unreachable",
                    "no answer from the MCU");
    }
    BoardReadings r = readings;
    if (!freeze_taken) r.taken = now;
    return r;
  }
  Status SetFanDuty(double duty) override {
    duties.push_back(duty);
    readings.fan.duty = duty;
    return Status();
  }

  BoardReadings readings = Healthy();
  Clock::time_point now;
  bool unreachable = false;
  bool freeze_taken = false;
  std::vector<double> duties;

  static BoardReadings Healthy() {
    BoardReadings r;
    r.zones = {{"soc", 50.0, ""},
               {"vrm", 45.0, ""},
               {"npu", 48.0, ""},
               {"ambient", 35.0, ""}};
    r.fan = {0.5, 3000.0, ""};
    r.rails = {{"vcore", 12.0, 0.9, 10.0, 9.0, ""}};
    return r;
  }
};

constexpr auto kPeriod = milliseconds(100);

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : controller_(board_, Settings(), Options(), Hooks()) {}

  static PolicySettings Settings() {
    PolicySettings s;
    s.target_c = 55;
    return s;
  }
  static ControllerOptions Options() {
    ControllerOptions o;
    o.period = kPeriod;
    o.limits.stale_after_s = 0.35;
    o.limits.stuck_after_s = 1.0;
    o.limits.stuck_power_swing_w = 3;
    o.limits.stall_after_s = 0.25;
    o.clean_reads_to_recover = 3;
    return o;
  }
  ControllerHooks Hooks() {
    return {[this](double cap) {
              caps_.push_back(cap);
              return Status();
            },
            [this](double work) { work_.push_back(work); }, nullptr};
  }

  // One period; the zones drift a little so that nothing looks stuck.
  void Tick() {
    board_.now += kPeriod;
    controller_.Step(board_.now);
  }
  bool Failsafe() const { return controller_.Snapshot().failsafe; }

  // Runs healthy, applies `fault`, and returns the periods until failsafe
  // (at most `limit`).
  int PeriodsUntilFailsafe(const std::function<void()>& fault, int limit = 10) {
    for (int i = 0; i < 5; ++i) Tick();
    EXPECT_FALSE(Failsafe()) << controller_.Snapshot().schedule.reason;
    fault();
    for (int n = 1; n <= limit; ++n) {
      Tick();
      if (Failsafe()) return n;
    }
    return limit + 1;
  }

  FakeBoard board_;
  std::vector<double> caps_, work_;
  ThermalController controller_;
};

TEST_F(ControllerTest, Healthy_FollowsThePolicy) {
  for (int i = 0; i < 5; ++i) Tick();
  ThermalSnapshot s = controller_.Snapshot();
  EXPECT_FALSE(s.failsafe);
  EXPECT_EQ(s.counters.periods, 5u);
  ASSERT_TRUE(s.delta_t_c);
  EXPECT_DOUBLE_EQ(*s.delta_t_c, 50.0 - 35.0);
  EXPECT_LT(s.schedule.fan_duty, 1.0);  // 50 °C < 55 °C: no need for more
  EXPECT_EQ(work_.back(), 1.0);
  EXPECT_EQ(caps_.back(), 1.0);
}

TEST_F(ControllerTest, IdentifiedModelIsKeptAcrossARestart) {
  char dir[] = "/tmp/nymph-controller-model-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  ControllerOptions options = Options();
  options.model_file = std::string(dir) + "/thermal/model.json";
  {
    ThermalController first(board_, Settings(), options, Hooks());
    for (int i = 0; i < 40; ++i) {
      board_.now += kPeriod;
      first.Step(board_.now);
    }
    ASSERT_TRUE(first.Snapshot().forecast_c) << "identified by now";
    first.Stop();
  }
  ASSERT_TRUE(std::filesystem::exists(options.model_file));
  // A new controller forecasts from its first period; one without the
  // file (the fixture's) does not.
  ThermalController second(board_, Settings(), options, Hooks());
  board_.now += kPeriod;
  second.Step(board_.now);
  EXPECT_TRUE(second.Snapshot().forecast_c);
  Tick();
  EXPECT_FALSE(controller_.Snapshot().forecast_c);
  std::filesystem::remove_all(dir);
}

TEST_F(ControllerTest, BoardUnreachable_FailsafeAtOnce) {
  EXPECT_EQ(PeriodsUntilFailsafe([&] { board_.unreachable = true; }), 1);
  ThermalSnapshot s = controller_.Snapshot();
  EXPECT_EQ(s.schedule.fan_duty, 1.0);
  EXPECT_LT(s.schedule.work_fraction, 1.0);
  ASSERT_EQ(s.failsafe_reasons.size(), 1u);
  EXPECT_NE(s.failsafe_reasons[0].find("unreachable"), std::string::npos);
  EXPECT_EQ(board_.duties.back(), 1.0);
  EXPECT_LT(work_.back(), 1.0);
  EXPECT_EQ(s.counters.failsafe_entries, 1u);
}

TEST_F(ControllerTest, SensorFault_Failsafe) {
  EXPECT_EQ(PeriodsUntilFailsafe([&] {
              board_.readings.zones[0] = {"soc", {}, "open circuit"};
            }),
            1);
  EXPECT_NE(controller_.Snapshot().failsafe_reasons[0].find("open circuit"),
            std::string::npos);
}

TEST_F(ControllerTest, ZoneDisappears_Lost) {
  EXPECT_EQ(PeriodsUntilFailsafe([&] { board_.readings.zones.pop_back(); }), 1);
}

TEST_F(ControllerTest, SameTakenTwice_Stale) {
  EXPECT_LE(PeriodsUntilFailsafe([&] {
              board_.freeze_taken = true;
              board_.readings.taken = board_.now;
            }),
            2);
}

TEST_F(ControllerTest, OldTimestamp_Stale) {
  EXPECT_LE(PeriodsUntilFailsafe([&] {
              board_.freeze_taken = true;
              board_.readings.taken = board_.now - milliseconds(500);
            }),
            1);
}

TEST_F(ControllerTest, OutOfRange_Failsafe) {
  EXPECT_EQ(
      PeriodsUntilFailsafe([&] { board_.readings.zones[1].celsius = 180.0; }),
      1);
}

TEST_F(ControllerTest, FanFault_Failsafe) {
  EXPECT_EQ(PeriodsUntilFailsafe([&] {
              board_.readings.fan = {1.0, {}, "stalled"};
            }),
            1);
}

TEST_F(ControllerTest, FanZeroRpmWhileDriven_StalledWithinTwoPeriodsOfLimit) {
  // 0.25 s of stall detection at 0.1 s periods: the third zero read.
  int n = PeriodsUntilFailsafe([&] { board_.readings.fan.rpm = 0.0; });
  EXPECT_LE(n, 3 + 2);
  EXPECT_GE(n, 3);
}

// Regression: a fan spinning up reads 0 rpm for a moment at start.
TEST_F(ControllerTest, FanZeroRpmShorterThanLimit_NoFailsafe) {
  board_.readings.fan.rpm = 0.0;
  Tick();
  Tick();  // 0.1 s at 0 rpm, under the 0.25 s limit
  EXPECT_FALSE(Failsafe()) << controller_.Snapshot().schedule.reason;
  board_.readings.fan.rpm = 3000.0;
  for (int i = 0; i < 5; ++i) Tick();
  EXPECT_FALSE(Failsafe()) << controller_.Snapshot().schedule.reason;
}

TEST_F(ControllerTest, StuckUnderChangingPower_Failsafe) {
  // The soc reads exactly 50.0 throughout while the power swings 9 → 15 W;
  // stuck_after 1 s = 10 periods after the swing began.
  int n = PeriodsUntilFailsafe([&] {
    board_.readings.rails[0].watts_out = 15.0;
    for (auto& zone : board_.readings.zones) {
      if (zone.zone != "soc") zone.celsius = *zone.celsius + 0.5;
    }
  });
  // The soc has been at 50.0 since the first tick (6 periods before the
  // swing), so 1 s is reached 5 periods after it.
  EXPECT_LE(n, 5 + 2);
  EXPECT_NE(controller_.Snapshot().failsafe_reasons[0].find("stuck"),
            std::string::npos);
}

// The ambient thermistor reads the air, which the card's power does not
// move: a steady ambient under a load swing put the card in failsafe.
TEST_F(ControllerTest, SteadyAmbientUnderChangingPower_NotStuck) {
  for (int i = 0; i < 5; ++i) Tick();
  board_.readings.rails[0].watts_out = 15.0;
  for (int i = 0; i < 20; ++i) {
    for (auto& zone : board_.readings.zones) {
      if (zone.zone != "ambient") zone.celsius = *zone.celsius + 0.01;
    }
    Tick();
    ASSERT_FALSE(Failsafe()) << controller_.Snapshot().failsafe_reasons[0];
  }
}

TEST_F(ControllerTest, SteadyValueAtSteadyPower_NotStuck) {
  for (int i = 0; i < 40; ++i) Tick();
  EXPECT_FALSE(Failsafe());
}

TEST_F(ControllerTest, BoardFaultFlag_Failsafe) {
  EXPECT_EQ(PeriodsUntilFailsafe(
                [&] { board_.readings.faults = {"watchdog reset"}; }),
            1);
}

TEST_F(ControllerTest, Recovery_AfterCleanReadsOnly) {
  ASSERT_EQ(PeriodsUntilFailsafe([&] { board_.unreachable = true; }), 1);
  board_.unreachable = false;
  Tick();
  Tick();
  EXPECT_TRUE(Failsafe()) << "two clean reads are not yet enough";
  EXPECT_EQ(board_.duties.back(), 1.0);
  Tick();
  EXPECT_FALSE(Failsafe());
  // A fault during recovery restarts the count and is not a new entry.
  board_.unreachable = true;
  Tick();
  EXPECT_EQ(controller_.Snapshot().counters.failsafe_entries, 2u);
}

TEST_F(ControllerTest, Apply_TargetBeyondBudget_RejectedAndUnchanged) {
  Tick();
  PolicySettings bad = Settings();
  bad.target_c = 35 + 25 + 1;
  Status status = controller_.Apply(bad);
  EXPECT_EQ(status.kind(), ErrorKind::kUnprocessable);
  EXPECT_EQ(controller_.Snapshot().settings.target_c, 55);
  PolicySettings good = Settings();
  good.target_c = 58;
  good.policy = Policy::kQuiet;
  EXPECT_TRUE(controller_.Apply(good).ok());
  EXPECT_EQ(controller_.Snapshot().settings.policy, Policy::kQuiet);
}

// The board is read from the controller's thread while the test reads
// snapshots; the fake needs its own lock for that.
class LockedBoard : public FakeBoard {
 public:
  StatusOr<BoardReadings> Read() override {
    std::lock_guard lock(mutex);
    now = Clock::now();
    return FakeBoard::Read();
  }
  Status SetFanDuty(double duty) override {
    std::lock_guard lock(mutex);
    return FakeBoard::SetFanDuty(duty);
  }
  std::mutex mutex;
};

TEST(ThermalControllerThread, StartRunsPeriodsStopLeavesTheFanFull) {
  LockedBoard board;
  ControllerOptions options;
  options.period = milliseconds(5);
  ThermalController controller(board, {}, options, {});
  ASSERT_TRUE(controller.Start().ok());
  {
    std::lock_guard lock(board.mutex);
    ASSERT_FALSE(board.duties.empty());
    EXPECT_EQ(board.duties.front(), 1.0) << "fan safe before any control";
  }
  // No timing is asserted: only that periods do happen, eventually.
  for (int i = 0; i < 2000 && controller.Snapshot().counters.periods < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_GE(controller.Snapshot().counters.periods, 3u);
  controller.Stop();
  std::lock_guard lock(board.mutex);
  EXPECT_EQ(board.duties.back(), 1.0);
}

TEST(ThermalControllerLog, LinesPerPeriodAndSummary) {
  FakeBoard board;
  ControllerOptions options;
  options.period = kPeriod;
  options.log_file = (std::filesystem::temp_directory_path() /
                      ("nymph-thermal-" + std::to_string(getpid()) + ".log"))
                         .string();
  {
    ThermalController controller(board, {}, options, {});
    ASSERT_TRUE(controller.OpenLog().ok());
    for (int i = 1; i <= 4; ++i) {
      board.now += kPeriod;
      controller.Step(board.now);
    }
    controller.Finish();
    EXPECT_EQ(board.duties.back(), 1.0) << "fan full on exit";
  }
  std::ifstream in(options.log_file);
  std::string line;
  int periods = 0;
  std::string summary;
  while (std::getline(in, line)) {
    if (line.rfind("t=", 0) == 0) {
      periods++;
      EXPECT_NE(line.find("soc_c=50.00"), std::string::npos) << line;
      EXPECT_NE(line.find("fan_rpm=3000"), std::string::npos) << line;
      EXPECT_NE(line.find("power_w=9.00"), std::string::npos) << line;
      EXPECT_NE(line.find("policy=active"), std::string::npos) << line;
    }
    if (line.rfind("# summary", 0) == 0) summary = line;
  }
  EXPECT_EQ(periods, 4);
  EXPECT_NE(summary.find("periods=4"), std::string::npos) << summary;
  EXPECT_NE(summary.find("delta_t_max_c=15.00"), std::string::npos) << summary;
  std::filesystem::remove(options.log_file);
}

// Against a simulator running K times faster than real time, the laws and
// the physical timers count the card's seconds: K per clock second.
TEST(ControllerTimeScale, PeriodsCountInCardSeconds) {
  FakeBoard board;
  ControllerOptions options;
  options.period = kPeriod;
  options.time_scale = 10;
  options.limits.stuck_after_s = 2.0;  // card seconds: 2 clock periods
  options.limits.stuck_power_swing_w = 3;
  ThermalController controller(board, PolicySettings{}, options, {});
  auto tick = [&] {
    board.now += kPeriod;
    controller.Step(board.now);
  };
  for (int i = 0; i < 5; ++i) tick();
  // Delta T is weighted by each period's length: 5 × 0.1 s × 10.
  EXPECT_DOUBLE_EQ(controller.Snapshot().delta_t.seconds(), 5.0);
  EXPECT_FALSE(controller.Snapshot().failsafe);
  board.readings.rails[0].watts_out = 15.0;  // the soc stays at 50.0
  tick();
  tick();
  EXPECT_TRUE(controller.Snapshot().failsafe)
      << "unchanged for 0.7 clock s = 7 card s under a 6 W swing";
}

}  // namespace
}  // namespace nymph::thermal
