// Thermal gauges and counters in the Prometheus text format, appended to
// what GET /metrics already renders.
#pragma once

#include <string>

#include "thermal/controller.h"

namespace nymph::thermal {

// Appends nymph_thermal_* series for `snapshot` to `out`. Faulted sensors
// are left out rather than reported as a number.
void RenderThermalMetrics(const ThermalSnapshot& snapshot, std::string& out);

}  // namespace nymph::thermal
