#include "generation/causal_lm.h"

#include <algorithm>
#include <cstring>

namespace nymph {
namespace {

Status BadLayout(const std::string& why) {
  return Status(ErrorKind::kUnprocessable, "not_a_causal_lm",
                "not a decoder model in the KV-cache layout: " + why);
}

std::string PastName(int layer, const char* part) {
  return "past_key_values." + std::to_string(layer) + "." + part;
}

std::string PresentName(int layer, const char* part) {
  return "present." + std::to_string(layer) + "." + part;
}

}  // namespace

StatusOr<std::unique_ptr<CausalLm>> CausalLm::Load(
    Ort::Env& env, const std::string& path, const SessionSettings& settings) {
  try {
    return FromSession(std::make_shared<Ort::Session>(
        env, path.c_str(), MakeSessionOptions(settings)));
  } catch (const Ort::Exception& e) {
    return Status(ErrorKind::kUnprocessable, "model_load_failed", e.what());
  }
}

StatusOr<std::unique_ptr<CausalLm>> CausalLm::FromSession(
    std::shared_ptr<Ort::Session> shared) {
  std::unique_ptr<CausalLm> lm(new CausalLm());
  try {
    lm->session_ = std::move(shared);
    Ort::Session& session = *lm->session_;
    Ort::AllocatorWithDefaultOptions allocator;

    std::vector<std::string> inputs;
    for (size_t i = 0; i < session.GetInputCount(); ++i) {
      inputs.push_back(session.GetInputNameAllocated(i, allocator).get());
    }
    int layers = 0;
    while (std::find(inputs.begin(), inputs.end(), PastName(layers, "key")) !=
           inputs.end()) {
      ++layers;
    }
    if (layers == 0) return BadLayout("no past_key_values.0.key input");
    if (inputs.size() != 3 + 2 * static_cast<size_t>(layers)) {
      return BadLayout(
          "expected input_ids, attention_mask, position_ids "
          "and two past tensors per layer");
    }
    auto key_index =
        std::find(inputs.begin(), inputs.end(), PastName(0, "key")) -
        inputs.begin();
    Ort::TypeInfo key_type = session.GetInputTypeInfo(key_index);
    std::vector<int64_t> key_shape =
        key_type.GetTensorTypeAndShapeInfo().GetShape();
    if (key_type.GetTensorTypeAndShapeInfo().GetElementType() !=
        ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
      return BadLayout("past keys and values must be float32");
    }
    if (key_shape.size() != 4 || key_shape[1] <= 0 || key_shape[3] <= 0) {
      return BadLayout(
          "past keys must be [batch, kv_heads, past, head_dim] "
          "with fixed heads and head size");
    }
    Ort::TypeInfo logits_type = session.GetOutputTypeInfo(0);
    std::vector<int64_t> logits_shape =
        logits_type.GetTensorTypeAndShapeInfo().GetShape();
    if (logits_shape.size() != 3 || logits_shape[2] <= 0) {
      return BadLayout("the first output must be logits [batch, seq, vocab]");
    }
    lm->shape_ = {layers, static_cast<int>(key_shape[1]),
                  static_cast<int>(key_shape[3]),
                  static_cast<int>(logits_shape[2])};
    lm->input_names_ = {"input_ids", "attention_mask", "position_ids"};
    lm->output_names_ = {"logits"};
    for (int layer = 0; layer < layers; ++layer) {
      for (const char* part : {"key", "value"}) {
        lm->input_names_.push_back(PastName(layer, part));
        lm->output_names_.push_back(PresentName(layer, part));
      }
    }
  } catch (const Ort::Exception& e) {
    return Status(ErrorKind::kUnprocessable, "model_load_failed", e.what());
  }
  return lm;
}

CausalLm::Sequence CausalLm::NewSequence(int64_t length) const {
  Sequence sequence;
  Ort::AllocatorWithDefaultOptions allocator;
  const int64_t shape[] = {1, shape_.kv_heads, length, shape_.head_dim};
  for (int i = 0; i < 2 * shape_.layers; ++i) {
    sequence.past_.push_back(
        Ort::Value::CreateTensor<float>(allocator, shape, 4));
  }
  sequence.length_ = length;
  return sequence;
}

kv::PastView CausalLm::Sequence::past_view() {
  kv::PastView view;
  for (Ort::Value& tensor : past_) {
    view.tensors.push_back(tensor.GetTensorMutableData<float>());
  }
  view.length = length_;
  return view;
}

StatusOr<std::vector<float>> CausalLm::Forward(
    Sequence& sequence, std::span<const int32_t> tokens) const {
  StatusOr<std::vector<float>> logits = std::vector<float>();
  for (size_t at = 0; at < tokens.size(); at += kPrefillChunkTokens) {
    logits = ForwardChunk(
        sequence,
        tokens.subspan(at, std::min(kPrefillChunkTokens, tokens.size() - at)));
    if (!logits.ok()) return logits;
  }
  return logits;
}

StatusOr<std::vector<float>> CausalLm::ForwardChunk(
    Sequence& sequence, std::span<const int32_t> tokens) const {
  static const Ort::MemoryInfo cpu =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const int64_t count = static_cast<int64_t>(tokens.size());
  const int64_t total = sequence.length_ + count;
  std::vector<int64_t> ids(tokens.begin(), tokens.end());
  std::vector<int64_t> mask(total, 1);
  std::vector<int64_t> positions(count);
  for (int64_t i = 0; i < count; ++i) positions[i] = sequence.length_ + i;
  const int64_t step_shape[] = {1, count};
  const int64_t mask_shape[] = {1, total};

  std::vector<Ort::Value> inputs;
  inputs.push_back(Ort::Value::CreateTensor<int64_t>(
      cpu, ids.data(), ids.size(), step_shape, 2));
  inputs.push_back(Ort::Value::CreateTensor<int64_t>(
      cpu, mask.data(), mask.size(), mask_shape, 2));
  inputs.push_back(Ort::Value::CreateTensor<int64_t>(
      cpu, positions.data(), positions.size(), step_shape, 2));
  for (Ort::Value& past : sequence.past_) inputs.push_back(std::move(past));

  std::vector<const char*> in_names, out_names;
  for (const auto& name : input_names_) in_names.push_back(name.c_str());
  for (const auto& name : output_names_) out_names.push_back(name.c_str());
  std::vector<Ort::Value> outputs;
  try {
    outputs =
        session_->Run(Ort::RunOptions{nullptr}, in_names.data(), inputs.data(),
                      inputs.size(), out_names.data(), out_names.size());
  } catch (const Ort::Exception& e) {
    // The cache was moved into the run; give it back so the sequence stays
    // usable at its old length.
    for (size_t i = 0; i < sequence.past_.size(); ++i) {
      sequence.past_[i] = std::move(inputs[3 + i]);
    }
    return Status(ErrorKind::kInternal, "generation_failed",
                  std::string("ONNX Runtime failed: ") + e.what());
  }
  const float* logits = outputs[0].GetTensorData<float>();
  const float* last = logits + (count - 1) * shape_.vocab;
  std::vector<float> result(last, last + shape_.vocab);
  for (size_t i = 0; i < sequence.past_.size(); ++i) {
    sequence.past_[i] = std::move(outputs[1 + i]);
  }
  sequence.length_ = total;
  return result;
}

}  // namespace nymph
