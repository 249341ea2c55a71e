// The daemon's API routes, added to a Router. Each function adds one group;
// the groups share nothing but what ApiContext holds.
#pragma once

#include "common/status.h"
#include "inference/model_registry.h"
#include "server/metrics.h"
#include "server/router.h"

namespace nymph {

class GenerationService;
class InferenceStats;

// 503 while the models directory is still being loaded.
Status StillLoading();

struct ApiContext {
  ModelRegistry& models;
  HttpMetrics& http_metrics;
  InferenceStats& inference_stats;
  GenerationService& generation;
  std::string models_dir;  // for messages that tell the user where to look
};

// GET /health, GET /ready, GET /metrics.
void AddSystemRoutes(Router& router, const ApiContext& context);
// GET /models, GET /models/{name}, POST /infer.
void AddModelRoutes(Router& router, const ApiContext& context);
// POST /v1/completions (OpenAI's shape; "stream": true for SSE).
void AddCompletionRoutes(Router& router, const ApiContext& context);
// POST /kv/pin, DELETE /kv/pin/{region}, GET /kv/regions, GET /kv/stats.
void AddKvRoutes(Router& router, const ApiContext& context);

}  // namespace nymph
