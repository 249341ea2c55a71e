// McuBoard (the agent's Board over the MCU link) against the real
// nymph-boardsim: what the agent reads must match the simulator's truth
// within the sensors' resolution, and faults must arrive as faults.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "boardsim_process.h"
#include "mcu/mcu_board.h"

namespace nymph::mcu {
namespace {

using testing::BoardSimProcess;
using namespace std::chrono_literals;

class McuBoardOnBoardSim : public ::testing::Test {
 protected:
  void Launch(std::vector<std::string> args) {
    sim_ = std::make_unique<BoardSimProcess>(std::move(args));
    ASSERT_TRUE(sim_->Start()) << sim_->log();
    auto board = McuBoard::Open(sim_->device());
    ASSERT_TRUE(board.ok()) << board.status().message();
    board_ = std::move(*board);
  }

  const board::TemperatureReading* Zone(const board::BoardReadings& r,
                                        const std::string& name) {
    for (const auto& zone : r.zones) {
      if (zone.zone == name) return &zone;
    }
    return nullptr;
  }

  std::unique_ptr<BoardSimProcess> sim_;
  std::unique_ptr<McuBoard> board_;
};

TEST_F(McuBoardOnBoardSim, Read_MatchesTheSimulatedTruth) {
  // Time scale 1: the truth barely moves between the two looks.
  Launch({"--cpu-watts", "0", "--load-watts", "12", "--ambient", "30"});
  ASSERT_TRUE(board_->SetFanDuty(0.7).ok());
  auto readings = board_->Read();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  nlohmann::json truth = sim_->State();
  ASSERT_EQ(readings->zones.size(), 5u);
  for (const std::string name : {"soc", "vrm", "npu", "nvme"}) {
    const auto* zone = Zone(*readings, name);
    ASSERT_NE(zone, nullptr);
    ASSERT_TRUE(zone->celsius) << zone->fault;
    // One ADC count is under 0.05 K near 30 °C.
    EXPECT_NEAR(*zone->celsius, truth["zones"][name]["celsius"].get<double>(),
                0.1)
        << name;
  }
  ASSERT_TRUE(Zone(*readings, "ambient")->celsius);
  EXPECT_NEAR(*Zone(*readings, "ambient")->celsius, 30.0, 0.1);
  EXPECT_EQ(readings->fan.duty, 0.7);
  ASSERT_EQ(readings->rails.size(), 2u);
  for (const auto& rail : readings->rails) {
    EXPECT_TRUE(rail.fault.empty()) << rail.rail << ": " << rail.fault;
    const auto& t = truth["rails"][rail.rail];
    ASSERT_TRUE(rail.volts_out && rail.volts_in && rail.amps_out &&
                rail.watts_out);
    // VID steps are 5 mV; LINEAR11 keeps about 1 part in 1000.
    EXPECT_NEAR(*rail.volts_out, t["volts_out"].get<double>(), 0.003);
    EXPECT_NEAR(*rail.volts_in, t["volts_in"].get<double>(), 0.02);
    EXPECT_NEAR(*rail.amps_out, t["amps_out"].get<double>(), 0.02);
    EXPECT_NEAR(*rail.watts_out, t["watts_out"].get<double>(), 0.02);
  }
  EXPECT_TRUE(readings->faults.empty());
}

TEST_F(McuBoardOnBoardSim, FanSpeed_FromTheTachMatchesTheTrueSpeed) {
  Launch({"--time-scale", "100"});
  ASSERT_TRUE(board_->SetFanDuty(0.7).ok());
  auto settled = [&] {
    return std::abs(sim_->State()["fan"]["rpm"].get<double>() - 4200) < 0.5;
  };
  for (int i = 0; i < 500 && !settled(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(settled());
  auto readings = board_->Read();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  ASSERT_TRUE(readings->fan.rpm) << readings->fan.fault;
  // The period is whole microseconds: 7143 µs for 4200 RPM, ±1 RPM.
  EXPECT_NEAR(*readings->fan.rpm, 4200, 2.0);
}

TEST_F(McuBoardOnBoardSim, OpenThermistor_IsAFaultNotATemperature) {
  Launch({"--time-scale", "100", "--fault", "ntc npu open"});
  auto readings = board_->Read();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  const auto* npu = Zone(*readings, "npu");
  EXPECT_FALSE(npu->celsius);
  EXPECT_FALSE(npu->fault.empty());
  EXPECT_TRUE(Zone(*readings, "soc")->celsius);
}

TEST_F(McuBoardOnBoardSim, StalledFan_IsAFanFault) {
  Launch({"--time-scale", "100", "--fault", "fan stall"});
  // The MCU calls a stall after 1 s of its simulated time without pulses
  // (10 ms here); poll, bounded, rather than race its first verdict.
  StatusOr<board::BoardReadings> readings = board_->Read();
  for (int i = 0; i < 40 && readings.ok() && readings->fan.fault.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    readings = board_->Read();
  }
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_FALSE(readings->fan.rpm);
  EXPECT_NE(readings->fan.fault.find("stalled"), std::string::npos)
      << readings->fan.fault;
}

// Regression: every start of nymphd went into failsafe for three periods
// because the first read, before the fan's first tachometer pulse, was
// reported as a stall. At 0.01x the fan needs seconds of real time to
// turn half a revolution, so the reads below all come before the first
// pulse, yet the MCU has not called a stall either.
TEST_F(McuBoardOnBoardSim, FanSpinningUpBeforeFirstPulse_IsZeroRpmNotAFault) {
  Launch({"--time-scale", "0.01"});
  auto readings = board_->Read();
  ASSERT_TRUE(readings.ok()) << readings.status().message();
  EXPECT_EQ(readings->fan.fault, "");
  ASSERT_TRUE(readings->fan.rpm);
  EXPECT_DOUBLE_EQ(*readings->fan.rpm, 0.0);
}

TEST_F(McuBoardOnBoardSim, SilentMcu_ReadIsAnError) {
  Launch({"--time-scale", "100"});
  ASSERT_EQ(sim_->Control("silence on"), "ok silence on");
  auto readings = board_->Read();
  ASSERT_FALSE(readings.ok());
  EXPECT_EQ(readings.status().code(), "mcu_timeout");
}

TEST_F(McuBoardOnBoardSim, SetFanDuty_OutOfRangeIsRefused) {
  Launch({"--time-scale", "100"});
  EXPECT_EQ(board_->SetFanDuty(1.5).code(), "duty_out_of_range");
  EXPECT_EQ(board_->SetFanDuty(-0.1).code(), "duty_out_of_range");
}

}  // namespace
}  // namespace nymph::mcu
