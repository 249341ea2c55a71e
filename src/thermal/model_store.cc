#include "thermal/model_store.h"

#include <cmath>
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
  std::ifstream in(path);
  if (!in) {
    return Status(ErrorKind::kNotFound, "no_thermal_model",
                  path + ": no saved thermal model");
  }
  const json saved = json::parse(in, nullptr, false);
  if (!saved.is_object()) return Unusable(path, "not JSON");
  try {
    if (saved.at("board") != board) {
      return Unusable(path, "identified on '" +
                                saved.at("board").get<std::string>() +
                                "', not on this board");
    }
    ThermalModel::State state;
    state.params = {saved.at("a_k_per_j").get<double>(),
                    saved.at("b_per_s").get<double>(),
                    saved.at("c_per_s").get<double>()};
    state.samples = saved.at("samples").get<int>();
    const json& covariance = saved.at("covariance");
    bool finite = std::isfinite(state.params.a) &&
                  std::isfinite(state.params.b) &&
                  std::isfinite(state.params.c);
    for (size_t i = 0; i < 3; ++i) {
      for (size_t j = 0; j < 3; ++j) {
        state.covariance[i][j] = covariance.at(i).at(j).get<double>();
        finite = finite && std::isfinite(state.covariance[i][j]);
      }
    }
    if (!finite) return Unusable(path, "values that are not finite");
    if (state.params.a <= 0 || state.params.b <= 0 || state.params.c < 0 ||
        state.samples < 0) {
      return Unusable(path,
                      "a heat capacity or conductance no card has (a and b "
                      "must be positive, c and samples not negative)");
    }
    return state;
  } catch (const json::exception& e) {
    return Unusable(path, std::string("a field missing or of the wrong "
                                      "type (") +
                              e.what() + ")");
  }
}

}  // namespace nymph::thermal
