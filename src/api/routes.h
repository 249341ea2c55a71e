// The daemon's API routes, added to a Router. Each function adds one group;
// the groups share nothing but what ApiContext holds.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "inference/model_registry.h"
#include "server/metrics.h"
#include "server/router.h"

namespace nymph {

class GenerationService;
class InferenceStats;
namespace trace {
class Tracer;
}
namespace thermal {
class ThermalController;
}

// 503 while the models directory is still being loaded.
Status StillLoading();

struct ApiContext {
  ModelRegistry& models;
  HttpMetrics& http_metrics;
  InferenceStats& inference_stats;
  GenerationService& generation;
  std::string models_dir;  // for messages that tell the user where to look
  trace::Tracer& tracer;
  std::string state_dir;
  std::string trace_out;  // configured trace file; empty: none
  size_t trace_max_bytes = 64u << 20;
  // Appends more series to GET /metrics (the thermal gauges); may be empty.
  std::function<void(std::string&)> render_more_metrics = {};
  // Why the board makes the daemon not ready ("" when it is fine); empty
  // function when there is no board.
  std::function<std::string()> board_problem = {};
  // {"active": bool, "reasons": [...]} of the thermal failsafe, for
  // GET /ready's body; empty function when there is no board.
  std::function<nlohmann::json()> thermal_failsafe = {};
};

// GET /health, GET /ready, GET /metrics.
void AddSystemRoutes(Router& router, const ApiContext& context);
// GET /models, GET /models/{name}, POST /infer.
void AddModelRoutes(Router& router, const ApiContext& context);
// POST /v1/completions (OpenAI's shape; "stream": true for SSE).
void AddCompletionRoutes(Router& router, const ApiContext& context);
// POST /kv/pin, DELETE /kv/pin/{region}, GET /kv/regions, GET /kv/stats.
void AddKvRoutes(Router& router, const ApiContext& context);
// POST /trace/start, POST /trace/stop (writes the Perfetto trace).
void AddTraceRoutes(Router& router, const ApiContext& context);
// POST /thermal/schedule, GET /thermal/status. `thermal` must outlive the
// router.
void AddThermalRoutes(Router& router, thermal::ThermalController& thermal);
// The same routes without a board (--board none): 404 saying how to get
// thermal control, instead of "no such route".
void AddThermalRoutesWithoutBoard(Router& router);

}  // namespace nymph
