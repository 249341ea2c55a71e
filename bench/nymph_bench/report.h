// bench.json's run-level parts (machine, commit), writing it safely, and
// the table printed at the end of a run.
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

// Writes `text` to a temporary file beside `path`, flushes it and renames it
// over `path`, so that a reader sees the old file or the new, never half.
Status WriteFileAtomically(const std::string& path, const std::string& text);

// A fixed-width table of the report's scenarios and baselines.
std::string SummaryTable(const nlohmann::json& report);

}  // namespace nymph::bench
