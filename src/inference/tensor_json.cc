#include "inference/tensor_json.h"

#include <onnxruntime_float16.h>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

namespace nymph {
namespace {

using nlohmann::json;

// ONNX Runtime's header-only half type does the float16 rounding; it needs
// no linking, so the codec stays independent of the runtime library.
struct Half : onnxruntime_float16::Float16Impl<Half> {
  static Half From(float f) {
    Half h;
    h.val = ToUint16Impl(f);
    return h;
  }
  float ToFloat() const { return ToFloatImpl(); }
};

Status BadData(std::string_view name, size_t index, const std::string& want) {
  return Status(ErrorKind::kBadRequest, "invalid_tensor_data",
                "input '" + std::string(name) + "': data[" +
                    std::to_string(index) + "] must be " + want);
}

template <typename T>
void Put(Tensor& tensor, size_t index, T value) {
  std::memcpy(tensor.bytes.data() + index * sizeof(T), &value, sizeof(T));
}

template <typename T>
T Get(const Tensor& tensor, size_t index) {
  T value;
  std::memcpy(&value, tensor.bytes.data() + index * sizeof(T), sizeof(T));
  return value;
}

template <typename T>
Status DecodeInteger(const json& item, std::string_view name, size_t index,
                     Tensor& tensor) {
  const std::string want =
      "an integer from " + std::to_string(std::numeric_limits<T>::min()) +
      " to " + std::to_string(std::numeric_limits<T>::max());
  if (item.is_number_unsigned()) {
    auto v = item.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return BadData(name, index, want);
    }
    Put<T>(tensor, index, static_cast<T>(v));
  } else if (item.is_number_integer()) {
    auto v = item.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0) return BadData(name, index, want);
    } else {
      if (v < std::numeric_limits<T>::min() ||
          v > std::numeric_limits<T>::max()) {
        return BadData(name, index, want);
      }
    }
    Put<T>(tensor, index, static_cast<T>(v));
  } else {
    return BadData(name, index, want);
  }
  return {};
}

Status DecodeElement(const json& item, std::string_view name, size_t index,
                     Tensor& tensor) {
  switch (tensor.dtype) {
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kFloat16: {
      if (!item.is_number()) return BadData(name, index, "a number");
      double v = item.get<double>();
      double limit = tensor.dtype == DType::kFloat32 ? FLT_MAX : 65504.0;
      if (tensor.dtype != DType::kFloat64 && std::fabs(v) > limit) {
        return BadData(
            name, index,
            "within the range of " + std::string(DTypeName(tensor.dtype)));
      }
      if (tensor.dtype == DType::kFloat64) {
        Put<double>(tensor, index, v);
      } else if (tensor.dtype == DType::kFloat32) {
        Put<float>(tensor, index, static_cast<float>(v));
      } else {
        Put<uint16_t>(tensor, index, Half::From(static_cast<float>(v)).val);
      }
      return {};
    }
    case DType::kInt8:
      return DecodeInteger<int8_t>(item, name, index, tensor);
    case DType::kInt16:
      return DecodeInteger<int16_t>(item, name, index, tensor);
    case DType::kInt32:
      return DecodeInteger<int32_t>(item, name, index, tensor);
    case DType::kInt64:
      return DecodeInteger<int64_t>(item, name, index, tensor);
    case DType::kUint8:
      return DecodeInteger<uint8_t>(item, name, index, tensor);
    case DType::kUint16:
      return DecodeInteger<uint16_t>(item, name, index, tensor);
    case DType::kUint32:
      return DecodeInteger<uint32_t>(item, name, index, tensor);
    case DType::kUint64:
      return DecodeInteger<uint64_t>(item, name, index, tensor);
    case DType::kBool:
      if (!item.is_boolean()) return BadData(name, index, "true or false");
      Put<uint8_t>(tensor, index, item.get<bool>() ? 1 : 0);
      return {};
    case DType::kString:
      if (!item.is_string()) return BadData(name, index, "a string");
      // The runtime takes C strings: an embedded NUL would cut the value.
      if (item.get_ref<const std::string&>().find('\0') != std::string::npos) {
        return BadData(name, index, "a string without NUL characters");
      }
      tensor.strings[index] = item.get<std::string>();
      return {};
  }
  return BadData(name, index, "of a supported type");
}

// Shortest decimal that reads back as the same float, widened to double so
// that the JSON writer prints it without float32 noise digits.
double ShortestAsDouble(float value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  double widened = value;
  if (ec == std::errc()) std::from_chars(buffer, end, widened);
  return widened;
}

json FloatJson(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

json EncodeElement(const Tensor& tensor, size_t i) {
  switch (tensor.dtype) {
    case DType::kFloat32: {
      float v = Get<float>(tensor, i);
      return std::isfinite(v) ? json(ShortestAsDouble(v)) : json(nullptr);
    }
    case DType::kFloat64:
      return FloatJson(Get<double>(tensor, i));
    case DType::kFloat16: {
      Half h;
      h.val = Get<uint16_t>(tensor, i);
      float v = h.ToFloat();
      return std::isfinite(v) ? json(ShortestAsDouble(v)) : json(nullptr);
    }
    case DType::kInt8:
      return Get<int8_t>(tensor, i);
    case DType::kInt16:
      return Get<int16_t>(tensor, i);
    case DType::kInt32:
      return Get<int32_t>(tensor, i);
    case DType::kInt64:
      return Get<int64_t>(tensor, i);
    case DType::kUint8:
      return Get<uint8_t>(tensor, i);
    case DType::kUint16:
      return Get<uint16_t>(tensor, i);
    case DType::kUint32:
      return Get<uint32_t>(tensor, i);
    case DType::kUint64:
      return Get<uint64_t>(tensor, i);
    case DType::kBool:
      return Get<uint8_t>(tensor, i) != 0;
    case DType::kString:
      return tensor.strings[i];
  }
  return nullptr;
}

}  // namespace

StatusOr<Tensor> DecodeTensor(const json& json_tensor, std::string_view name) {
  const std::string where = "input '" + std::string(name) + "'";
  auto bad = [&](const std::string& what) {
    return Status(ErrorKind::kBadRequest, "invalid_tensor",
                  where + ": " + what);
  };
  if (!json_tensor.is_object()) {
    return bad("expected an object with shape, dtype and data");
  }
  for (const auto& [key, unused] : json_tensor.items()) {
    if (key != "shape" && key != "dtype" && key != "data") {
      return bad("unknown field '" + key + "'; use shape, dtype and data");
    }
  }
  auto shape_it = json_tensor.find("shape");
  auto dtype_it = json_tensor.find("dtype");
  auto data_it = json_tensor.find("data");
  if (shape_it == json_tensor.end() || !shape_it->is_array()) {
    return bad("'shape' must be an array of dimensions, e.g. [1, 4]");
  }
  if (dtype_it == json_tensor.end() || !dtype_it->is_string()) {
    return bad("'dtype' must be a string such as \"float32\"");
  }
  if (data_it == json_tensor.end() || !data_it->is_array()) {
    return bad("'data' must be a flat array of elements in row-major order");
  }

  Tensor tensor;
  auto dtype = DTypeFromName(dtype_it->get<std::string>());
  if (!dtype) {
    return bad("unknown dtype '" + dtype_it->get<std::string>() +
               "'; use float32, float64, float16, int8, int16, int32, "
               "int64, uint8, uint16, uint32, uint64, bool or string");
  }
  tensor.dtype = *dtype;
  for (const json& dim : *shape_it) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
      return bad("'shape' must hold non-negative integers");
    }
    tensor.shape.push_back(dim.get<int64_t>());
  }
  auto count = CheckedElementCount(tensor.shape, kMaxTensorElements);
  if (!count) {
    return bad("shape describes more than " +
               std::to_string(kMaxTensorElements) + " elements");
  }
  for (const json& item : *data_it) {
    if (item.is_array() || item.is_object()) {
      return bad("'data' must be flat (row-major), not nested");
    }
  }
  if (*count != data_it->size()) {
    return Status(ErrorKind::kUnprocessable, "shape_data_mismatch",
                  where + ": shape holds " + std::to_string(*count) +
                      " elements but data has " +
                      std::to_string(data_it->size()));
  }
  if (tensor.dtype == DType::kString) {
    tensor.strings.resize(*count);
  } else {
    tensor.bytes.resize(*count * DTypeSize(tensor.dtype));
  }
  size_t index = 0;
  for (const json& item : *data_it) {
    Status status = DecodeElement(item, name, index++, tensor);
    if (!status.ok()) return status;
  }
  return tensor;
}

json EncodeTensor(const Tensor& tensor) {
  json data = json::array();
  size_t count = tensor.ElementCount();
  data.get_ref<json::array_t&>().reserve(count);
  for (size_t i = 0; i < count; ++i) data.push_back(EncodeElement(tensor, i));
  return {{"shape", tensor.shape},
          {"dtype", DTypeName(tensor.dtype)},
          {"data", std::move(data)}};
}

}  // namespace nymph
