// The models the daemon serves: every *.onnx file of the models directory.
// A file that fails to load is kept as a failure with its reason, and the
// others still load.
//
// Thread safety: all methods may be called concurrently. Loading happens
// once, in the background, while the server already answers /health and
// /ready; lookups return shared pointers so a model stays alive for the
// requests using it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "inference/onnx_model.h"

namespace nymph {

struct ModelLoadFailure {
  std::string name;
  std::string path;
  std::string reason;
};

class ModelRegistry {
 public:
  explicit ModelRegistry(SessionSettings settings);

  // Loads the directory's models in name order. Fails only if the directory
  // itself cannot be read; per-model failures are recorded instead.
  Status LoadDirectory(const std::string& dir);
  // Makes LoadDirectory() stop after the model it is loading now, so that a
  // shutdown does not wait for a whole directory of large models.
  void CancelLoading() { cancel_loading_ = true; }

  bool loading_done() const { return loading_done_.load(); }
  // The runtime environment, for other users of ONNX Runtime in-process.
  Ort::Env& env() { return env_; }
  std::shared_ptr<const OnnxModel> Find(const std::string& name) const;
  std::vector<std::shared_ptr<const OnnxModel>> Models() const;
  std::vector<ModelLoadFailure> Failures() const;

 private:
  SessionSettings settings_;
  Ort::Env env_;
  std::atomic<bool> loading_done_{false};
  std::atomic<bool> cancel_loading_{false};
  mutable std::shared_mutex mutex_;  // guards models_ and failures_
  std::vector<std::shared_ptr<const OnnxModel>> models_;
  std::vector<ModelLoadFailure> failures_;
};

}  // namespace nymph
