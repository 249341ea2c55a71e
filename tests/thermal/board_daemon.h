// nymphd with a board, for the thermal integration tests: the daemon
// started from a config file that names the board and the control
// period, the simulator it spawned reached over its control socket, and
// the readings the agent reports at GET /thermal/status.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/daemon.h"

namespace nymph::testing {

// Writes `toml` to a new file under TestTempDir() and returns its path.
std::string WriteConfigFile(const std::string& name, const std::string& toml);

// The config for `--board sim`: the simulator's flags and the thermal
// period; `more` is appended as is (other [thermal] keys).
std::string SimConfig(const std::vector<std::string>& sim_args, int period_ms,
                      const std::string& more = "");

// nymphd on the simulator with `config_toml`; models from the generated
// test data, so that /ready can say ready.
DaemonOptions SimDaemonOptions(const std::string& config_toml);

// One command on the simulator's control socket (a line without the
// newline); "transport error" when the socket does not answer.
std::string SimCommand(const Daemon& daemon, const std::string& line);
// The simulator's truth (`state`); null JSON on failure.
nlohmann::json SimState(const Daemon& daemon);

// Hottest zone other than ambient: the simulator's true temperature, and
// the agent's reading in a /thermal/status body (empty when it has none).
double TrueHottestC(const nlohmann::json& state);
std::optional<double> SeenHottestC(const nlohmann::json& status);

// GET /thermal/status; null JSON if the daemon does not answer 200.
nlohmann::json ThermalStatus(const Daemon& daemon);
// GET /ready's HTTP status (0: no answer).
int ReadyStatus(const Daemon& daemon);

// Polls `condition` every few milliseconds for at most `timeout`; returns
// the time it took to become true, or empty on time-out.
std::optional<std::chrono::duration<double>> TimeUntil(
    const std::function<bool()>& condition,
    std::chrono::duration<double> timeout);

}  // namespace nymph::testing
