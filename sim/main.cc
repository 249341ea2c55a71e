// nymph-boardsim: a simulated Nymph card MCU on a pseudo-terminal, with a
// physical model of the card behind it (docs/boardsim.md).
#include <poll.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>

#include "sim/card.h"
#include "sim/control_commands.h"
#include "sim/control_socket.h"
#include "sim/firmware.h"
#include "sim/load_meter.h"
#include "sim/pseudo_terminal.h"
#include "sim/serial_endpoint.h"

namespace {

using namespace nymph;
using namespace nymph::sim;

struct Options {
  std::string link;
  std::string control;
  double ambient = 35;
  double time_scale = 1;
  double watchdog_s = 3;
  double initial_duty = 1;
  int load_pid = 0;
  double cpu_watts = 20;
  double load_watts = 0;
  std::string cpufreq_file;
  std::string vid_table = "vr12";
  int vout_exponent = -9;
  std::vector<std::string> faults;
  uint32_t noise_seed = 0;
  std::string log_level = "info";
};

constexpr const char* kDescription =
    "nymph-boardsim: simulates the Nymph card's MCU on a pseudo-terminal.\n"
    "Prints the serial device the agent should open (nymphd --board mcu\n"
    "--mcu-device PATH) on stdout, speaks the MCU protocol\n"
    "(docs/mcu-protocol.md) and runs a physical model of the card: thermal\n"
    "RC network (soc, vrm, npu, nvme; ambient a boundary), a fan with lag\n"
    "and stall, power from real CPU use, NTC dividers, PMBus rails vcore\n"
    "(LINEAR16) and vnpu (VID), tachometer. See docs/boardsim.md.\n";

std::string Footer() {
  return std::string(
             "\nPower = idle + DVFS factor x (CPU use x --cpu-watts + "
             "--load-watts),\nCPU use from --load-pid's /proc/PID/stat, "
             "else the host's /proc/stat.\nWatchdog: after --watchdog "
             "seconds (real time) without a frame from the\nhost the fan "
             "goes to full and fault flag 'watchdog' is set; the next\n"
             "frame clears both.\n\nControl socket commands (one line "
             "each, one line answered; also usable as\n--fault \"COMMAND\" "
             "at start):\n") +
         kControlCommandHelp +
         "\nLogs go to stderr. SIGINT/SIGTERM end the simulator; it removes "
         "its --link\nand --control files. Exit status 2 on a usage "
         "error, 1 if the pseudo-terminal\nor a path cannot be set up.\n";
}

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int SignalFd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

// Samples real CPU use and the DVFS cap into the card's power inputs.
class LoadSampler {
 public:
  LoadSampler(const Options& options)
      : meter_(options.load_pid),
        cap_(options.cpufreq_file.empty()
                 ? std::nullopt
                 : std::optional<CpufreqCap>(options.cpufreq_file)) {}

  void Sample(Card& card) {
    auto use = meter_.Sample();
    if (use.ok()) {
      card.power_inputs().cpu_fraction = *use;
      ReportOnce(meter_ok_, true, "load: " + meter_.Describe());
    } else {
      card.power_inputs().cpu_fraction = 0;
      ReportOnce(meter_ok_, false,
                 "load: " + use.status().message() + "; CPU load taken as 0");
    }
    if (!cap_) return;
    auto ratio = cap_->Read();
    if (ratio.ok()) {
      card.power_inputs().dvfs_ratio = *ratio;
      ReportOnce(cap_ok_, true, "dvfs: cap readable again");
    } else {
      ReportOnce(cap_ok_, false,
                 "dvfs: " + ratio.status().message() +
                     "; keeping the last "
                     "cap");
    }
  }

 private:
  // Logs a change of health once, not every sample.
  static void ReportOnce(std::optional<bool>& state, bool ok,
                         const std::string& line) {
    if (state == ok) return;
    if (ok && state.has_value()) spdlog::info("{}", line);
    if (!ok) spdlog::warn("{}", line);
    state = ok;
  }

  CpuUseMeter meter_;
  std::optional<CpufreqCap> cap_;
  std::optional<bool> meter_ok_;
  std::optional<bool> cap_ok_;
};

int Run(const Options& options) {
  auto pty = PseudoTerminal::Open();
  if (!pty.ok()) {
    spdlog::error("{}", pty.status().message());
    return 1;
  }
  std::unique_ptr<DeviceLink> link;
  if (!options.link.empty()) {
    auto made = DeviceLink::Create(options.link, (*pty)->slave_path());
    if (!made.ok()) {
      spdlog::error("{}", made.status().message());
      return 1;
    }
    link = std::move(*made);
  }
  std::unique_ptr<ControlSocket> control;
  if (!options.control.empty()) {
    auto made = ControlSocket::Listen(options.control);
    if (!made.ok()) {
      spdlog::error("{}", made.status().message());
      return 1;
    }
    control = std::move(*made);
  }

  double now = Now();
  Card card(CardParams{}, options.ambient);
  card.power_inputs().cpu_watts = options.cpu_watts;
  card.power_inputs().load_watts = options.load_watts;
  Faults faults;
  FirmwareOptions fw;
  fw.watchdog_s = options.watchdog_s;
  fw.initial_duty = options.initial_duty;
  fw.vcore_vout_exponent = options.vout_exponent;
  fw.vnpu_vid_table =
      options.vid_table == "vr13" ? VidTable::kVr13 : VidTable::kVr12;
  Firmware firmware(card, faults, fw, now);
  Simulation simulation{card, firmware, faults};
  for (const std::string& fault : options.faults) {
    std::string answer = ExecuteControlCommand(fault, simulation, now);
    if (answer.rfind("ok", 0) != 0) {
      spdlog::error("--fault \"{}\": {}", fault, answer);
      return 2;
    }
  }
  uint32_t seed =
      options.noise_seed ? options.noise_seed : std::random_device{}();
  SerialEndpoint endpoint((*pty)->master_fd(), firmware, faults, seed);
  LoadSampler load(options);
  load.Sample(card);

  int signals = SignalFd();
  std::printf("%s\n", (*pty)->slave_path().c_str());
  std::fflush(stdout);
  spdlog::info(
      "boardsim: MCU on {}{}; ambient {} C, time scale {}, watchdog {} s, "
      "load from {}",
      (*pty)->slave_path(),
      options.link.empty() ? "" : " (link " + options.link + ")",
      options.ambient, options.time_scale, options.watchdog_s,
      options.load_pid > 0 ? "process " + std::to_string(options.load_pid)
                           : std::string("the whole host"));

  constexpr double kLoadSampleEveryS = 0.5;
  double last_step = now;
  double last_load_sample = now;
  auto execute = [&](std::string_view line) {
    return ExecuteControlCommand(line, simulation, Now());
  };
  while (true) {
    std::vector<pollfd> fds = {{signals, POLLIN, 0},
                               {(*pty)->master_fd(), POLLIN, 0}};
    if (control) {
      for (int fd : control->fds()) fds.push_back({fd, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), 5);
    now = Now();
    // The firmware sets the card's inputs (fan duty, locked rotor) before
    // the physics runs on them.
    firmware.Tick(now);
    card.Advance((now - last_step) * options.time_scale);
    last_step = now;
    if (now - last_load_sample >= kLoadSampleEveryS) {
      load.Sample(card);
      last_load_sample = now;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signals, &info, sizeof info) > 0) {
        spdlog::info("boardsim: {} received; stopping",
                     strsignal(static_cast<int>(info.ssi_signo)));
      }
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) endpoint.OnReadable(now);
    endpoint.OnTick(now);
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents) control->OnReadable(fds[i].fd, execute);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "nymph-boardsim"};
  app.footer(Footer());
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  Options o;
  app.add_option("--link", o.link,
                 "make a symlink PATH to the serial device (replaced "
                 "atomically, removed on exit)");
  app.add_option("--control", o.control,
                 "Unix socket PATH for control commands (see below)");
  app.add_option("--ambient", o.ambient, "ambient air temperature, C")
      ->default_val(35)
      ->check(CLI::Range(-40.0, 85.0));
  app.add_option("--time-scale", o.time_scale,
                 "simulated seconds per real second (physics only; the "
                 "watchdog and protocol run in real time)")
      ->default_val(1)
      ->check(CLI::Range(0.01, 10000.0));
  app.add_option("--watchdog", o.watchdog_s,
                 "host silence, real seconds, before the fan is forced to "
                 "full (0: never)")
      ->default_val(3)
      ->check(CLI::Range(0.0, 65.0));
  app.add_option("--fan-duty", o.initial_duty,
                 "fan duty 0..1 at power-on, until the host sets one")
      ->default_val(1)
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--load-pid", o.load_pid,
                 "drive the card's power by this process's CPU use "
                 "(default: the whole host's)")
      ->check(CLI::PositiveNumber);
  app.add_option("--cpu-watts", o.cpu_watts,
                 "dynamic power at 100 % CPU use and full clock, W "
                 "(0: ignore CPU use)")
      ->default_val(20)
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--load-watts", o.load_watts,
                 "fixed synthetic dynamic load at full clock, W (for "
                 "deterministic runs; `load W` changes it)")
      ->default_val(0)
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--cpufreq-file", o.cpufreq_file,
                 "a scaling_max_freq file; its ratio to cpuinfo_max_freq in "
                 "the same directory caps dynamic power as f*V^2")
      ->check(CLI::ExistingFile);
  app.add_option("--vid-table", o.vid_table,
                 "VID table of the vnpu rail's READ_VOUT: vr12 (VOUT_MODE "
                 "0x21) or vr13 (0x24)")
      ->default_val("vr12")
      ->check(CLI::IsMember({"vr12", "vr13"}));
  app.add_option("--vout-exponent", o.vout_exponent,
                 "LINEAR16 exponent of the vcore rail's READ_VOUT "
                 "(VOUT_MODE low bits; -9 gives 0x17)")
      ->default_val(-9)
      ->check(CLI::Range(-16, -1));
  app.add_option("--fault", o.faults,
                 "a control command run at start, e.g. \"ntc soc open\"; "
                 "repeatable")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--noise-seed", o.noise_seed,
                 "seed of the line-noise generator (default: random)");
  app.add_option("--log-level", o.log_level,
                 "trace, debug, info, warn, error or off")
      ->default_val("info");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  auto logger = spdlog::stderr_color_mt("boardsim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  return Run(o);
}
