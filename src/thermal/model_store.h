// The identified thermal model kept across restarts, so that predictive
// control forecasts from the first period instead of from the prior. The
// file names the board it was identified on; another board (or another
// firmware) starts afresh.
#pragma once

#include <string>

#include "common/status.h"
#include "thermal/thermal_model.h"

namespace nymph::thermal {

// Writes `state` to `path` atomically, creating its directory.
Status SaveThermalModel(const std::string& path, const std::string& board,
                        const ThermalModel::State& state);

// The state saved at `path` for `board`. kNotFound when there is no file;
// kUnprocessable, saying why, when it is unreadable, for another board or
// holds values no card has (not finite, not positive).
StatusOr<ThermalModel::State> LoadThermalModel(const std::string& path,
                                               const std::string& board);

}  // namespace nymph::thermal
