#include "inference/model_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

namespace nymph {

namespace fs = std::filesystem;

ModelRegistry::ModelRegistry(SessionSettings settings)
    : settings_(settings), env_(ORT_LOGGING_LEVEL_ERROR, "nymphd") {}

Status ModelRegistry::LoadDirectory(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".onnx") files.push_back(entry.path());
  }
  if (error) {
    loading_done_ = true;
    return Status(
        ErrorKind::kNotFound, "models_dir_unreadable",
        "cannot read models directory " + dir + ": " + error.message());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    if (cancel_loading_) {
      spdlog::info("models: loading cancelled by shutdown");
      break;
    }
    auto model = OnnxModel::Load(env_, file.string(), settings_);
    std::unique_lock lock(mutex_);
    if (model.ok()) {
      spdlog::info("models: loaded {} ({} bytes, sha256 {})", (*model)->name(),
                   (*model)->size_bytes(), (*model)->sha256().substr(0, 12));
      models_.push_back(std::move(*model));
    } else {
      ModelLoadFailure failure{file.stem().string(), file.string(),
                               model.status().message()};
      spdlog::warn("models: {} failed to load, skipped: {}", failure.path,
                   failure.reason);
      failures_.push_back(std::move(failure));
    }
  }
  spdlog::info("models: {} loaded, {} failed, from {}", models_.size(),
               failures_.size(), dir);
  loading_done_ = true;
  return {};
}

std::shared_ptr<const OnnxModel> ModelRegistry::Find(
    const std::string& name) const {
  std::shared_lock lock(mutex_);
  for (const auto& model : models_) {
    if (model->name() == name) return model;
  }
  return nullptr;
}

std::vector<std::shared_ptr<const OnnxModel>> ModelRegistry::Models() const {
  std::shared_lock lock(mutex_);
  return models_;
}

std::vector<ModelLoadFailure> ModelRegistry::Failures() const {
  std::shared_lock lock(mutex_);
  return failures_;
}

}  // namespace nymph
