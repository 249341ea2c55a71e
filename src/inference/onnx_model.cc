#include "inference/onnx_model.h"

#include <cstring>
#include <filesystem>
#include <optional>

#include "common/sha256.h"

namespace nymph {
namespace {

using ElementType = ONNXTensorElementDataType;

struct TypePair {
  ElementType ort;
  DType dtype;
};

constexpr TypePair kTypePairs[] = {
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, DType::kFloat32},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, DType::kFloat64},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, DType::kFloat16},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8, DType::kInt8},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, DType::kInt16},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, DType::kInt32},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, DType::kInt64},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, DType::kUint8},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, DType::kUint16},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, DType::kUint32},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, DType::kUint64},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, DType::kBool},
    {ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, DType::kString},
};

std::optional<DType> ToDType(ElementType type) {
  for (const TypePair& pair : kTypePairs) {
    if (pair.ort == type) return pair.dtype;
  }
  return std::nullopt;
}

ElementType ToElementType(DType dtype) {
  for (const TypePair& pair : kTypePairs) {
    if (pair.dtype == dtype) return pair.ort;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

const char* OnnxTypeName(ONNXType type) {
  switch (type) {
    case ONNX_TYPE_SEQUENCE:
      return "sequence";
    case ONNX_TYPE_MAP:
      return "map";
    case ONNX_TYPE_OPTIONAL:
      return "optional";
    case ONNX_TYPE_SPARSETENSOR:
      return "sparse tensor";
    default:
      return "non-tensor";
  }
}

TensorSpec DescribeSlot(const std::string& name, const Ort::TypeInfo& info) {
  TensorSpec spec;
  spec.name = name;
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) {
    spec.type_description = OnnxTypeName(info.GetONNXType());
    return spec;
  }
  auto tensor_info = info.GetTensorTypeAndShapeInfo();
  ElementType element = tensor_info.GetElementType();
  spec.dtype = ToDType(element);
  if (!spec.dtype) {
    spec.type_description =
        "tensor of ONNX element type " + std::to_string(element);
  }
  spec.shape = tensor_info.GetShape();
  size_t rank = spec.shape.size();
  std::vector<const char*> symbols(rank, nullptr);
  if (rank > 0) tensor_info.GetSymbolicDimensions(symbols.data(), rank);
  for (size_t i = 0; i < rank; ++i) {
    spec.dim_names.emplace_back(symbols[i] ? symbols[i] : "");
  }
  return spec;
}

Ort::Value MakeInput(const Tensor& tensor) {
  static const Ort::MemoryInfo cpu =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  const int64_t* shape = tensor.shape.data();
  size_t rank = tensor.shape.size();
  if (tensor.dtype == DType::kString) {
    Ort::AllocatorWithDefaultOptions allocator;
    Ort::Value value = Ort::Value::CreateTensor(
        allocator, shape, rank, ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING);
    std::vector<const char*> items;
    for (const std::string& s : tensor.strings) items.push_back(s.c_str());
    value.FillStringTensor(items.data(), items.size());
    return value;
  }
  // The runtime reads inputs without writing them, so the request's own
  // buffer is lent to it instead of being copied.
  void* data = const_cast<uint8_t*>(tensor.bytes.data());
  return Ort::Value::CreateTensor(cpu, data, tensor.bytes.size(), shape, rank,
                                  ToElementType(tensor.dtype));
}

StatusOr<Tensor> ReadOutput(const std::string& name, const Ort::Value& value) {
  if (!value.IsTensor()) {
    return Status(ErrorKind::kUnprocessable, "unsupported_output_type",
                  "output '" + name +
                      "' is not a tensor, so it has no JSON "
                      "form in /infer");
  }
  auto info = value.GetTensorTypeAndShapeInfo();
  auto dtype = ToDType(info.GetElementType());
  if (!dtype) {
    return Status(ErrorKind::kUnprocessable, "unsupported_output_type",
                  "output '" + name + "' has ONNX element type " +
                      std::to_string(info.GetElementType()) +
                      ", which /infer cannot write as JSON");
  }
  Tensor tensor;
  tensor.dtype = *dtype;
  tensor.shape = info.GetShape();
  size_t count = info.GetElementCount();
  if (tensor.dtype == DType::kString) {
    for (size_t i = 0; i < count; ++i) {
      tensor.strings.push_back(value.GetStringTensorElement(i));
    }
  } else {
    const auto* data = static_cast<const uint8_t*>(value.GetTensorRawData());
    tensor.bytes.assign(data, data + count * DTypeSize(tensor.dtype));
  }
  return tensor;
}

}  // namespace

Ort::SessionOptions MakeSessionOptions(const SessionSettings& settings) {
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(settings.intra_op_threads);
  options.SetInterOpNumThreads(settings.inter_op_threads);
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  return options;
}

StatusOr<std::unique_ptr<OnnxModel>> OnnxModel::Load(
    Ort::Env& env, const std::string& path, const SessionSettings& settings) {
  std::unique_ptr<OnnxModel> model(new OnnxModel());
  model->path_ = path;
  model->name_ = std::filesystem::path(path).stem().string();
  auto digest = Sha256OfFile(path);
  if (!digest.ok()) return digest.status();
  model->sha256_ = *digest;
  std::error_code ignored;
  model->size_bytes_ = std::filesystem::file_size(path, ignored);
  try {
    model->session_ = std::make_shared<Ort::Session>(
        env, path.c_str(), MakeSessionOptions(settings));
    Ort::AllocatorWithDefaultOptions allocator;
    Ort::Session& session = *model->session_;
    for (size_t i = 0; i < session.GetInputCount(); ++i) {
      std::string name = session.GetInputNameAllocated(i, allocator).get();
      model->signature_.inputs.push_back(
          DescribeSlot(name, session.GetInputTypeInfo(i)));
      model->input_names_.push_back(name);
    }
    for (size_t i = 0; i < session.GetOutputCount(); ++i) {
      std::string name = session.GetOutputNameAllocated(i, allocator).get();
      model->signature_.outputs.push_back(
          DescribeSlot(name, session.GetOutputTypeInfo(i)));
      model->output_names_.push_back(name);
    }
  } catch (const Ort::Exception& e) {
    return Status(ErrorKind::kUnprocessable, "model_load_failed", e.what());
  }
  return model;
}

StatusOr<NamedTensors> OnnxModel::Run(const NamedTensors& inputs) const {
  std::vector<Ort::Value> values;
  std::vector<const char*> in_names;
  std::vector<const char*> out_names;
  values.reserve(input_names_.size());
  try {
    for (const std::string& name : input_names_) {
      values.push_back(MakeInput(inputs.at(name)));
      in_names.push_back(name.c_str());
    }
    for (const std::string& name : output_names_) {
      out_names.push_back(name.c_str());
    }
    std::vector<Ort::Value> results =
        session_->Run(Ort::RunOptions{nullptr}, in_names.data(), values.data(),
                      values.size(), out_names.data(), out_names.size());
    NamedTensors outputs;
    for (size_t i = 0; i < results.size(); ++i) {
      auto tensor = ReadOutput(output_names_[i], results[i]);
      if (!tensor.ok()) return tensor.status();
      outputs.emplace(output_names_[i], std::move(*tensor));
    }
    return outputs;
  } catch (const Ort::Exception& e) {
    // Shapes that pass the signature can still disagree inside the graph
    // (two dynamic dimensions that must match); that is the caller's input.
    ErrorKind kind = e.GetOrtErrorCode() == ORT_INVALID_ARGUMENT
                         ? ErrorKind::kUnprocessable
                         : ErrorKind::kInternal;
    return Status(kind, "inference_failed",
                  std::string("ONNX Runtime rejected the run: ") + e.what());
  }
}

}  // namespace nymph
