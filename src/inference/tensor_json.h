// JSON form of a tensor: {"shape": [2, 3], "dtype": "float32",
// "data": [...]}, data flat in row-major order. Integers must be JSON
// integers within the type's range, bools JSON booleans, strings JSON strings.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"
#include "inference/tensor.h"

namespace nymph {

// Largest element count a request tensor may declare (256 Mi elements); the
// body limit usually bites first.
inline constexpr size_t kMaxTensorElements = size_t{1} << 28;

// `name` appears in error messages ("input 'x': ...").
StatusOr<Tensor> DecodeTensor(const nlohmann::json& json,
                              std::string_view name);

// Float elements are written in their shortest form that reads back to the
// same value of their own type (0.1f as 0.1, not 0.10000000149011612).
// NaN and infinities, which JSON cannot express, become null.
nlohmann::json EncodeTensor(const Tensor& tensor);

}  // namespace nymph
