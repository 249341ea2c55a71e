#include <chrono>
#include <optional>

#include "api/json_body.h"
#include "api/routes.h"
#include "inference/inference_stats.h"
#include "inference/tensor_json.h"
#include "server/api_error.h"

namespace nymph {
namespace {

using nlohmann::json;

json SignatureJson(const ModelSignature& signature) {
  json inputs = json::array();
  json outputs = json::array();
  for (const TensorSpec& spec : signature.inputs) {
    inputs.push_back(SpecToJson(spec));
  }
  for (const TensorSpec& spec : signature.outputs) {
    outputs.push_back(SpecToJson(spec));
  }
  return {{"inputs", inputs}, {"outputs", outputs}};
}

json ModelJson(const OnnxModel& model) {
  json body = {{"name", model.name()},
               {"status", "loaded"},
               {"sha256", model.sha256()},
               {"size_bytes", model.size_bytes()}};
  body.update(SignatureJson(model.signature()));
  return body;
}

json FailureJson(const ModelLoadFailure& failure) {
  return {{"name", failure.name},
          {"status", "failed"},
          {"path", failure.path},
          {"error", failure.reason}};
}

std::optional<ModelLoadFailure> FindFailure(const ModelRegistry& models,
                                            const std::string& name) {
  for (ModelLoadFailure& failure : models.Failures()) {
    if (failure.name == name) return std::move(failure);
  }
  return std::nullopt;
}

// 503 while models load, 409 for a model whose file failed to load, else
// 404.
Status ModelNotServing(const ModelRegistry& models, const std::string& name) {
  if (!models.loading_done()) return StillLoading();
  if (auto failure = FindFailure(models, name)) {
    return Status(ErrorKind::kConflict, "model_load_failed",
                  "model '" + name + "' failed to load: " + failure->reason);
  }
  return Status(ErrorKind::kNotFound, "model_not_found",
                "no model named '" + name +
                    "' is loaded; GET /models lists "
                    "the models");
}

// Reads {"model": "...", "inputs": {"name": tensor, ...}}.
struct InferRequest {
  std::string model;
  NamedTensors inputs;
};

StatusOr<InferRequest> ParseInferRequest(std::string_view body) {
  auto json_body = ParseJsonObject(body);
  if (!json_body.ok()) return json_body.status();
  const json& root = *json_body;
  auto bad = [](const std::string& message) {
    return Status(ErrorKind::kBadRequest, "invalid_request", message);
  };
  for (const auto& [key, unused] : root.items()) {
    if (key != "model" && key != "inputs") {
      return bad("unknown field '" + key + "'; use model and inputs");
    }
  }
  auto model = root.find("model");
  if (model == root.end() || !model->is_string()) {
    return bad("'model' must be a string naming a model from GET /models");
  }
  auto inputs = root.find("inputs");
  if (inputs == root.end() || !inputs->is_object()) {
    return bad("'inputs' must be an object mapping input names to tensors");
  }
  InferRequest request{model->get<std::string>(), {}};
  for (const auto& [name, tensor_json] : inputs->items()) {
    auto tensor = DecodeTensor(tensor_json, name);
    if (!tensor.ok()) return tensor.status();
    request.inputs.emplace(name, std::move(*tensor));
  }
  return request;
}

}  // namespace

void AddModelRoutes(Router& router, const ApiContext& context) {
  router.Add("GET", "/models", [context](const ApiRequest&) {
    json models = json::array();
    for (const auto& model : context.models.Models()) {
      models.push_back(ModelJson(*model));
    }
    for (const ModelLoadFailure& failure : context.models.Failures()) {
      models.push_back(FailureJson(failure));
    }
    return JsonResponse({{"models", models}});
  });

  router.Add("GET", "/models/{name}", [context](const ApiRequest& request) {
    const std::string& name = request.params.at("name");
    if (auto model = context.models.Find(name))
      return JsonResponse(ModelJson(*model));
    // A failed model is still a resource: its reason is the answer.
    if (auto failure = FindFailure(context.models, name)) {
      return JsonResponse(FailureJson(*failure));
    }
    return ErrorResponse(ModelNotServing(context.models, name));
  });

  router.Add("POST", "/infer", [context](const ApiRequest& request) {
    auto parsed = ParseInferRequest(request.body);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    auto model = context.models.Find(parsed->model);
    if (!model) {
      return ErrorResponse(ModelNotServing(context.models, parsed->model));
    }
    Status valid = ValidateInputs(model->signature(), parsed->inputs);
    if (!valid.ok()) return ErrorResponse(valid);

    auto start = std::chrono::steady_clock::now();
    auto outputs = model->Run(parsed->inputs);
    std::chrono::duration<double> run =
        std::chrono::steady_clock::now() - start;
    context.inference_stats.Record(model->name(), outputs.ok(), run.count());
    if (!outputs.ok()) return ErrorResponse(outputs.status());

    json encoded = json::object();
    for (const auto& [name, tensor] : *outputs) {
      encoded[name] = EncodeTensor(tensor);
    }
    return JsonResponse(
        {{"model", model->name()}, {"outputs", std::move(encoded)}});
  });
}

}  // namespace nymph
