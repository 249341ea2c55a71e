// Faults injected into the real simulator under the real daemon: each must
// put the controller in failsafe (fan full, with a reason) within two
// control periods, and `clear` must end it. Times are measured in
// periods of the configured period_ms; the bounds leave half a second for
// the scheduling noise of a busy machine.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "board_daemon.h"
#include "support/http.h"

namespace nymph::testing {
namespace {

constexpr int kPeriodMs = 500;
constexpr double kTimeScale = 50;
// The controller's default: clean reads in a row before failsafe ends.
constexpr int kCleanReadsToRecover = 3;
// The sensor check's default: a value unchanged this long (card seconds)
// while the power swings is stuck.
constexpr double kStuckAfterSimS = 60;
constexpr std::chrono::milliseconds kSlack(500);

struct Fault {
  std::string name;
  std::vector<std::string> inject;  // simulator commands
  std::string reason;               // part of failsafe.reasons
  bool unreachable = false;         // /ready says 503 while it lasts
  // Sent a period and a half after `inject`, once the agent has read the
  // fault: the clock starts after these.
  std::vector<std::string> then;
  // Time the agent needs to have evidence, before the two periods.
  std::chrono::duration<double> evidence{0};
};

std::ostream& operator<<(std::ostream& out, const Fault& fault) {
  return out << fault.name;
}

bool InFailsafe(const nlohmann::json& status) {
  return status.is_object() && status["failsafe"]["active"] == true;
}

std::string Reasons(const nlohmann::json& status) {
  return status.is_object() ? status["failsafe"]["reasons"].dump() : "";
}

class SimFailsafe : public ::testing::TestWithParam<Fault> {};

TEST_P(SimFailsafe, Injected_EntersFailsafeWithinTwoPeriods_LeavesAfterClear) {
  const Fault& fault = GetParam();
  const std::chrono::duration<double> period(kPeriodMs / 1000.0);
  Daemon daemon(SimDaemonOptions(SimConfig(
      {"--time-scale", std::to_string(kTimeScale), "--cpu-watts", "0"},
      kPeriodMs)));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  // The controller has taken over from the fan-safe start: duty below
  // full, so that full afterwards is the failsafe's doing.
  ASSERT_TRUE(TimeUntil(
      [&] {
        nlohmann::json state = SimState(daemon);
        return state.is_object() && state["mcu"]["commanded_duty"] < 0.99;
      },
      period * 6))
      << daemon.log();
  ASSERT_FALSE(InFailsafe(ThermalStatus(daemon)));

  for (const std::string& command : fault.inject) {
    ASSERT_EQ(SimCommand(daemon, command).rfind("ok", 0), 0u) << command;
  }
  if (!fault.then.empty()) {
    std::this_thread::sleep_for(period * 1.5);
    ASSERT_FALSE(InFailsafe(ThermalStatus(daemon)));
    for (const std::string& command : fault.then) {
      ASSERT_EQ(SimCommand(daemon, command).rfind("ok", 0), 0u) << command;
    }
  }
  // Both clocks from the injection: what the agent reports, and the fan
  // at full in truth (the MCU holds the duty the agent sent).
  const auto injected = std::chrono::steady_clock::now();
  nlohmann::json status;
  std::optional<std::chrono::duration<double>> reported, full;
  ASSERT_TRUE(TimeUntil(
      [&] {
        const auto now = std::chrono::steady_clock::now();
        if (!reported) {
          status = ThermalStatus(daemon);
          if (InFailsafe(status)) reported = now - injected;
        }
        if (!full && SimState(daemon)["mcu"]["commanded_duty"] == 1.0) {
          full = now - injected;
        }
        return reported && full;
      },
      fault.evidence + period * 4 + kSlack))
      << "after " << fault.name << ": reported " << reported.has_value()
      << ", fan full " << full.has_value() << "\n"
      << ThermalStatus(daemon).dump() << "\n"
      << daemon.log();
  std::printf(
      "%s: failsafe reported after %.2f, fan full after %.2f "
      "periods%s: %s\n",
      fault.name.c_str(), *reported / period, *full / period,
      fault.evidence.count() > 0 ? " (incl. the evidence time)" : "",
      Reasons(status).c_str());
  EXPECT_LE(*reported, fault.evidence + period * 2 + kSlack);
  EXPECT_LE(*full, fault.evidence + period * 2 + kSlack);
  EXPECT_NE(Reasons(status).find(fault.reason), std::string::npos)
      << Reasons(status);
  EXPECT_EQ(status["schedule"]["fan_duty"], 1.0);
  if (fault.unreachable) {
    EXPECT_EQ(ReadyStatus(daemon), 503);
  } else {
    // Ready (SPEC: models loaded, board reachable), and saying why not
    // at full speed.
    auto client = daemon.Client();
    Reply ready = Send(*client, "GET", "/ready");
    EXPECT_EQ(ready.status, 200) << "the board still answers";
    EXPECT_EQ(ready.body["failsafe"]["active"], true) << ready.text;
    EXPECT_NE(ready.body["failsafe"]["reasons"].dump().find(fault.reason),
              std::string::npos)
        << ready.text;
  }

  ASSERT_EQ(SimCommand(daemon, "clear").rfind("ok", 0), 0u);
  auto left = TimeUntil([&] { return !InFailsafe(ThermalStatus(daemon)); },
                        period * (kCleanReadsToRecover + 4) + kSlack * 2);
  ASSERT_TRUE(left) << "still in failsafe after clear: "
                    << Reasons(ThermalStatus(daemon)) << "\n"
                    << daemon.log();
  std::printf("%s: failsafe ended %.2f periods after clear\n",
              fault.name.c_str(), *left / period);
  // Recovery waits for the clean reads, and not much longer (a silent
  // MCU's last read may still be timing out when clear arrives).
  EXPECT_LE(*left, period * (kCleanReadsToRecover + 2) + kSlack);
  EXPECT_EQ(ReadyStatus(daemon), 200);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
}

// Noise the framing recovers from is no fault: the simulator's heaviest
// (1000 random bytes before every answer) leaves frames whole, since the
// decoder resynchronises on the next sync pair and CRC. Breaking frames
// takes `corrupt` (line_noise_breaks_frames below).
TEST(SimLineNoise, HeaviestNoise_FramesRecovered_NoFailsafe) {
  const std::chrono::duration<double> period(kPeriodMs / 1000.0);
  Daemon daemon(SimDaemonOptions(SimConfig(
      {"--time-scale", std::to_string(kTimeScale), "--cpu-watts", "0"},
      kPeriodMs)));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  ASSERT_EQ(SimCommand(daemon, "noise 1000").rfind("ok", 0), 0u);
  const double periods_before =
      ThermalStatus(daemon)["counters"]["periods"].get<double>();
  auto failsafe =
      TimeUntil([&] { return InFailsafe(ThermalStatus(daemon)); }, period * 5);
  EXPECT_FALSE(failsafe) << Reasons(ThermalStatus(daemon));
  nlohmann::json status = ThermalStatus(daemon);
  EXPECT_GE(status["counters"]["periods"].get<double>() - periods_before, 4);
  EXPECT_EQ(status["counters"]["read_errors"], 0);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
}

Fault MakeFault(std::string name, std::string inject, std::string reason,
                bool unreachable) {
  Fault fault;
  fault.name = std::move(name);
  fault.inject = {std::move(inject)};
  fault.reason = std::move(reason);
  fault.unreachable = unreachable;
  return fault;
}

std::vector<Fault> Faults() {
  // A frozen count is a fault only once heat has changed and the count
  // has not: a load swing after the freeze gives that evidence after the
  // stuck time.
  Fault stuck = MakeFault("ntc_stuck", "ntc vrm stuck", "vrm: stuck", false);
  stuck.evidence = std::chrono::duration<double>(kStuckAfterSimS / kTimeScale);
  stuck.then = {"load 10"};
  return {
      MakeFault("ntc_open", "ntc soc open", "soc:", false),
      MakeFault("ntc_short", "ntc npu short", "npu:", false),
      stuck,
      MakeFault("fan_stall", "fan stall", "fan:", false),
      MakeFault("mcu_silence", "silence on", "board unreachable", true),
      // Every answer's frame broken: bit flips fail its CRC.
      MakeFault("line_noise_breaks_frames", "corrupt 1000000",
                "board unreachable", true),
  };
}

INSTANTIATE_TEST_SUITE_P(Faults, SimFailsafe, ::testing::ValuesIn(Faults()),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace nymph::testing
