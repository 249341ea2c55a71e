// nymphd's command line: flags override the config file (SPEC "Command line").
#pragma once

#include <optional>

#include "config/config.h"

namespace nymph {

struct CommandLineResult {
  std::optional<Config> config;  // set when the daemon should start
  int exit_code = 0;             // otherwise: 0 after --help, 2 on error
};

// Parses argv, reads --config if given, applies flags, finalizes. Prints
// help or the error (naming the setting) to stdout/stderr itself.
CommandLineResult ParseCommandLine(int argc, char** argv);

}  // namespace nymph
