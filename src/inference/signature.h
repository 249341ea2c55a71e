// A model's input/output signature and the validation of request tensors
// against it. Every check runs before the model does, so a bad request costs
// nothing and reports exactly which input is wrong and how.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "inference/tensor.h"

namespace nymph {

struct TensorSpec {
  std::string name;
  // Empty when the model's type has no JSON form (a sequence, a map, an
  // element type such as complex64); type_description then says what it is.
  std::optional<DType> dtype;
  std::string type_description;
  std::vector<int64_t> shape;          // -1 marks a dynamic dimension
  std::vector<std::string> dim_names;  // symbolic names, "" if none
};

struct ModelSignature {
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

using NamedTensors = std::map<std::string, Tensor>;

// Checks names (none missing, none unknown), element types, ranks, fixed
// dimensions, and that dimensions sharing a symbolic name agree.
Status ValidateInputs(const ModelSignature& signature,
                      const NamedTensors& inputs);

// {"name": ..., "dtype": ..., "shape": [1, "batch", null]}: fixed sizes as
// numbers, symbolic dimensions by name, unnamed dynamic ones as null.
nlohmann::json SpecToJson(const TensorSpec& spec);

}  // namespace nymph
