#include "generation/language_model.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/sha256.h"

namespace nymph {
namespace {

namespace fs = std::filesystem;

StatusOr<std::unique_ptr<LanguageModel>> LoadOne(
    Ort::Env& env, const fs::path& onnx, const fs::path& manifest_path,
    const SessionSettings& settings, const LoadedModelLookup& loaded) {
  auto bad = [&](const std::string& why) {
    return Status(ErrorKind::kUnprocessable, "bad_manifest",
                  manifest_path.string() + ": " + why);
  };
  nlohmann::json manifest;
  try {
    std::ifstream in(manifest_path);
    manifest = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("not valid JSON: ") + e.what());
  }
  auto model = std::make_unique<LanguageModel>();
  model->name = onnx.stem().string();
  const auto* tokenizer =
      manifest.contains("tokenizer") ? &manifest["tokenizer"] : nullptr;
  if (tokenizer == nullptr || tokenizer->value("type", "") != "byte") {
    return bad("tokenizer.type must be \"byte\" (the only one built in)");
  }
  model->tokenizer = std::make_unique<ByteTokenizer>();
  model->context_length =
      manifest.value("/architecture/context_length"_json_pointer, 0);
  if (model->context_length <= 0) {
    return bad("architecture.context_length must be a positive integer");
  }
  std::shared_ptr<const OnnxModel> served =
      loaded ? loaded(model->name) : nullptr;
  if (served && served->path() != onnx.string()) served = nullptr;
  auto lm = served ? CausalLm::FromSession(served->session())
                   : CausalLm::Load(env, onnx.string(), settings);
  if (!lm.ok()) return lm.status();
  if ((*lm)->shape().vocab != model->tokenizer->vocab_size()) {
    return bad("the model has " + std::to_string((*lm)->shape().vocab) +
               " logits but the tokenizer " +
               std::to_string(model->tokenizer->vocab_size()) + " tokens");
  }
  model->lm = std::move(*lm);
  if (served) {
    spdlog::info("generation: {} runs in the session /infer opened for it",
                 model->name);
    model->sha256 = served->sha256();
  } else {
    auto sha256 = Sha256OfFile(onnx.string());
    if (!sha256.ok()) return sha256.status();
    model->sha256 = *sha256;
  }
  return model;
}

}  // namespace

std::vector<std::unique_ptr<LanguageModel>> LoadLanguageModels(
    Ort::Env& env, const std::string& dir, const SessionSettings& settings,
    const LoadedModelLookup& loaded) {
  std::vector<std::unique_ptr<LanguageModel>> models;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    fs::path onnx = entry.path();
    fs::path manifest = fs::path(onnx).replace_extension(".json");
    if (onnx.extension() != ".onnx" || !fs::exists(manifest)) continue;
    auto model = LoadOne(env, onnx, manifest, settings, loaded);
    if (!model.ok()) {
      spdlog::warn("generation: {} is not usable for generation: {}",
                   onnx.string(), model.status().message());
      continue;
    }
    const LmShape& shape = (*model)->lm->shape();
    spdlog::info(
        "generation: {} ready ({} layers, {} KV heads of {}, context {})",
        (*model)->name, shape.layers, shape.kv_heads, shape.head_dim,
        (*model)->context_length);
    models.push_back(std::move(*model));
  }
  return models;
}

}  // namespace nymph
