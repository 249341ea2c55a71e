#include "inference/signature.h"

#include <string>

namespace nymph {
namespace {

Status Unprocessable(std::string code, std::string message) {
  return Status(ErrorKind::kUnprocessable, std::move(code), std::move(message));
}

std::string ShapeText(const std::vector<int64_t>& shape,
                      const std::vector<std::string>& names = {}) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    if (shape[i] >= 0) {
      text += std::to_string(shape[i]);
    } else if (i < names.size() && !names[i].empty()) {
      text += names[i];
    } else {
      text += "?";
    }
  }
  return text + "]";
}

Status ValidateOne(const TensorSpec& spec, const Tensor& tensor,
                   std::map<std::string, int64_t>& symbolic_sizes) {
  const std::string where = "input '" + spec.name + "'";
  if (!spec.dtype) {
    return Unprocessable("unsupported_input_type",
                         where + " has type " + spec.type_description +
                             ", which /infer cannot take as JSON");
  }
  if (*spec.dtype != tensor.dtype) {
    return Unprocessable("dtype_mismatch",
                         where + " must be " +
                             std::string(DTypeName(*spec.dtype)) + ", got " +
                             std::string(DTypeName(tensor.dtype)));
  }
  if (spec.shape.size() != tensor.shape.size()) {
    return Unprocessable("rank_mismatch",
                         where + " must have rank " +
                             std::to_string(spec.shape.size()) + " (shape " +
                             ShapeText(spec.shape, spec.dim_names) + "), got " +
                             ShapeText(tensor.shape));
  }
  for (size_t i = 0; i < spec.shape.size(); ++i) {
    if (spec.shape[i] >= 0 && spec.shape[i] != tensor.shape[i]) {
      return Unprocessable("shape_mismatch",
                           where + " must have shape " +
                               ShapeText(spec.shape, spec.dim_names) +
                               ", got " + ShapeText(tensor.shape) +
                               " (dimension " + std::to_string(i) + ")");
    }
    const std::string& symbol =
        i < spec.dim_names.size() ? spec.dim_names[i] : std::string();
    if (spec.shape[i] >= 0 || symbol.empty()) continue;
    auto [it, first] = symbolic_sizes.emplace(symbol, tensor.shape[i]);
    if (!first && it->second != tensor.shape[i]) {
      return Unprocessable("shape_mismatch",
                           where + ": dimension '" + symbol + "' is " +
                               std::to_string(tensor.shape[i]) + " here but " +
                               std::to_string(it->second) +
                               " in another input");
    }
  }
  return {};
}

}  // namespace

Status ValidateInputs(const ModelSignature& signature,
                      const NamedTensors& inputs) {
  for (const auto& [name, unused] : inputs) {
    bool known = false;
    for (const TensorSpec& spec : signature.inputs) known |= spec.name == name;
    if (!known) {
      std::string expected;
      for (const TensorSpec& spec : signature.inputs) {
        expected += (expected.empty() ? "'" : ", '") + spec.name + "'";
      }
      return Unprocessable(
          "unknown_input",
          "the model has no input '" + name + "'; its inputs are " + expected);
    }
  }
  std::map<std::string, int64_t> symbolic_sizes;
  for (const TensorSpec& spec : signature.inputs) {
    auto it = inputs.find(spec.name);
    if (it == inputs.end()) {
      return Unprocessable("missing_input",
                           "input '" + spec.name + "' is required (shape " +
                               ShapeText(spec.shape, spec.dim_names) + ")");
    }
    Status status = ValidateOne(spec, it->second, symbolic_sizes);
    if (!status.ok()) return status;
  }
  return {};
}

nlohmann::json SpecToJson(const TensorSpec& spec) {
  nlohmann::json shape = nlohmann::json::array();
  for (size_t i = 0; i < spec.shape.size(); ++i) {
    if (spec.shape[i] >= 0) {
      shape.push_back(spec.shape[i]);
    } else if (i < spec.dim_names.size() && !spec.dim_names[i].empty()) {
      shape.push_back(spec.dim_names[i]);
    } else {
      shape.push_back(nullptr);
    }
  }
  nlohmann::json dtype = spec.dtype ? nlohmann::json(DTypeName(*spec.dtype))
                                    : nlohmann::json(spec.type_description);
  return {{"name", spec.name}, {"dtype", dtype}, {"shape", shape}};
}

}  // namespace nymph
