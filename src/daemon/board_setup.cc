#include "daemon/board_setup.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "board/hwmon_board.h"
#include "mcu/mcu_board.h"

namespace nymph {
namespace {

namespace fs = std::filesystem;

Status Unavailable(const std::string& message) {
  return Status(ErrorKind::kUnavailable, "board_unavailable", message);
}

// The simulated card's CPU: the RK3588's Cortex-A76 cluster runs from
// 408 MHz to 2.4 GHz (in kHz, as cpufreq writes them).
Status WriteFakeCpufreq(const fs::path& root) {
  const fs::path policy = root / "devices/system/cpu/cpufreq/policy0";
  std::error_code error;
  fs::create_directories(policy, error);
  if (error) return Unavailable(policy.string() + ": " + error.message());
  for (auto [name, value] : {std::pair("cpuinfo_min_freq", "408000"),
                             {"cpuinfo_max_freq", "2400000"},
                             {"scaling_max_freq", "2400000"}}) {
    std::ofstream(policy / name) << value << "\n";
  }
  return Status();
}

fs::path SimulatorProgram() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  return self.parent_path() / "nymph-boardsim";
}

StatusOr<board::HwmonConfig> HwmonFromConfig(const Config& config) {
  board::HwmonConfig hwmon;
  hwmon.sysfs_root = config.sysfs_root;
  auto bad = [](const std::string& what, const std::string& text) {
    return Status(ErrorKind::kBadRequest, "bad_hwmon_mapping",
                  what + " '" + text + "': expected " +
                      (what == "board.hwmon_zones" ? "zone=chip:N" : "chip:N"));
  };
  for (const std::string& entry : config.hwmon_zones) {
    size_t equals = entry.find('='), colon = entry.rfind(':');
    if (equals == std::string::npos || colon == std::string::npos ||
        colon < equals) {
      return bad("board.hwmon_zones", entry);
    }
    board::HwmonZone zone;
    zone.zone = entry.substr(0, equals);
    zone.chip = entry.substr(equals + 1, colon - equals - 1);
    try {
      zone.temp = std::stoi(entry.substr(colon + 1));
    } catch (const std::exception&) {
      return bad("board.hwmon_zones", entry);
    }
    hwmon.zones.push_back(zone);
  }
  if (!config.hwmon_fan.empty()) {
    size_t colon = config.hwmon_fan.rfind(':');
    board::HwmonFan fan;
    fan.chip = config.hwmon_fan.substr(0, colon);
    try {
      fan.fan = fan.pwm = std::stoi(config.hwmon_fan.substr(colon + 1));
    } catch (const std::exception&) {
      return bad("board.hwmon_fan", config.hwmon_fan);
    }
    hwmon.fan = fan;
  }
  if (hwmon.zones.empty()) {
    return Status(ErrorKind::kBadRequest, "bad_hwmon_mapping",
                  "board hwmon needs board.hwmon_zones, e.g. "
                  "[\"soc=soc_thermal:1\", \"ambient=nct7802:1\"]");
  }
  return hwmon;
}

// The simulator's --time-scale among board.sim_args, so that the
// controller's laws run in the simulated card's seconds.
StatusOr<double> SimTimeScale(const std::vector<std::string>& args) {
  const std::string flag = "--time-scale";
  std::optional<std::string> text;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) text = args[i + 1];
    if (args[i].rfind(flag + "=", 0) == 0)
      text = args[i].substr(flag.size() + 1);
  }
  if (!text) return 1.0;
  try {
    size_t used = 0;
    double scale = std::stod(*text, &used);
    if (used == text->size() && scale > 0) return scale;
  } catch (const std::exception&) {
  }
  return Status(
      ErrorKind::kBadRequest, "bad_sim_args",
      "board.sim_args: --time-scale '" + *text + "' is not a positive number");
}

}  // namespace

StatusOr<std::unique_ptr<SimulatorProcess>> SimulatorProcess::Start(
    const Config& config, const std::string& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return Unavailable(dir + ": " + error.message());
  const fs::path sysfs = fs::path(dir) / "sysfs";
  if (Status written = WriteFakeCpufreq(sysfs); !written.ok()) return written;
  const fs::path program = SimulatorProgram();
  if (!fs::exists(program)) {
    return Unavailable(program.string() +
                       " not found: build it (scripts/build.sh) or use "
                       "--board none");
  }
  std::unique_ptr<SimulatorProcess> sim(new SimulatorProcess());
  sim->device_ = (fs::path(dir) / "tty").string();
  sim->control_ = (fs::path(dir) / "control").string();
  fs::remove(sim->device_, error);
  std::vector<std::string> args = {
      program.string(),
      "--link",
      sim->device_,
      "--control",
      sim->control_,
      "--load-pid",
      std::to_string(::getpid()),
      "--cpufreq-file",
      (sysfs / "devices/system/cpu/cpufreq/policy0/scaling_max_freq").string()};
  args.insert(args.end(), config.sim_args.begin(), config.sim_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  sim->pid_ = ::fork();
  if (sim->pid_ < 0) return Unavailable("cannot start nymph-boardsim");
  if (sim->pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    // Its own process group: Ctrl-C reaches nymphd alone, which sets the
    // fan safe on the card and then stops the card (a real MCU does not
    // die with the terminal either).
    ::setpgid(0, 0);
    // The simulator prints its device on stdout; nymphd's stdout is for
    // people, so only its log (stderr) is kept.
    ::freopen("/dev/null", "w", stdout);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 100 && !fs::exists(sim->device_); ++i) {
    int status = 0;
    if (::waitpid(sim->pid_, &status, WNOHANG) == sim->pid_) {
      sim->pid_ = -1;
      return Unavailable(
          "nymph-boardsim exited at start (flags: board."
          "sim_args?); its log above says why");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!fs::exists(sim->device_)) {
    return Unavailable("nymph-boardsim made no device within 5 s");
  }
  return sim;
}

SimulatorProcess::~SimulatorProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

StatusOr<BoardSetup> OpenBoard(const Config& config) {
  BoardSetup setup;
  std::string sysfs_root = config.sysfs_root;
  std::string device = config.mcu_device;
  if (config.board_kind == "none") return setup;
  if (config.board_kind == "sim") {
    auto scale = SimTimeScale(config.sim_args);
    if (!scale.ok()) return scale.status();
    setup.time_scale = *scale;
    const std::string dir = config.state_dir + "/boardsim";
    auto sim = SimulatorProcess::Start(config, dir);
    if (!sim.ok()) return sim.status();
    setup.simulator = std::move(*sim);
    device = setup.simulator->device();
    sysfs_root = dir + "/sysfs";
  }
  if (config.board_kind == "sim" || config.board_kind == "mcu") {
    auto board = mcu::McuBoard::Open(device);
    if (!board.ok()) {
      return Unavailable("MCU on " + device + ": " + board.status().message());
    }
    setup.board = std::move(*board);
  } else {
    auto hwmon = HwmonFromConfig(config);
    if (!hwmon.ok()) return hwmon.status();
    auto board = board::HwmonBoard::Open(*hwmon);
    if (!board.ok()) return board.status();
    setup.board = std::move(*board);
  }
  auto caps = board::FrequencyCaps::Open(sysfs_root);
  if (caps.ok() && !(*caps)->domains().empty()) setup.caps = std::move(*caps);
  return setup;
}

}  // namespace nymph
