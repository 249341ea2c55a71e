#include <fmt/format.h>

#include "api/json_body.h"
#include "api/routes.h"
#include "generation/generation_service.h"
#include "inference/inference_stats.h"
#include "server/api_error.h"

namespace nymph {

Status StillLoading() {
  return Status(ErrorKind::kUnavailable, "loading",
                "models are still loading; retry when GET /ready says ready");
}

void AddSystemRoutes(Router& router, const ApiContext& context) {
  router.Add("GET", "/health", [](const ApiRequest&) {
    return JsonResponse({{"status", "ok"}});
  });

  router.Add("GET", "/ready", [context](const ApiRequest&) {
    if (!context.models.loading_done() || !context.generation.loaded()) {
      return ErrorResponse(StillLoading());
    }
    auto models = context.models.Models();
    if (models.empty()) {
      return ErrorResponse(
          Status(ErrorKind::kUnavailable, "no_model",
                 "no model loaded: put .onnx files in " + context.models_dir +
                     " (see GET /models for files that failed) and restart"));
    }
    if (context.board_problem) {
      std::string problem = context.board_problem();
      if (!problem.empty()) {
        return ErrorResponse(Status(ErrorKind::kUnavailable,
                                    "board_unreachable", "board: " + problem));
      }
    }
    nlohmann::json body = {{"status", "ready"},
                           {"models_loaded", models.size()},
                           {"models_failed", context.models.Failures().size()}};
    // Still ready in failsafe (SPEC: models loaded, board reachable): the
    // card serves, throttled, and says why here.
    if (context.thermal_failsafe) body["failsafe"] = context.thermal_failsafe();
    return JsonResponse(body);
  });

  router.Add("GET", "/metrics", [context](const ApiRequest&) {
    std::string text;
    context.http_metrics.Render(text);
    context.inference_stats.Render(text);
    context.generation.Render(text);
    text += fmt::format(
        "# HELP nymph_models_loaded Models loaded and serving.\n"
        "# TYPE nymph_models_loaded gauge\n"
        "nymph_models_loaded {}\n"
        "# HELP nymph_models_failed Model files that failed to load.\n"
        "# TYPE nymph_models_failed gauge\n"
        "nymph_models_failed {}\n",
        context.models.Models().size(), context.models.Failures().size());
    if (context.render_more_metrics) context.render_more_metrics(text);
    ApiResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = std::move(text);
    return response;
  });
}

}  // namespace nymph
