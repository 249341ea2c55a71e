#include "support/cases.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace nymph::testing {

std::vector<InferCase> LoadCases(const std::string& dir) {
  std::vector<InferCase> cases;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir + "/cases", error)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    nlohmann::json json = nlohmann::json::parse(in);
    InferCase c;
    c.name = entry.path().stem().string();
    c.model = json.at("model").get<std::string>();
    c.skip_reason = json.value("skip_reason", "");
    if (c.skip_reason.empty()) {
      c.request = json.at("request");
      c.expected = json.at("expected");
      c.rtol = json.value("rtol", 0.0);
      c.atol = json.value("atol", 0.0);
    }
    cases.push_back(std::move(c));
  }
  std::sort(
      cases.begin(), cases.end(),
      [](const InferCase& a, const InferCase& b) { return a.name < b.name; });
  return cases;
}

::testing::AssertionResult OutputsMatch(const nlohmann::json& actual,
                                        const nlohmann::json& expected,
                                        double rtol, double atol) {
  for (const auto& [name, want] : expected.items()) {
    if (!actual.contains(name)) {
      return ::testing::AssertionFailure()
             << "output '" << name << "' is missing";
    }
    const nlohmann::json& got = actual.at(name);
    if (got.at("dtype") != want.at("dtype") ||
        got.at("shape") != want.at("shape")) {
      return ::testing::AssertionFailure()
             << "output '" << name << "': got " << got.at("dtype") << " "
             << got.at("shape") << ", want " << want.at("dtype") << " "
             << want.at("shape");
    }
    const auto& got_data = got.at("data");
    const auto& want_data = want.at("data");
    if (got_data.size() != want_data.size()) {
      return ::testing::AssertionFailure()
             << "output '" << name << "': " << got_data.size()
             << " elements, want " << want_data.size();
    }
    for (size_t i = 0; i < want_data.size(); ++i) {
      const auto& g = got_data[i];
      const auto& w = want_data[i];
      bool same;
      if (w.is_number_float() || (w.is_number() && g.is_number_float())) {
        double gv = g.get<double>();
        double wv = w.get<double>();
        same = std::fabs(gv - wv) <= atol + rtol * std::fabs(wv);
      } else {
        same = g == w;
      }
      if (!same) {
        return ::testing::AssertionFailure()
               << "output '" << name << "' element " << i << ": got " << g
               << ", want " << w << " (rtol " << rtol << ", atol " << atol
               << ")";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace nymph::testing
