#include "board/hwmon_board.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fake_sysfs.h"

namespace nymph::board {
namespace {

using testing::FakeSysfs;

// Three chips, linked from class/hwmon the way the kernel does it, in an
// hwmonN order unrelated to the configuration's order.
class HwmonBoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddChip("hwmon2", "devices/platform/ntc", "nymph_ntc");
    sysfs_.Write("devices/platform/ntc/hwmon/hwmon2/temp1_input", "45500\n");
    sysfs_.Write("devices/platform/ntc/hwmon/hwmon2/temp2_input", "-1250\n");
    AddChip("hwmon0", "devices/platform/fan", "pwmfan");
    sysfs_.Write(Fan("fan1_input"), "1500\n");
    sysfs_.Write(Fan("pwm1"), "77\n");
    sysfs_.Write(Fan("pwm1_enable"), "2\n");
    AddChip("hwmon1", "devices/i2c-3/3-0060", "tps53667");
    sysfs_.Write(Vr("in1_input"), "12000\n");
    sysfs_.Write(Vr("in2_input"), "850\n");
    sysfs_.Write(Vr("curr1_input"), "20500\n");
    sysfs_.Write(Vr("power1_input"), "17425000\n");

    config_.sysfs_root = sysfs_.root();
    config_.zones = {{"soc", "nymph_ntc", 1}, {"ambient", "nymph_ntc", 2}};
    config_.fan = HwmonFan{"pwmfan", 1, 1};
    HwmonRail vcore;
    vcore.rail = "vcore";
    vcore.chip = "tps53667";
    vcore.volts_in = 1;
    vcore.volts_out = 2;
    vcore.amps_out = 1;
    vcore.watts_out = 1;
    config_.rails = {vcore};
  }

  void AddChip(const std::string& hwmon, const std::string& device,
               const std::string& name) {
    const std::string dir = device + "/hwmon/" + hwmon;
    sysfs_.Write(dir + "/name", name + "\n");
    sysfs_.Link(dir, "class/hwmon/" + hwmon);
  }
  static std::string Fan(const std::string& file) {
    return "devices/platform/fan/hwmon/hwmon0/" + file;
  }
  static std::string Vr(const std::string& file) {
    return "devices/i2c-3/3-0060/hwmon/hwmon1/" + file;
  }
  std::unique_ptr<HwmonBoard> OpenBoard() {
    StatusOr<std::unique_ptr<HwmonBoard>> board = HwmonBoard::Open(config_);
    EXPECT_TRUE(board.ok()) << board.status().message();
    return board.ok() ? std::move(*board) : nullptr;
  }

  FakeSysfs sysfs_;
  HwmonConfig config_;
};

TEST_F(HwmonBoardTest, Read_ConvertsKernelUnitsToSi) {
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  StatusOr<BoardReadings> readings = board->Read();
  ASSERT_TRUE(readings.ok());
  ASSERT_EQ(readings->zones.size(), 2u);
  EXPECT_EQ(readings->zones[0].zone, "soc");
  EXPECT_DOUBLE_EQ(*readings->zones[0].celsius, 45.5);
  EXPECT_EQ(readings->zones[1].zone, "ambient");
  EXPECT_DOUBLE_EQ(*readings->zones[1].celsius, -1.25);
  EXPECT_EQ(readings->fan.fault, "");
  EXPECT_DOUBLE_EQ(*readings->fan.rpm, 1500.0);
  EXPECT_DOUBLE_EQ(*readings->fan.duty, 77.0 / 255.0);
  ASSERT_EQ(readings->rails.size(), 1u);
  const RailReading& vcore = readings->rails[0];
  EXPECT_EQ(vcore.fault, "");
  EXPECT_DOUBLE_EQ(*vcore.volts_in, 12.0);
  EXPECT_DOUBLE_EQ(*vcore.volts_out, 0.85);
  EXPECT_DOUBLE_EQ(*vcore.amps_out, 20.5);
  EXPECT_DOUBLE_EQ(*vcore.watts_out, 17.425);
  EXPECT_NE(board->Describe().find("tps53667"), std::string::npos);
}

TEST_F(HwmonBoardTest, MissingOrUnreadableFile_FaultsThatSensorOnly) {
  sysfs_.Remove("devices/platform/ntc/hwmon/hwmon2/temp1_input");
  sysfs_.Write(Vr("curr1_input"), "n/a\n");
  // A directory where a file should be: read() fails with EISDIR.
  sysfs_.Remove(Vr("in1_input"));
  sysfs_.MakeDirectory(Vr("in1_input"));
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  StatusOr<BoardReadings> readings = board->Read();
  ASSERT_TRUE(readings.ok());
  const TemperatureReading& soc = readings->zones[0];
  EXPECT_FALSE(soc.celsius.has_value());
  EXPECT_NE(soc.fault.find("temp1_input"), std::string::npos) << soc.fault;
  EXPECT_DOUBLE_EQ(*readings->zones[1].celsius, -1.25);
  const RailReading& vcore = readings->rails[0];
  EXPECT_FALSE(vcore.amps_out.has_value());
  EXPECT_FALSE(vcore.volts_in.has_value());
  EXPECT_NE(vcore.fault.find("curr1_input"), std::string::npos);
  EXPECT_NE(vcore.fault.find("in1_input"), std::string::npos);
  EXPECT_DOUBLE_EQ(*vcore.volts_out, 0.85);
}

TEST_F(HwmonBoardTest, RailOutsidePlausibleRange_IsAFault) {
  config_.rails[0].volts_out_range = PlausibleRange{0.5, 1.5};
  sysfs_.Write(Vr("in2_input"), "5000\n");
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  const RailReading vcore = board->Read()->rails[0];
  EXPECT_FALSE(vcore.volts_out.has_value());
  EXPECT_NE(vcore.fault.find("vcore output voltage"), std::string::npos);
  EXPECT_DOUBLE_EQ(*vcore.volts_in, 12.0);
}

// A fan that reads 0 RPM while driven may be spinning up; the reading is
// what the chip says, and SensorCheck decides when it has lasted long
// enough to be a stall (regression: a false failsafe at every start).
TEST_F(HwmonBoardTest, ZeroRpmAtNonZeroDuty_IsZeroRpmNotYetAFault) {
  sysfs_.Write(Fan("fan1_input"), "0\n");
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  FanReading fan = board->Read()->fan;
  EXPECT_EQ(fan.fault, "");
  ASSERT_TRUE(fan.rpm.has_value());
  EXPECT_DOUBLE_EQ(*fan.rpm, 0.0);
  EXPECT_GT(fan.duty.value_or(0.0), 0.0);
}

TEST_F(HwmonBoardTest,
       SetFanDuty_GoesManualThenRestoresModeAndKeepsLastDutyOnDestruction) {
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  ASSERT_TRUE(board->SetFanDuty(0.5).ok());
  EXPECT_EQ(sysfs_.Read(Fan("pwm1_enable")), "1");
  EXPECT_EQ(sysfs_.Read(Fan("pwm1")), "128");  // round(0.5 * 255)
  EXPECT_DOUBLE_EQ(*board->Read()->fan.duty, 128.0 / 255.0);
  ASSERT_TRUE(board->SetFanDuty(1.0).ok());
  EXPECT_EQ(sysfs_.Read(Fan("pwm1")), "255");
  board.reset();
  EXPECT_EQ(sysfs_.Read(Fan("pwm1")), "255");
  EXPECT_EQ(sysfs_.Read(Fan("pwm1_enable")), "2");
}

// Writing back the duty found at Open left a chip that was in manual
// mode at that duty after the agent had set full at exit.
TEST_F(HwmonBoardTest, ManualChip_OnDestruction_KeepsFullDutyNotTheOldOne) {
  sysfs_.Write(Fan("pwm1_enable"), "1\n");
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  ASSERT_TRUE(board->SetFanDuty(0.3).ok());
  ASSERT_TRUE(board->SetFanDuty(1.0).ok());
  board.reset();
  EXPECT_EQ(sysfs_.Read(Fan("pwm1")), "255");
  EXPECT_EQ(sysfs_.Read(Fan("pwm1_enable")), "1");
}

TEST_F(HwmonBoardTest, ReadingOnly_LeavesFanControlAlone) {
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  ASSERT_TRUE(board->Read().ok());
  board.reset();
  EXPECT_EQ(sysfs_.Read(Fan("pwm1_enable")), "2\n");
  EXPECT_EQ(sysfs_.Read(Fan("pwm1")), "77\n");
}

TEST_F(HwmonBoardTest, SetFanDuty_RejectsOutOfRangeAndMissingFan) {
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  for (double bad : {-0.1, 1.01, std::nan("")}) {
    EXPECT_EQ(board->SetFanDuty(bad).code(), "duty_out_of_range") << bad;
  }
  EXPECT_EQ(sysfs_.Read(Fan("pwm1_enable")), "2\n");
  config_.fan.reset();
  std::unique_ptr<HwmonBoard> fanless = OpenBoard();
  ASSERT_TRUE(fanless);
  EXPECT_EQ(fanless->SetFanDuty(0.5).code(), "no_fan");
  EXPECT_NE(fanless->Read()->fan.fault, "");
}

TEST_F(HwmonBoardTest, AbsentChip_FailsNamingTheChipsFound) {
  config_.zones.push_back({"npu", "rk3588_npu", 1});
  StatusOr<std::unique_ptr<HwmonBoard>> board = HwmonBoard::Open(config_);
  ASSERT_FALSE(board.ok());
  EXPECT_EQ(board.status().code(), "hwmon_chip_missing");
  const std::string& message = board.status().message();
  EXPECT_NE(message.find("rk3588_npu"), std::string::npos);
  for (const char* found : {"nymph_ntc", "pwmfan", "tps53667"}) {
    EXPECT_NE(message.find(found), std::string::npos) << message;
  }
}

TEST_F(HwmonBoardTest, TwoChipsOfOneName_AreAmbiguousAndToldApartByDevice) {
  AddChip("hwmon3", "devices/platform/ntc2", "nymph_ntc");
  sysfs_.Write("devices/platform/ntc2/hwmon/hwmon3/temp1_input", "61000\n");
  StatusOr<std::unique_ptr<HwmonBoard>> board = HwmonBoard::Open(config_);
  ASSERT_FALSE(board.ok());
  EXPECT_EQ(board.status().code(), "hwmon_chip_ambiguous");
  // The message names each candidate as it can be written in the config.
  for (const char* choice : {"nymph_ntc@ntc", "nymph_ntc@ntc2"}) {
    EXPECT_NE(board.status().message().find(choice), std::string::npos)
        << board.status().message();
  }

  // Named with its device, each is the one meant, whichever hwmonN it got.
  config_.zones = {{"soc", "nymph_ntc@ntc2", 1},
                   {"ambient", "nymph_ntc@ntc", 2}};
  std::unique_ptr<HwmonBoard> told_apart = OpenBoard();
  ASSERT_TRUE(told_apart);
  auto readings = told_apart->Read();
  ASSERT_TRUE(readings.ok());
  EXPECT_DOUBLE_EQ(*readings->zones[0].celsius, 61.0);
  EXPECT_DOUBLE_EQ(*readings->zones[1].celsius, -1.25);

  config_.zones = {{"soc", "nymph_ntc@ntc3", 1}};
  board = HwmonBoard::Open(config_);
  ASSERT_FALSE(board.ok());
  EXPECT_EQ(board.status().code(), "hwmon_chip_missing");
}

TEST_F(HwmonBoardTest, LegacyDeviceDirectory_IsFound) {
  // Older kernels keep name and attributes in hwmonN/device/.
  sysfs_.Write("devices/legacy/hwmon/hwmon4/device/name", "it8728\n");
  sysfs_.Write("devices/legacy/hwmon/hwmon4/device/temp3_input", "30000\n");
  sysfs_.Link("devices/legacy/hwmon/hwmon4", "class/hwmon/hwmon4");
  config_.zones.push_back({"vrm", "it8728", 3});
  std::unique_ptr<HwmonBoard> board = OpenBoard();
  ASSERT_TRUE(board);
  EXPECT_DOUBLE_EQ(*board->Read()->zones[2].celsius, 30.0);
}

}  // namespace
}  // namespace nymph::board
