#include "inference/signature.h"

#include <gtest/gtest.h>

namespace nymph {
namespace {

Tensor Make(DType dtype, std::vector<int64_t> shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.resize(t.ElementCount() * DTypeSize(dtype));
  return t;
}

// Two inputs sharing a symbolic batch dimension, one fixed-size input.
ModelSignature Signature() {
  ModelSignature s;
  s.inputs.push_back({"tokens", DType::kInt64, "", {-1, -1}, {"batch", ""}});
  s.inputs.push_back({"mask", DType::kBool, "", {-1, 8}, {"batch", ""}});
  s.inputs.push_back({"scale", DType::kFloat32, "", {}, {}});
  return s;
}

NamedTensors Valid() {
  return {{"tokens", Make(DType::kInt64, {2, 5})},
          {"mask", Make(DType::kBool, {2, 8})},
          {"scale", Make(DType::kFloat32, {})}};
}

std::string CodeOf(const NamedTensors& inputs) {
  return ValidateInputs(Signature(), inputs).code();
}

TEST(ValidateInputs, MatchingInputs_Pass) {
  EXPECT_TRUE(ValidateInputs(Signature(), Valid()).ok());
}

TEST(ValidateInputs, MissingAndUnknownNames) {
  NamedTensors missing = Valid();
  missing.erase("mask");
  EXPECT_EQ(CodeOf(missing), "missing_input");
  NamedTensors extra = Valid();
  extra.emplace("bias", Make(DType::kFloat32, {1}));
  Status status = ValidateInputs(Signature(), extra);
  EXPECT_EQ(status.code(), "unknown_input");
  EXPECT_NE(status.message().find("'tokens', 'mask', 'scale'"),
            std::string::npos);
}

TEST(ValidateInputs, TypeRankAndFixedDimension) {
  NamedTensors dtype = Valid();
  dtype["tokens"] = Make(DType::kInt32, {2, 5});
  EXPECT_EQ(CodeOf(dtype), "dtype_mismatch");
  NamedTensors rank = Valid();
  rank["scale"] = Make(DType::kFloat32, {1});
  EXPECT_EQ(CodeOf(rank), "rank_mismatch");
  NamedTensors fixed = Valid();
  fixed["mask"] = Make(DType::kBool, {2, 7});
  Status status = ValidateInputs(Signature(), fixed);
  EXPECT_EQ(status.code(), "shape_mismatch");
  EXPECT_NE(status.message().find("[batch, 8]"), std::string::npos);
}

TEST(ValidateInputs, SharedSymbolicDimension_MustAgree) {
  NamedTensors inputs = Valid();
  inputs["mask"] = Make(DType::kBool, {3, 8});
  Status status = ValidateInputs(Signature(), inputs);
  EXPECT_EQ(status.code(), "shape_mismatch");
  EXPECT_NE(status.message().find("'batch'"), std::string::npos);
}

TEST(ValidateInputs, InputWithoutJsonForm_IsUnprocessable) {
  ModelSignature s;
  s.inputs.push_back({"seq", std::nullopt, "sequence", {}, {}});
  NamedTensors inputs = {{"seq", Make(DType::kFloat32, {1})}};
  Status status = ValidateInputs(s, inputs);
  EXPECT_EQ(status.kind(), ErrorKind::kUnprocessable);
  EXPECT_EQ(status.code(), "unsupported_input_type");
}

TEST(SpecToJson, FixedSymbolicAndUnnamedDimensions) {
  TensorSpec spec{"x", DType::kFloat32, "", {-1, 4, -1}, {"batch", "", ""}};
  EXPECT_EQ(SpecToJson(spec).dump(),
            R"({"dtype":"float32","name":"x","shape":["batch",4,null]})");
}

}  // namespace
}  // namespace nymph
