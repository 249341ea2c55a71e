// The identified thermal model kept across restarts: written and read
// back whole, and refused (with the reason) when it cannot be trusted.
#include "thermal/model_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace nymph::thermal {
namespace {

std::string TempDir() {
  char dir[] = "/tmp/nymph-model-store-XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

ThermalModel::State Identified() {
  ThermalModel::State state;
  state.params = {1.0 / 200, 1.0 / 320, 1.0 / 180};
  state.covariance = {{{1e-5, 2e-7, 0}, {2e-7, 3e-6, -1e-7}, {0, -1e-7, 4e-6}}};
  state.samples = 640;
  return state;
}

TEST(ModelStore, SavedModelComesBackWhole) {
  const std::string path = TempDir() + "/thermal/model.json";
  ASSERT_TRUE(SaveThermalModel(path, "card A", Identified()).ok());
  auto loaded = LoadThermalModel(path, "card A");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->params.a, Identified().params.a);
  EXPECT_EQ(loaded->params.b, Identified().params.b);
  EXPECT_EQ(loaded->params.c, Identified().params.c);
  EXPECT_EQ(loaded->covariance, Identified().covariance);
  EXPECT_EQ(loaded->samples, 640);

  // Restored into a model, it is ready at once and forecasts as the
  // closed form says: steady state ambient + a·P / (b + c·f).
  ThermalModel model;
  EXPECT_FALSE(model.ready());
  model.Restore(*loaded);
  EXPECT_TRUE(model.ready());
  const double a = 1.0 / 200, b = 1.0 / 320, c = 1.0 / 180;
  EXPECT_NEAR(model.SteadyStateC(35, 10, 0.5), 35 + a * 10 / (b + c * 0.5),
              1e-9);
}

TEST(ModelStore, NoFileIsNotFound) {
  auto loaded = LoadThermalModel(TempDir() + "/none.json", "card A");
  EXPECT_EQ(loaded.status().kind(), ErrorKind::kNotFound);
}

TEST(ModelStore, AnotherBoardOrBadContentIsRefusedWithTheReason) {
  const std::string dir = TempDir();
  const std::string path = dir + "/model.json";
  ASSERT_TRUE(SaveThermalModel(path, "card A", Identified()).ok());
  auto other = LoadThermalModel(path, "card B");
  EXPECT_EQ(other.status().kind(), ErrorKind::kUnprocessable);
  EXPECT_NE(other.status().message().find("card A"), std::string::npos);

  const std::pair<std::string, std::string> bad[] = {
      {"{\"board\": \"card A\", \"a_k_per_j\"", "not JSON"},
      {R"({"board": "card A"})", "missing"},
      {R"({"board": "card A", "a_k_per_j": -1, "b_per_s": 0.01,
           "c_per_s": 0.01, "samples": 5,
           "covariance": [[0,0,0],[0,0,0],[0,0,0]]})",
       "no card has"},
      {R"({"board": "card A", "a_k_per_j": "x", "b_per_s": 0.01,
           "c_per_s": 0.01, "samples": 5,
           "covariance": [[0,0,0],[0,0,0],[0,0,0]]})",
       "wrong type"},
  };
  // Each a model that is not a card, or not one identification can go on
  // from.
  auto with = [](const std::string& field, const std::string& value) {
    std::string text = R"({"board": "card A", "a_k_per_j": 0.005,
        "b_per_s": 0.003, "c_per_s": 0.005, "samples": 40,
        "covariance": [[1e-5,0,0],[0,1e-5,0],[0,0,1e-5]]})";
    const size_t at = text.find("\"" + field + "\"");
    const size_t colon = text.find(':', at);
    const size_t end =
        field == "covariance" ? text.rfind('}') : text.find(',', colon);
    return text.substr(0, colon + 1) + " " + value + text.substr(end);
  };
  const std::pair<std::string, std::string> implausible[] = {
      {with("a_k_per_j", "1e-300"), "no card has"},
      {with("b_per_s", "1e300"), "no card has"},
      {with("samples", "5000000000"), "samples"},
      {with("samples", "2.5"), "samples"},
      {with("covariance", "[[1e300,0,0],[0,1e300,0],[0,0,1e300]]"),
       "covariance"},
      {with("covariance", "[[-1e6,0,0],[0,1e-5,0],[0,0,1e-5]]"), "covariance"},
      {with("covariance", "[[1e-5,1e-3,0],[1e-3,1e-5,0],[0,0,1e-5]]"),
       "covariance"},
  };
  for (const auto& [content, reason] : implausible) {
    std::ofstream(path) << content;
    auto loaded = LoadThermalModel(path, "card A");
    EXPECT_EQ(loaded.status().kind(), ErrorKind::kUnprocessable) << content;
    EXPECT_NE(loaded.status().message().find(reason), std::string::npos)
        << loaded.status().message();
  }
  // The good base these were made from loads.
  std::ofstream(path) << with("samples", "40");
  EXPECT_TRUE(LoadThermalModel(path, "card A").ok());

  for (const auto& [content, reason] : bad) {
    std::ofstream(path) << content;
    auto loaded = LoadThermalModel(path, "card A");
    EXPECT_EQ(loaded.status().kind(), ErrorKind::kUnprocessable) << content;
    EXPECT_NE(loaded.status().message().find(reason), std::string::npos)
        << loaded.status().message();
  }
}

TEST(ModelStore, NotARegularFileIsRefusedWithoutReadingIt) {
  // A directory would throw on read and a FIFO would block the start.
  const std::string dir = TempDir();
  std::filesystem::create_directory(dir + "/model.json");
  auto directory = LoadThermalModel(dir + "/model.json", "card A");
  EXPECT_EQ(directory.status().kind(), ErrorKind::kUnprocessable);
  EXPECT_NE(directory.status().message().find("not a regular file"),
            std::string::npos);
  ASSERT_EQ(mkfifo((dir + "/fifo.json").c_str(), 0600), 0);
  auto fifo = LoadThermalModel(dir + "/fifo.json", "card A");
  EXPECT_EQ(fifo.status().kind(), ErrorKind::kUnprocessable);
}

TEST(ModelStore, ModelAtTheFloorsItClampsToLoadsAgain) {
  // Whatever identification can reach is saved and must load back.
  ThermalModel::State floor = Identified();
  floor.params = {ThermalModel::kMinA, ThermalModel::kMinB, 0};
  const std::string path = TempDir() + "/model.json";
  ASSERT_TRUE(SaveThermalModel(path, "card A", floor).ok());
  auto loaded = LoadThermalModel(path, "card A");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->params.a, 1e-6);
}

}  // namespace
}  // namespace nymph::thermal
