// A named tensor as the API sees it: element type, shape and row-major data.
// Independent of ONNX Runtime so that the JSON codec and the validation can
// be tested without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nymph {

enum class DType {
  kFloat32,
  kFloat64,
  kFloat16,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kBool,
  kString,
};

// NumPy-style names: "float32", "int64", "bool", "string", ...
std::string_view DTypeName(DType dtype);
std::optional<DType> DTypeFromName(std::string_view name);
// Bytes per element; 0 for strings, whose elements live in Tensor::strings.
size_t DTypeSize(DType dtype);

struct Tensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;        // numeric and bool elements, row-major
  std::vector<std::string> strings;  // string elements, row-major

  // Product of the dimensions; 1 for a scalar (empty shape).
  size_t ElementCount() const;
};

// Multiplies dimensions, failing on a negative dimension or on overflow past
// `limit`, so a hostile shape cannot trigger a huge allocation.
std::optional<size_t> CheckedElementCount(const std::vector<int64_t>& shape,
                                          size_t limit);

}  // namespace nymph
