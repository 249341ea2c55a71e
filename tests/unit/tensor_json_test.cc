#include "inference/tensor_json.h"

#include <gtest/gtest.h>

#include <cstring>

namespace nymph {
namespace {

using nlohmann::json;

Tensor Decode(const std::string& text) {
  auto tensor = DecodeTensor(json::parse(text), "x");
  EXPECT_TRUE(tensor.ok()) << tensor.status().message();
  return tensor.ok() ? *tensor : Tensor{};
}

Status DecodeError(const std::string& text) {
  auto tensor = DecodeTensor(json::parse(text), "x");
  EXPECT_FALSE(tensor.ok());
  return tensor.ok() ? Status() : tensor.status();
}

template <typename T>
T At(const Tensor& tensor, size_t i) {
  T value;
  std::memcpy(&value, tensor.bytes.data() + i * sizeof(T), sizeof(T));
  return value;
}

TEST(DecodeTensor, Float32_StoresRowMajorValues) {
  Tensor t = Decode(R"({"shape":[2,2],"dtype":"float32",
                        "data":[1.5,-2,0.25,3]})");
  EXPECT_EQ(t.dtype, DType::kFloat32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(t.bytes.size(), 16u);
  EXPECT_EQ(At<float>(t, 0), 1.5f);
  EXPECT_EQ(At<float>(t, 1), -2.0f);
  EXPECT_EQ(At<float>(t, 3), 3.0f);
}

TEST(DecodeTensor, Int64_KeepsValuesBeyondDoublePrecision) {
  // 2^53 + 1 is not representable as a double.
  Tensor t = Decode(R"({"shape":[2],"dtype":"int64",
                        "data":[9007199254740993,-9223372036854775808]})");
  EXPECT_EQ(At<int64_t>(t, 0), 9007199254740993LL);
  EXPECT_EQ(At<int64_t>(t, 1), INT64_MIN);
}

TEST(DecodeTensor, IntegerRanges_AreChecked) {
  EXPECT_EQ(At<int32_t>(Decode(R"({"shape":[1],"dtype":"int32",
                                   "data":[-2147483648]})"),
                        0),
            INT32_MIN);
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"int32",
                            "data":[2147483648]})")
                .code(),
            "invalid_tensor_data");
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"uint8","data":[-1]})").code(),
            "invalid_tensor_data");
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"uint8","data":[1.0]})").kind(),
            ErrorKind::kBadRequest);
  EXPECT_EQ(At<uint64_t>(Decode(R"({"shape":[1],"dtype":"uint64",
                                    "data":[18446744073709551615]})"),
                         0),
            UINT64_MAX);
}

TEST(DecodeTensor, BoolAndString) {
  Tensor b = Decode(R"({"shape":[3],"dtype":"bool","data":[true,false,true]})");
  EXPECT_EQ(b.bytes, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"bool","data":[1]})").code(),
            "invalid_tensor_data");
  Tensor s = Decode(R"({"shape":[2],"dtype":"string","data":["a","bc"]})");
  EXPECT_EQ(s.strings, (std::vector<std::string>{"a", "bc"}));
}

TEST(DecodeTensor, Float16_RoundsToNearestHalf) {
  // 1 + 2^-11 lies halfway between two halves; ties go to even (1.0).
  Tensor t = Decode(R"({"shape":[3],"dtype":"float16",
                        "data":[1.0,-2.5,1.00048828125]})");
  EXPECT_EQ(At<uint16_t>(t, 0), 0x3C00);
  EXPECT_EQ(At<uint16_t>(t, 1), 0xC100);
  EXPECT_EQ(At<uint16_t>(t, 2), 0x3C00);
}

TEST(DecodeTensor, ScalarAndEmpty) {
  Tensor scalar = Decode(R"({"shape":[],"dtype":"float64","data":[2.5]})");
  EXPECT_EQ(scalar.ElementCount(), 1u);
  EXPECT_EQ(At<double>(scalar, 0), 2.5);
  Tensor empty = Decode(R"({"shape":[0,4],"dtype":"float32","data":[]})");
  EXPECT_EQ(empty.bytes.size(), 0u);
}

TEST(DecodeTensor, MalformedTensors_AreRejectedWithReason) {
  EXPECT_EQ(DecodeError(R"([1,2])").code(), "invalid_tensor");
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"float32"})").code(),
            "invalid_tensor");
  EXPECT_EQ(
      DecodeError(R"({"shape":[1.5],"dtype":"float32","data":[1]})").code(),
      "invalid_tensor");
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"complex","data":[1]})").code(),
            "invalid_tensor");
  EXPECT_EQ(DecodeError(R"({"shape":[1],"dtype":"float32","data":[1],
                            "layout":"nchw"})")
                .code(),
            "invalid_tensor");
  Status mismatch =
      DecodeError(R"({"shape":[2,3],"dtype":"float32","data":[1,2]})");
  EXPECT_EQ(mismatch.kind(), ErrorKind::kUnprocessable);
  EXPECT_NE(mismatch.message().find("6 elements"), std::string::npos);
  EXPECT_EQ(DecodeError(R"({"shape":[1099511627776,1099511627776],
                            "dtype":"float32","data":[]})")
                .code(),
            "invalid_tensor");
}

TEST(EncodeTensor, FloatsInShortestFormAndNonFiniteAsNull) {
  Tensor t;
  t.dtype = DType::kFloat32;
  t.shape = {3};
  float values[] = {0.1f, 1e30f, std::numeric_limits<float>::infinity()};
  t.bytes.resize(sizeof values);
  std::memcpy(t.bytes.data(), values, sizeof values);
  EXPECT_EQ(EncodeTensor(t).dump(),
            R"({"data":[0.1,1e+30,null],"dtype":"float32","shape":[3]})");
}

TEST(EncodeTensor, RoundTripsEveryDType) {
  const char* cases[] = {
      R"({"data":[-1.25,3.0],"dtype":"float64","shape":[2]})",
      R"({"data":[-128,127],"dtype":"int8","shape":[2]})",
      R"({"data":[65535],"dtype":"uint16","shape":[1]})",
      R"({"data":[true,false],"dtype":"bool","shape":[2,1]})",
      R"({"data":["x","y"],"dtype":"string","shape":[2]})",
      R"({"data":[0.5],"dtype":"float16","shape":[1]})",
  };
  for (const char* text : cases) {
    EXPECT_EQ(EncodeTensor(Decode(text)), json::parse(text)) << text;
  }
}

}  // namespace
}  // namespace nymph
