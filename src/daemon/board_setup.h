// Opens the board the configuration names, before anything else runs:
//   sim    starts nymph-boardsim (beside nymphd) on a pseudo-terminal under
//          <state>/boardsim/, with a fake cpufreq tree there for DVFS, and
//          talks to it exactly as to the card's MCU;
//   mcu    the card's MCU on a serial device;
//   hwmon  Linux hwmon chips under board.sysfs_root (zones mapped in
//          board.hwmon_zones, the fan in board.hwmon_fan);
//   none   no board: no thermal control.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "board/board.h"
#include "board/frequency_caps.h"
#include "common/status.h"
#include "config/config.h"

namespace nymph {

// nymph-boardsim as a child process; stopped (SIGTERM, then waited for)
// on destruction, and killed by the kernel if nymphd dies first.
class SimulatorProcess {
 public:
  static StatusOr<std::unique_ptr<SimulatorProcess>> Start(
      const Config& config, const std::string& dir);
  ~SimulatorProcess();

  const std::string& device() const { return device_; }
  const std::string& control_socket() const { return control_; }

 private:
  SimulatorProcess() = default;
  pid_t pid_ = -1;
  std::string device_;
  std::string control_;
};

struct BoardSetup {
  std::unique_ptr<SimulatorProcess> simulator;  // board sim only
  std::unique_ptr<board::Board> board;          // null for none
  std::unique_ptr<board::FrequencyCaps> caps;   // null: no DVFS found
  // Card seconds per real second: the simulator's --time-scale (board
  // sim), 1 on a real card.
  double time_scale = 1;
};

StatusOr<BoardSetup> OpenBoard(const Config& config);

}  // namespace nymph
