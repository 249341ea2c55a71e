// bench.json's run-level parts (machine, commit) and the table printed at
// the end of a run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace nymph::bench {

// CPU model and logical cores from /proc/cpuinfo, kernel from uname(2).
nlohmann::json MachineJson();

// `git rev-parse HEAD` in the current directory, with "-dirty" when tracked
// files differ from it; empty when there is no git or no repository.
std::string GitCommit();

// A fixed-width table of the report's scenarios and baselines.
std::string SummaryTable(const nlohmann::json& report);

}  // namespace nymph::bench
