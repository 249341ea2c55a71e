#include "thermal/model_store.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace nymph::thermal {
namespace {

using nlohmann::json;

Status Unusable(const std::string& path, const std::string& why) {
  return Status(ErrorKind::kUnprocessable, "thermal_model_unusable",
                path + ": " + why + "; identifying the model afresh");
}

constexpr uintmax_t kMaxFileBytes = 64 * 1024;
constexpr int64_t kMaxSamples = 1'000'000'000;

// A card's heat capacity from 1 J/K to 1 MJ/K (a = 1/C), and
// conductances over it no faster than 1/s; the lower bounds are the
// floors ThermalModel itself clamps to, so whatever it identifies and
// saves loads again. NaN fails every comparison.
bool Plausible(const ThermalParams& p) {
  return p.a >= ThermalModel::kMinA && p.a <= 1 && p.b >= ThermalModel::kMinB &&
         p.b <= 1 && p.c >= 0 && p.c <= 1;
}

// What the model's own updates keep: symmetric, a non-negative diagonal
// whose trace is bounded, and no entry beyond what the diagonal allows.
bool ValidCovariance(const std::array<std::array<double, 3>, 3>& m) {
  double trace = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (!(m[i][i] >= 0)) return false;
    trace += m[i][i];
  }
  if (!(trace <= 1e-2)) return false;
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      if (!(m[i][j] == m[j][i]) ||
          !(m[i][j] * m[i][j] <= m[i][i] * m[j][j] * (1 + 1e-9))) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

Status SaveThermalModel(const std::string& path, const std::string& board,
                        const ThermalModel::State& state) {
  json covariance = json::array();
  for (const auto& row : state.covariance) covariance.push_back(row);
  const json saved = {{"board", board},
                      {"a_k_per_j", state.params.a},
                      {"b_per_s", state.params.b},
                      {"c_per_s", state.params.c},
                      {"covariance", covariance},
                      {"samples", state.samples}};
  std::error_code error;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, error);
  return WriteFileAtomically(path, {saved.dump(2), "\n"});
}

StatusOr<ThermalModel::State> LoadThermalModel(const std::string& path,
                                               const std::string& board) {
  // Looked at before opening: a FIFO would block the start, a directory
  // throws on read, and anything big is not a model this code wrote.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    return Status(ErrorKind::kNotFound, "no_thermal_model",
                  path + ": no saved thermal model");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Unusable(path, "not a regular file");
  }
  if (std::filesystem::file_size(path, error) > kMaxFileBytes || error) {
    return Unusable(path, "larger than a saved model can be");
  }
  std::ifstream in(path);
  if (!in)
    return Unusable(path,
                    std::string("unreadable (") + std::strerror(errno) + ")");
  const json saved = json::parse(in, nullptr, false);
  if (!saved.is_object()) return Unusable(path, "not JSON");
  try {
    if (saved.at("board") != board) {
      return Unusable(path, "identified on " + saved.at("board").dump() +
                                ", not on this board");
    }
    ThermalModel::State state;
    state.params = {saved.at("a_k_per_j").get<double>(),
                    saved.at("b_per_s").get<double>(),
                    saved.at("c_per_s").get<double>()};
    const json& samples = saved.at("samples");
    if (!samples.is_number_integer() || samples.get<int64_t>() < 0 ||
        samples.get<int64_t>() > kMaxSamples) {
      return Unusable(path, "samples must be a whole number from 0 to " +
                                std::to_string(kMaxSamples));
    }
    state.samples = int(samples.get<int64_t>());
    const json& covariance = saved.at("covariance");
    for (size_t i = 0; i < 3; ++i) {
      for (size_t j = 0; j < 3; ++j) {
        state.covariance[i][j] = covariance.at(i).at(j).get<double>();
      }
    }
    if (!Plausible(state.params)) {
      return Unusable(
          path,
          "a heat capacity or conductance no card has (a from "
          "1e-6 to 1 K/J, b from 1e-6 to 1 1/s, c from 0 to 1 1/s)");
    }
    if (!ValidCovariance(state.covariance)) {
      return Unusable(path,
                      "a covariance that identification cannot go on from "
                      "(it must be symmetric, with a non-negative diagonal "
                      "of trace at most 0.01 bounding the rest)");
    }
    return state;
  } catch (const json::exception& e) {
    return Unusable(path, std::string("a field missing or of the wrong "
                                      "type (") +
                              e.what() + ")");
  }
}

}  // namespace nymph::thermal
