// One ONNX model loaded into an ONNX Runtime session, with its name,
// SHA-256 and signature.
//
// Thread safety: Run() may be called from many threads at once (ONNX
// Runtime sessions allow concurrent Run calls); everything else is
// immutable after Load().
#pragma once

#include <onnxruntime_cxx_api.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "inference/signature.h"

namespace nymph {

struct SessionSettings {
  int intra_op_threads = 1;  // 0 lets ONNX Runtime choose
  int inter_op_threads = 1;
};

// Session options from `settings`, with full graph optimization; every
// session the daemon opens uses these.
Ort::SessionOptions MakeSessionOptions(const SessionSettings& settings);

class OnnxModel {
 public:
  // `env` must outlive the model. The name is the file name without
  // ".onnx". Fails with the runtime's reason if the file cannot be loaded.
  static StatusOr<std::unique_ptr<OnnxModel>> Load(
      Ort::Env& env, const std::string& path, const SessionSettings& settings);

  OnnxModel(const OnnxModel&) = delete;
  OnnxModel& operator=(const OnnxModel&) = delete;

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }
  uintmax_t size_bytes() const { return size_bytes_; }
  const ModelSignature& signature() const { return signature_; }
  // Shared with generation when the file is also a language model, so its
  // weights are in memory once.
  std::shared_ptr<Ort::Session> session() const { return session_; }

  // REQUIRES: ValidateInputs(signature(), inputs).ok(). Returns every
  // output of the model.
  StatusOr<NamedTensors> Run(const NamedTensors& inputs) const;

 private:
  OnnxModel() = default;

  std::string name_;
  std::string path_;
  std::string sha256_;
  uintmax_t size_bytes_ = 0;
  ModelSignature signature_;
  std::shared_ptr<Ort::Session> session_;
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;
};

}  // namespace nymph
