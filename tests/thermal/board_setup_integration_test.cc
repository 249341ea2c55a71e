// How nymphd opens its board and leaves it: hwmon on a fake sysfs tree
// made here, the fan at full at exit, and exit status 2 with a message
// for every board it cannot open.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "board_daemon.h"
#include "boardsim_process.h"
#include "fake_sysfs.h"

namespace nymph::testing {
namespace {

namespace fs = std::filesystem;
using board::testing::FakeSysfs;

constexpr const char* kNtc = "devices/platform/ntc/hwmon/hwmon3";
constexpr const char* kFan = "devices/platform/fan/hwmon/hwmon1";

// Two chips as the kernel lays them out: class/hwmon/hwmonN links to the
// device's directory, found by `name`; and one cpufreq policy.
void MakeCard(const FakeSysfs& sysfs) {
  sysfs.Write(std::string(kNtc) + "/name", "nymph_ntc\n");
  sysfs.Write(std::string(kNtc) + "/temp1_input", "45250\n");
  sysfs.Write(std::string(kNtc) + "/temp2_input", "30000\n");
  sysfs.Link(kNtc, "class/hwmon/hwmon3");
  sysfs.Write(std::string(kFan) + "/name", "pwmfan\n");
  sysfs.Write(std::string(kFan) + "/fan1_input", "2400\n");
  sysfs.Write(std::string(kFan) + "/pwm1", "77\n");
  sysfs.Write(std::string(kFan) + "/pwm1_enable", "2\n");
  sysfs.Link(kFan, "class/hwmon/hwmon1");
  const std::string policy = "devices/system/cpu/cpufreq/policy0/";
  sysfs.Write(policy + "cpuinfo_min_freq", "408000\n");
  sysfs.Write(policy + "cpuinfo_max_freq", "2400000\n");
  sysfs.Write(policy + "scaling_max_freq", "2400000\n");
}

std::string HwmonConfig(const FakeSysfs& sysfs, const std::string& zones) {
  return "[board]\nkind = \"hwmon\"\nsysfs_root = \"" + sysfs.root().string() +
         "\"\nhwmon_zones = " + zones +
         "\nhwmon_fan = \"pwmfan:1\"\n[thermal]\nperiod_ms = 100\n"
         "target_c = 55.0\n";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

DaemonOptions WithConfig(const std::string& toml) {
  DaemonOptions options;
  options.models_dir = OwnTestDataDir() + "/models";
  options.extra_args = {"--config", WriteConfigFile("board", toml)};
  return options;
}

TEST(HwmonBoard, ZonesShown_PwmWrittenManually_FullAndModeRestoredAtExit) {
  FakeSysfs sysfs;
  MakeCard(sysfs);
  Daemon daemon(WithConfig(
      HwmonConfig(sysfs, R"(["soc=nymph_ntc:1", "ambient=nymph_ntc:2"])")));
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  nlohmann::json status;
  // 45.25 °C at 30 °C ambient is 10 °C under the target: the fan goes to
  // its minimum duty 0.25, which is pwm round(0.25 × 255) = 64.
  ASSERT_TRUE(TimeUntil(
      [&] {
        status = ThermalStatus(daemon);
        return Trimmed(sysfs.Read(std::string(kFan) + "/pwm1")) == "64";
      },
      std::chrono::seconds(5)))
      << sysfs.Read(std::string(kFan) + "/pwm1") << "\n"
      << status.dump() << "\n"
      << daemon.log();
  EXPECT_EQ(Trimmed(sysfs.Read(std::string(kFan) + "/pwm1_enable")), "1");
  EXPECT_EQ(status["readings"]["zones"]["soc"], 45.25);
  EXPECT_EQ(status["readings"]["zones"]["ambient"], 30.0);
  EXPECT_EQ(status["readings"]["fan"]["rpm"], 2400.0);
  EXPECT_EQ(status["failsafe"]["active"], false) << status.dump();
  EXPECT_EQ(status["delta_t_c"], 15.25);

  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
  EXPECT_EQ(Trimmed(sysfs.Read(std::string(kFan) + "/pwm1")), "255");
  EXPECT_EQ(Trimmed(sysfs.Read(std::string(kFan) + "/pwm1_enable")), "2");
}

TEST(HwmonBoard, BadMapping_ExitsTwoSayingWhich) {
  FakeSysfs sysfs;
  MakeCard(sysfs);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(["soc-nymph_ntc-1"])", "board.hwmon_zones 'soc-nymph_ntc-1'"},
      {R"(["soc=nymph_ntc:x"])", "board.hwmon_zones 'soc=nymph_ntc:x'"},
      {R"(["soc=no_such_chip:1"])", "no_such_chip"},
      {"[]", "board.hwmon_zones"},
  };
  for (const auto& [zones, message] : cases) {
    SCOPED_TRACE(zones);
    Daemon daemon(WithConfig(HwmonConfig(sysfs, zones)));
    EXPECT_FALSE(daemon.Start(false, 10));
    EXPECT_EQ(daemon.WaitExit(), 2) << daemon.log();
    EXPECT_NE(daemon.log().find(message), std::string::npos) << daemon.log();
  }
  // Nothing was taken over.
  EXPECT_EQ(sysfs.Read(std::string(kFan) + "/pwm1_enable"), "2\n");
}

TEST(SimBoard, BadSimArgs_ExitsTwoSayingWhich) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--no-such-flag"}, "board.sim_args"},
      {{"--time-scale", "fast"}, "--time-scale 'fast'"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args.at(0));
    Daemon daemon(SimDaemonOptions(SimConfig(args, 1000)));
    EXPECT_FALSE(daemon.Start(false, 10));
    EXPECT_EQ(daemon.WaitExit(), 2) << daemon.log();
    EXPECT_NE(daemon.log().find(message), std::string::npos) << daemon.log();
  }
}

TEST(SimBoard, SimulatorMissing_ExitsTwoSayingWhatToDo) {
  // nymphd looks for nymph-boardsim beside itself: a copy elsewhere has
  // none. Run to its exit, its log on the pipe.
  const fs::path lonely = fs::path(TestTempDir()) / "lonely";
  fs::create_directories(lonely);
  fs::copy_file(NymphdPath(), lonely / "nymphd",
                fs::copy_options::overwrite_existing);
  const std::string command = (lonely / "nymphd").string() +
                              " --http --listen 127.0.0.1:0" + " --models " +
                              OwnTestDataDir() + "/models --state-dir " +
                              (lonely / "state").string() + " --board sim 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string log;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
    log.append(buffer, n);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 2) << log;
  EXPECT_NE(log.find("nymph-boardsim not found"), std::string::npos) << log;
}

TEST(McuBoard, DeviceMissing_ExitsTwo) {
  DaemonOptions options;
  options.models_dir = OwnTestDataDir() + "/models";
  options.extra_args = {"--board", "mcu", "--mcu-device", "/nonexistent"};
  Daemon daemon(options);
  EXPECT_FALSE(daemon.Start(false, 10));
  EXPECT_EQ(daemon.WaitExit(), 2) << daemon.log();
  EXPECT_NE(daemon.log().find("/nonexistent"), std::string::npos)
      << daemon.log();
}

// With `--board sim` nymphd stops its simulator as it exits, so the fan's
// last duty is observed on a simulator the test runs itself: nymphd on it
// with `--board mcu`, the MCU's own watchdog off so that only the agent
// can have set the fan.
TEST(McuBoard, Sigterm_LeavesTheFanAtFull) {
  BoardSimProcess sim(
      {"--time-scale", "50", "--cpu-watts", "0", "--watchdog", "0"});
  ASSERT_TRUE(sim.Start()) << sim.log();
  DaemonOptions options;
  options.models_dir = OwnTestDataDir() + "/models";
  options.extra_args = {
      "--board",      "mcu",
      "--mcu-device", sim.device(),
      "--config",     WriteConfigFile("mcu", "[thermal]\nperiod_ms = 100\n")};
  Daemon daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  ASSERT_TRUE(
      TimeUntil([&] { return sim.State()["mcu"]["commanded_duty"] < 0.99; },
                std::chrono::seconds(5)))
      << "the controller never lowered the fan\n"
      << daemon.log();
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
  nlohmann::json state = sim.State();
  EXPECT_EQ(state["mcu"]["commanded_duty"], 1.0) << state.dump();
  EXPECT_EQ(state["mcu"]["fault_flags"], nlohmann::json::array())
      << "full by the agent, not by a watchdog";
  EXPECT_EQ(sim.Stop(), 0);
}

// Regression: a second daemon refused for its port had already started
// its controller, which truncated the thermal log the first was writing.
TEST(SimBoard, SecondDaemonRefusedForItsPort_LeavesTheFirstsThermalLog) {
  const std::string log_file = TestTempDir() + "/shared-thermal.log";
  const std::string config =
      SimConfig({"--time-scale", "50", "--cpu-watts", "0"}, 100,
                "log_file = \"" + log_file + "\"\n");
  Daemon first(SimDaemonOptions(config));
  ASSERT_TRUE(first.Start()) << first.log();
  ASSERT_TRUE(TimeUntil([&] { return fs::file_size(log_file) > 0; },
                        std::chrono::seconds(5)));
  auto read_all = [&] {
    std::ifstream in(log_file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = read_all();
  DaemonOptions options = SimDaemonOptions(config);
  options.extra_args.insert(
      options.extra_args.end(),
      {"--listen", "127.0.0.1:" + std::to_string(first.port())});
  Daemon second(options);
  EXPECT_FALSE(second.Start(false, 10));
  EXPECT_EQ(second.WaitExit(), 2) << second.log();
  // What the first daemon wrote is still there, only grown (its header
  // names its own state directory, so a rewrite would differ).
  const std::string after = read_all();
  EXPECT_EQ(after.substr(0, before.size()), before) << after;
  EXPECT_EQ(first.Stop(SIGTERM), 0) << first.log();
}

}  // namespace
}  // namespace nymph::testing
