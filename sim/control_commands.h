// The simulator's one-line text commands, from the control socket or
// --fault flags; each returns one line: "ok ...", "error ..." or a JSON
// object (state, params). docs/boardsim.md lists them.
#pragma once

#include <string>
#include <string_view>

#include "sim/card.h"
#include "sim/faults.h"
#include "sim/firmware.h"

namespace nymph::sim {

struct Simulation {
  Card& card;
  Firmware& firmware;
  Faults& faults;
};

std::string ExecuteControlCommand(std::string_view line, Simulation& sim,
                                  double now_s);

// The command summary shown by --help and the `help` command.
extern const char* const kControlCommandHelp;

}  // namespace nymph::sim
