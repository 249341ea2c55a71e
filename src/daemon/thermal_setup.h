// The thermal controller of a running daemon: the board from OpenBoard(),
// the DVFS caps, and generation's admission and pacing as its actuators;
// generation's queue as its outlook.
#pragma once

#include <memory>

#include "config/config.h"
#include "daemon/board_setup.h"
#include "generation/generation_service.h"
#include "thermal/controller.h"

namespace nymph {

// Null when there is no board (board none). The controller is not started.
std::unique_ptr<thermal::ThermalController> MakeThermalController(
    const Config& config, BoardSetup& board, GenerationService& generation);

}  // namespace nymph
