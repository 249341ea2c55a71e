// Test cases written by tools/testmodels: an /infer request and the outputs
// NumPy (or the ONNX project's reference runs) computed for it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nymph::testing {

struct InferCase {
  std::string name;  // file stem
  std::string model;
  nlohmann::json request;
  nlohmann::json expected;  // output name -> tensor
  double rtol = 0;
  double atol = 0;
  std::string skip_reason;
};

// Every cases/*.json under `dir`, sorted by name; empty if none.
std::vector<InferCase> LoadCases(const std::string& dir);

// Compares /infer outputs with expected tensors: same names, dtypes and
// shapes; numbers within atol + rtol * |expected|; others exactly.
::testing::AssertionResult OutputsMatch(const nlohmann::json& actual,
                                        const nlohmann::json& expected,
                                        double rtol, double atol);

}  // namespace nymph::testing
