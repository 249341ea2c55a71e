// McuClient against the real nymph-boardsim on a pseudo-terminal: every
// command, the handshake, retries, time-outs, line noise, the watchdog,
// fault injection, and the physics compared with closed-form solutions.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "boardsim_process.h"
#include "by_hand.h"
#include "mcu/mcu_client.h"
#include "mcu/serial_port.h"

namespace nymph::mcu {
namespace {

using testing::BoardSimProcess;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

bool WaitFor(const std::function<bool()>& condition, double timeout_s = 10) {
  auto start = SteadyClock::now();
  while (!condition()) {
    if (SteadyClock::now() - start > std::chrono::duration<double>(timeout_s))
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool HasFlag(const nlohmann::json& state, const std::string& flag) {
  for (const auto& f : state["mcu"]["fault_flags"]) {
    if (f == flag) return true;
  }
  return false;
}

class ClientOnBoardSim : public ::testing::Test {
 protected:
  void Launch(std::vector<std::string> args, McuClientOptions options = {}) {
    sim_ = std::make_unique<BoardSimProcess>(std::move(args));
    ASSERT_TRUE(sim_->Start()) << sim_->log();
    auto port = SerialPort::Open(sim_->device());
    ASSERT_TRUE(port.ok()) << port.status().message();
    auto client = McuClient::Connect(std::move(*port), options);
    ASSERT_TRUE(client.ok()) << client.status().message() << sim_->log();
    client_ = std::move(*client);
  }

  std::unique_ptr<BoardSimProcess> sim_;
  std::unique_ptr<McuClient> client_;
};

TEST_F(ClientOnBoardSim, Handshake_ReportsProtocolAndSensorCounts) {
  Launch({"--time-scale", "100"});
  McuIdentity id = client_->identity();
  EXPECT_EQ(id.protocol_major, kProtocolMajor);
  EXPECT_EQ(id.ntc_channels, 5);
  EXPECT_EQ(id.rails, 2);
  EXPECT_EQ(client_->stats().handshakes, 1u);
}

TEST_F(ClientOnBoardSim, Heartbeat_UptimeAdvances) {
  Launch({"--time-scale", "100"});
  auto first = client_->Heartbeat();
  ASSERT_TRUE(first.ok()) << first.status().message();
  std::this_thread::sleep_for(50ms);
  auto second = client_->Heartbeat();
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->uptime_ms, first->uptime_ms);
}

TEST_F(ClientOnBoardSim, GetStatus_ReportsWatchdogTimeoutAndFrameCounts) {
  Launch({"--watchdog", "2.5"});
  auto status = client_->GetStatus();
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(status->watchdog_timeout_ms, 2500);
  EXPECT_EQ(status->frames_ok, 2);  // HELLO and this request
  EXPECT_EQ(status->watchdog_trips, 0);
}

TEST_F(ClientOnBoardSim, SetFanDuty_IsEchoedAndTheTachFollowsTheTrueSpeed) {
  Launch({"--time-scale", "100"});
  auto echoed = client_->SetFanDuty(5000);
  ASSERT_TRUE(echoed.ok()) << echoed.status().message();
  EXPECT_EQ(*echoed, 5000);
  // Lag of 1.5 s simulated: settled after well under a real second. The
  // speed only ever gets closer, so within 0.05 RPM now means a period
  // within 0.2 µs of 10000 later.
  ASSERT_TRUE(WaitFor([&] {
    return std::abs(sim_->State()["fan"]["rpm"].get<double>() - 3000) < 0.05;
  }));
  auto fan = client_->GetFan();
  ASSERT_TRUE(fan.ok());
  EXPECT_EQ(fan->commanded_duty, 5000);
  EXPECT_EQ(fan->applied_duty, 5000);
  // 2 pulses per revolution: period = 60 s / (2 · RPM).
  EXPECT_NEAR(fan->tach_period_us, 60e6 / (2 * 3000.0), 1.0);
}

TEST_F(ClientOnBoardSim, SetFanDuty_AboveFullScaleIsRefused) {
  Launch({"--time-scale", "100"});
  auto echoed = client_->SetFanDuty(kDutyFullScale + 1);
  ASSERT_FALSE(echoed.ok());
  EXPECT_EQ(echoed.status().code(), "mcu_bad_argument");
}

TEST_F(ClientOnBoardSim, ReadNtc_CountsFollowTheDividerAtTheTrueTemperature) {
  // Time scale 1 and no load: temperatures drift by millikelvins between
  // the state query and the reading.
  Launch({"--ambient", "40", "--cpu-watts", "0"});
  auto ambient = client_->ReadNtc(4);
  ASSERT_TRUE(ambient.ok()) << ambient.status().message();
  EXPECT_EQ(*ambient, testing::ExpectedNtcCounts(40.0));
  nlohmann::json state = sim_->State();
  for (uint8_t ch = 0; ch < 4; ++ch) {
    std::string zone(kNtcChannelNames[ch]);
    auto counts = client_->ReadNtc(ch);
    ASSERT_TRUE(counts.ok());
    double celsius = state["zones"][zone]["celsius"];
    EXPECT_NEAR(*counts, testing::ExpectedNtcCounts(celsius), 1.0) << zone;
  }
  auto bad = client_->ReadNtc(5);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "mcu_bad_argument");
}

TEST_F(ClientOnBoardSim, Pmbus_RailsEncodeTheTrueValues) {
  Launch({"--cpu-watts", "0", "--load-watts", "10"});
  auto mode0 = client_->PmbusReadByte(0, pmbus::kVoutMode);
  auto mode1 = client_->PmbusReadByte(1, pmbus::kVoutMode);
  ASSERT_TRUE(mode0.ok() && mode1.ok());
  EXPECT_EQ(*mode0, 0x17);  // LINEAR16, exponent −9
  EXPECT_EQ(*mode1, 0x21);  // VID, VR12
  auto vout0 = client_->PmbusReadWord(0, pmbus::kReadVout);
  auto vout1 = client_->PmbusReadWord(1, pmbus::kReadVout);
  ASSERT_TRUE(vout0.ok() && vout1.ok());
  EXPECT_EQ(*vout0, 512);  // 1.0 V · 2^9 at full clock
  EXPECT_EQ(*vout1, 121);  // 0.85 V: (0.85 − 0.25) / 5 mV + 1
  nlohmann::json rails = sim_->State()["rails"];
  struct Check {
    uint8_t rail;
    uint8_t code;
    double truth;
  };
  for (const Check& c :
       {Check{0, pmbus::kReadVin, rails["vcore"]["volts_in"]},
        Check{0, pmbus::kReadIout, rails["vcore"]["amps_out"]},
        Check{0, pmbus::kReadPout, rails["vcore"]["watts_out"]},
        Check{1, pmbus::kReadPout, rails["vnpu"]["watts_out"]},
        Check{1, pmbus::kReadIin, rails["vnpu"]["amps_in"]},
        Check{1, pmbus::kReadPin, rails["vnpu"]["watts_in"]}}) {
    auto word = client_->PmbusReadWord(c.rail, c.code);
    ASSERT_TRUE(word.ok()) << word.status().message();
    double lsb = std::pow(2.0, testing::Linear11Exponent(*word));
    EXPECT_NEAR(testing::DecodeLinear11ByHand(*word), c.truth, lsb / 2)
        << "rail " << int(c.rail) << " code " << int(c.code);
  }
  auto status = client_->PmbusReadWord(0, pmbus::kStatusWord);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, 0);
}

TEST_F(ClientOnBoardSim, Pmbus_UnsupportedCodesAndBadRailsAreErrors) {
  Launch({"--time-scale", "100"});
  auto mfr = client_->PmbusReadWord(0, 0x99);  // MFR_ID: not implemented
  ASSERT_FALSE(mfr.ok());
  EXPECT_EQ(mfr.status().code(), "pmbus_nack");
  auto wrong_size = client_->PmbusReadByte(0, pmbus::kReadVin);
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_EQ(wrong_size.status().code(), "pmbus_nack");
  auto rail = client_->PmbusReadWord(7, pmbus::kReadVin);
  ASSERT_FALSE(rail.ok());
  EXPECT_EQ(rail.status().code(), "mcu_bad_argument");
}

TEST_F(ClientOnBoardSim, SetLed_ReachesTheMcu) {
  Launch({"--time-scale", "100"});
  ASSERT_TRUE(client_->SetLed(LedMode::kBlinkFast).ok());
  EXPECT_EQ(sim_->State()["mcu"]["led"], 3);
}

TEST_F(ClientOnBoardSim, DroppedRequest_IsRetriedAndSucceeds) {
  Launch({"--time-scale", "100"});
  ASSERT_EQ(sim_->Control("silence 1"), "ok silence 1");
  auto beat = client_->Heartbeat();
  ASSERT_TRUE(beat.ok()) << beat.status().message();
  EXPECT_EQ(client_->stats().retries, 1u);
  EXPECT_EQ(client_->stats().failed_requests, 0u);
}

TEST_F(ClientOnBoardSim, CorruptedAnswer_IsRejectedByCrcAndRetried) {
  Launch({"--time-scale", "100"});
  ASSERT_EQ(sim_->Control("corrupt 1"), "ok corrupt 1");
  auto fan = client_->GetFan();
  ASSERT_TRUE(fan.ok()) << fan.status().message();
  McuLinkStats stats = client_->stats();
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_GE(stats.decoder.rejected_frames + stats.decoder.discarded_bytes, 1u);
}

TEST_F(ClientOnBoardSim, SilentMcu_FailsAfterEveryAttemptTimesOut) {
  McuClientOptions options;
  options.response_timeout = 100ms;
  options.retries = 2;
  Launch({"--time-scale", "100"}, options);
  ASSERT_EQ(sim_->Control("silence on"), "ok silence on");
  auto start = SteadyClock::now();
  auto beat = client_->Heartbeat();
  double elapsed =
      std::chrono::duration<double>(SteadyClock::now() - start).count();
  ASSERT_FALSE(beat.ok());
  EXPECT_EQ(beat.status().code(), "mcu_timeout");
  EXPECT_GE(elapsed, 0.3);  // three attempts of 100 ms, never fewer
  EXPECT_LT(elapsed, 5.0);  // generous: the machine is shared
  EXPECT_EQ(client_->stats().failed_requests, 1u);
  ASSERT_EQ(sim_->Control("silence off"), "ok silence off");
  EXPECT_TRUE(client_->Heartbeat().ok());
}

TEST_F(ClientOnBoardSim, LineNoise_EveryRequestStillSucceeds) {
  Launch({"--time-scale", "100", "--noise-seed", "7"});
  ASSERT_EQ(sim_->Control("noise 40"), "ok noise 40");
  for (int i = 0; i < 60; ++i) {
    auto counts = client_->ReadNtc(static_cast<uint8_t>(i % 5));
    ASSERT_TRUE(counts.ok()) << i << ": " << counts.status().message();
  }
  EXPECT_GE(client_->stats().decoder.discarded_bytes, 60u * 40 / 2);
  EXPECT_EQ(client_->stats().failed_requests, 0u);
}

TEST_F(ClientOnBoardSim, GarbageFromTheHost_McuResynchronises) {
  Launch({"--time-scale", "100"});
  auto port = SerialPort::Open(sim_->device());
  ASSERT_TRUE(port.ok());
  // A corrupted frame, then the start of one cut short.
  std::vector<uint8_t> bad = EncodeFrame({0x40, 0x02, {}});
  bad.back() ^= 0xFF;
  std::vector<uint8_t> cut = EncodeFrame({0x41, 0x20, {0x01}});
  cut.resize(4);
  std::vector<uint8_t> garbage = {0x00, 0x13, 0xA5};
  for (const auto& bytes : {garbage, bad, cut}) {
    ASSERT_TRUE((*port)->Write(bytes).ok());
  }
  auto beat = client_->Heartbeat();
  ASSERT_TRUE(beat.ok()) << beat.status().message();
  // The MCU counts corrupted frames within a second and says so once.
  ASSERT_TRUE(WaitFor([&] { return HasFlag(sim_->State(), "rx_corrupted"); }));
}

TEST_F(ClientOnBoardSim, Watchdog_HostSilenceForcesFullFanUntilHostTalks) {
  Launch({"--time-scale", "100", "--watchdog", "0.5"});
  ASSERT_TRUE(client_->SetFanDuty(4000).ok());
  // Now say nothing: the MCU must act alone.
  ASSERT_TRUE(WaitFor([&] { return HasFlag(sim_->State(), "watchdog"); }))
      << sim_->log();
  nlohmann::json state = sim_->State();
  EXPECT_EQ(state["mcu"]["applied_duty"], 1.0);
  EXPECT_EQ(state["fan"]["duty"], 1.0);
  EXPECT_EQ(state["mcu"]["commanded_duty"], 0.4);
  auto status = client_->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_GE(status->watchdog_trips, 1);
  EXPECT_FALSE(status->fault_flags & kFaultWatchdog);
  auto fan = client_->GetFan();
  ASSERT_TRUE(fan.ok());
  EXPECT_EQ(fan->applied_duty, 4000);  // restored
  EXPECT_NE(sim_->log().find("watchdog: host silent"), std::string::npos);
}

TEST_F(ClientOnBoardSim, McuReboot_ClientShakesHandsAgainByItself) {
  Launch({"--time-scale", "100"});
  ASSERT_EQ(sim_->Control("reboot"), "ok reboot");
  auto beat = client_->Heartbeat();
  ASSERT_TRUE(beat.ok()) << beat.status().message();
  EXPECT_EQ(client_->stats().handshakes, 2u);
}

TEST_F(ClientOnBoardSim, HelloWithAnotherMajorVersion_IsRefused) {
  sim_ = std::make_unique<BoardSimProcess>(std::vector<std::string>{});
  ASSERT_TRUE(sim_->Start()) << sim_->log();
  auto port = SerialPort::Open(sim_->device());
  ASSERT_TRUE(port.ok());
  Frame hello{
      7, static_cast<uint8_t>(Command::kHello), {kProtocolMajor + 1, 0}};
  ASSERT_TRUE((*port)->Write(EncodeFrame(hello)).ok());
  FrameDecoder decoder;
  std::vector<Frame> frames;
  ASSERT_TRUE(WaitFor([&] {
    auto bytes = (*port)->Read(10ms);
    if (bytes.ok()) {
      for (Frame& f : decoder.Feed(*bytes)) frames.push_back(f);
    }
    return !frames.empty();
  }));
  EXPECT_EQ(frames[0].seq, 7);
  EXPECT_EQ(frames[0].command, hello.command | kResponseBit);
  ASSERT_GE(frames[0].payload.size(), 2u);
  EXPECT_EQ(frames[0].payload[0],
            static_cast<uint8_t>(ResponseStatus::kVersionMismatch));
  EXPECT_EQ(frames[0].payload[1], kProtocolMajor);
}

TEST_F(ClientOnBoardSim, FanStall_RaisesTheFlagAndTheTachShowsNoPulses) {
  Launch({"--time-scale", "100"});
  // Spinning first: a rotor locked before its first pulse reads 0 ("no
  // pulse measured yet"), not the overflow of a fan that stopped.
  ASSERT_TRUE(WaitFor([&] {
    auto fan = client_->GetFan();
    return fan.ok() && fan->tach_period_us != 0 &&
           fan->tach_period_us != kTachOverflow;
  }));
  ASSERT_EQ(sim_->Control("fan stall"), "ok fan stall");
  ASSERT_TRUE(WaitFor([&] {
    auto beat = client_->Heartbeat();
    return beat.ok() && (beat->fault_flags & kFaultFanStall);
  }));
  auto fan = client_->GetFan();
  ASSERT_TRUE(fan.ok());
  EXPECT_EQ(fan->tach_period_us, kTachOverflow);
  ASSERT_EQ(sim_->Control("fan ok"), "ok fan ok");
  ASSERT_TRUE(WaitFor([&] {
    auto beat = client_->Heartbeat();
    return beat.ok() && !(beat->fault_flags & kFaultFanStall);
  }));
}

TEST_F(ClientOnBoardSim, NtcFaults_OpenShortAndStuckReachTheAdc) {
  Launch({"--time-scale", "100", "--fault", "ntc vrm open"});
  EXPECT_EQ(*client_->ReadNtc(1), kAdcMaxCount);
  auto beat = client_->Heartbeat();
  ASSERT_TRUE(beat.ok());
  EXPECT_TRUE(beat->fault_flags & kFaultNtcRange);
  ASSERT_EQ(sim_->Control("ntc npu short"), "ok ntc npu short");
  EXPECT_EQ(*client_->ReadNtc(2), 0);
  ASSERT_EQ(sim_->Control("ntc soc stuck 1234"), "ok ntc soc stuck");
  EXPECT_EQ(*client_->ReadNtc(0), 1234);
  ASSERT_EQ(sim_->Control("clear"), "ok clear");
  auto counts = client_->ReadNtc(1);
  EXPECT_GT(*counts, 16);
  EXPECT_LT(*counts, 4080);
}

TEST_F(ClientOnBoardSim, Shutdown_ExitsCleanlyAndRemovesTheLink) {
  Launch({"--time-scale", "100"});
  std::string device = sim_->device();
  EXPECT_EQ(sim_->Stop(), 0);
  EXPECT_FALSE(
      std::filesystem::exists(std::filesystem::symlink_status(device)));
}

// The RC network's steady state under constant power and fan, solved here
// from the simulator's own parameters: (diag(G_amb(speed)) + L)·ΔT = P.
TEST_F(ClientOnBoardSim, Physics_SteadyStateMatchesTheClosedFormSolution) {
  Launch({"--time-scale", "1000", "--cpu-watts", "0", "--load-watts", "15",
          "--fan-duty", "0.6", "--watchdog", "0"});
  // Slowest time constant at this airflow is about 2 min; 2500 s of
  // simulated time leaves under 1e-7 of the initial offset.
  ASSERT_TRUE(WaitFor(
      [&] { return sim_->State()["sim_time_s"].get<double>() >= 2500; }, 20));
  nlohmann::json params = sim_->Params();
  nlohmann::json state = sim_->State();
  std::vector<std::string> zones = {"soc", "vrm", "npu", "nvme"};
  const size_t n = zones.size();
  double speed = state["fan"]["rpm"].get<double>() /
                 params["fan"]["full_rpm"].get<double>();
  EXPECT_NEAR(speed, 0.6, 1e-6);  // the fan's lag has settled at duty
  std::vector<std::vector<double>> g(n, std::vector<double>(n + 1, 0));
  auto index = [&](const std::string& name) {
    return static_cast<size_t>(std::find(zones.begin(), zones.end(), name) -
                               zones.begin());
  };
  double exponent = params["forced_exponent"];
  for (size_t i = 0; i < n; ++i) {
    const auto& z = params["zones"][zones[i]];
    g[i][i] = z["natural_w_per_k"].get<double>() +
              z["forced_w_per_k"].get<double>() * std::pow(speed, exponent);
    g[i][n] = state["zones"][zones[i]]["watts"];  // right-hand side
  }
  for (const auto& c : params["couplings"]) {
    size_t a = index(c["a"]), b = index(c["b"]);
    double w = c["watts_per_kelvin"];
    g[a][a] += w;
    g[b][b] += w;
    g[a][b] -= w;
    g[b][a] -= w;
  }
  // Gauss–Jordan (the matrix is symmetric positive definite: no pivoting).
  for (size_t col = 0; col < n; ++col) {
    for (size_t row = 0; row < n; ++row) {
      if (row == col) continue;
      double f = g[row][col] / g[col][col];
      for (size_t k = col; k <= n; ++k) g[row][k] -= f * g[col][k];
    }
  }
  double ambient = state["ambient_celsius"];
  for (size_t i = 0; i < n; ++i) {
    double expected = ambient + g[i][n] / g[i][i];
    EXPECT_NEAR(state["zones"][zones[i]]["celsius"].get<double>(), expected,
                0.01)
        << zones[i];
  }
  // And power is what the load says: idle plus the zone's share of 15 W.
  EXPECT_NEAR(state["zones"]["npu"]["watts"].get<double>(),
              params["zones"]["npu"]["idle_watts"].get<double>() +
                  params["zones"]["npu"]["dynamic_share"].get<double>() * 15,
              1e-9);
}

TEST_F(ClientOnBoardSim, CpufreqCap_LowersRailVoltage) {
  std::string dir =
      ::testing::TempDir() + "/cpufreq-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cpuinfo_max_freq") << "2400000\n";
  std::ofstream(dir + "/scaling_max_freq") << "1200000\n";
  Launch({"--time-scale", "100", "--cpufreq-file", dir + "/scaling_max_freq"});
  ASSERT_TRUE(WaitFor([&] {
    return sim_->State()["load"]["dvfs_ratio"].get<double>() == 0.5;
  }));
  // V at half clock on the line from (408/2400, 0.675 V) to (1, 1.0 V).
  double r_min = 408.0 / 2400.0;
  double volts = 0.675 + 0.325 * (0.5 - r_min) / (1 - r_min);
  auto vout = client_->PmbusReadWord(0, pmbus::kReadVout);
  ASSERT_TRUE(vout.ok());
  EXPECT_EQ(*vout, std::round(volts * 512));
  std::filesystem::remove_all(dir);
}

TEST_F(ClientOnBoardSim, LoadPid_CpuUseOfThatProcessDrivesPower) {
  std::atomic<bool> spin{true};
  std::thread busy([&] {
    volatile double x = 0;
    while (spin) x = x + 1;
  });
  Launch({"--time-scale", "100", "--load-pid", std::to_string(getpid())});
  bool loaded = WaitFor([&] {
    return sim_->State()["load"]["cpu_fraction"].get<double>() > 0.02;
  });
  spin = false;
  busy.join();
  EXPECT_TRUE(loaded) << sim_->log();
}

}  // namespace
}  // namespace nymph::mcu
