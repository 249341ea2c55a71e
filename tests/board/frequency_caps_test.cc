#include "board/frequency_caps.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fake_sysfs.h"

namespace nymph::board {
namespace {

using testing::FakeSysfs;

constexpr char kPolicy0[] = "devices/system/cpu/cpufreq/policy0/";
constexpr char kPolicy4[] = "devices/system/cpu/cpufreq/policy4/";
constexpr char kNpu[] = "class/devfreq/fdab0000.npu/";
constexpr char kDmc[] = "class/devfreq/dmc/";

// An RK3588-like tree: two CPU clusters (the big one capped to 2208 MHz by
// an administrator), an NPU that lists its frequencies, a memory
// controller that does not.
class FrequencyCapsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(kPolicy0, "cpuinfo_min_freq", "408000");
    Write(kPolicy0, "cpuinfo_max_freq", "1800000");
    Write(kPolicy0, "scaling_max_freq", "1800000");
    Write(kPolicy4, "cpuinfo_min_freq", "408000");
    Write(kPolicy4, "cpuinfo_max_freq", "2400000");
    Write(kPolicy4, "scaling_max_freq", "2208000");
    Write(kNpu, "available_frequencies",
          "300000000 400000000 600000000 800000000 1000000000");
    Write(kNpu, "max_freq", "1000000000");
    Write(kDmc, "min_freq", "528000000");
    Write(kDmc, "max_freq", "2112000000");
  }
  void Write(const char* dir, const char* file, const char* text) {
    sysfs_.Write(std::string(dir) + file, std::string(text) + "\n");
  }
  std::string Read(const char* dir, const char* file) {
    return sysfs_.Read(std::string(dir) + file);
  }
  std::unique_ptr<FrequencyCaps> OpenCaps() {
    StatusOr<std::unique_ptr<FrequencyCaps>> caps =
        FrequencyCaps::Open(sysfs_.root());
    EXPECT_TRUE(caps.ok()) << caps.status().message();
    return caps.ok() ? std::move(*caps) : nullptr;
  }

  FakeSysfs sysfs_;
};

TEST_F(FrequencyCapsTest, Open_FindsEveryDomain) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  ASSERT_EQ(caps->domains().size(), 4u);
  EXPECT_EQ(caps->domains()[0].name, "cpufreq/policy0");
  EXPECT_EQ(caps->domains()[1].name, "cpufreq/policy4");
  EXPECT_DOUBLE_EQ(caps->cap(), 1.0);
}

TEST_F(FrequencyCapsTest, HalfCap_PicksEachDomainsFrequency) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  ASSERT_TRUE(caps->SetCap(0.5).ok());
  EXPECT_DOUBLE_EQ(caps->cap(), 0.5);
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "900000");   // 1.8 GHz / 2
  EXPECT_EQ(Read(kPolicy4, "scaling_max_freq"), "1200000");  // 2.4 GHz / 2
  // 500 MHz is not listed; the nearest listed below it is 400 MHz.
  EXPECT_EQ(Read(kNpu, "max_freq"), "400000000");
  EXPECT_EQ(Read(kDmc, "max_freq"), "1056000000");  // 2112 MHz / 2
}

TEST_F(FrequencyCapsTest, DeepCap_StopsAtEachDomainsLowest) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  ASSERT_TRUE(caps->SetCap(0.1).ok());
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "408000");
  EXPECT_EQ(Read(kPolicy4, "scaling_max_freq"), "408000");
  EXPECT_EQ(Read(kNpu, "max_freq"), "300000000");  // none below 100 MHz
  EXPECT_EQ(Read(kDmc, "max_freq"), "528000000");
}

TEST_F(FrequencyCapsTest, LightCap_NeverRaisesAnAdministratorsLimit) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  ASSERT_TRUE(caps->SetCap(0.95).ok());
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "1710000");
  // 0.95 * 2.4 GHz = 2.28 GHz, above the 2.208 GHz found at Open.
  EXPECT_EQ(Read(kPolicy4, "scaling_max_freq"), "2208000");
  EXPECT_EQ(Read(kNpu, "max_freq"), "800000000");
}

TEST_F(FrequencyCapsTest, RestoreAndDestruction_WriteBackOriginals) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  ASSERT_TRUE(caps->SetCap(0.5).ok());
  ASSERT_TRUE(caps->Restore().ok());
  EXPECT_DOUBLE_EQ(caps->cap(), 1.0);
  EXPECT_EQ(Read(kPolicy4, "scaling_max_freq"), "2208000");
  EXPECT_EQ(Read(kNpu, "max_freq"), "1000000000");
  ASSERT_TRUE(caps->SetCap(0.3).ok());
  caps.reset();
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "1800000");
  EXPECT_EQ(Read(kPolicy4, "scaling_max_freq"), "2208000");
  EXPECT_EQ(Read(kNpu, "max_freq"), "1000000000");
  EXPECT_EQ(Read(kDmc, "max_freq"), "2112000000");
}

TEST_F(FrequencyCapsTest, FractionOutsideZeroToOne_IsRejected) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  for (double bad : {0.0, -0.5, 1.01, std::nan("")}) {
    EXPECT_EQ(caps->SetCap(bad).code(), "cap_out_of_range") << bad;
  }
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "1800000\n");
}

TEST_F(FrequencyCapsTest, FailedWrite_NamesDomainAndKeepsCap) {
  std::unique_ptr<FrequencyCaps> caps = OpenCaps();
  ASSERT_TRUE(caps);
  sysfs_.Remove(std::string(kNpu) + "max_freq");
  Status status = caps->SetCap(0.5);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), "dvfs_write");
  EXPECT_NE(status.message().find("devfreq/fdab0000.npu"), std::string::npos);
  EXPECT_DOUBLE_EQ(caps->cap(), 1.0);
  // The other domains were still capped.
  EXPECT_EQ(Read(kPolicy0, "scaling_max_freq"), "900000");
}

TEST(FrequencyCaps, NoDomains_OpensButCannotCap) {
  FakeSysfs empty;
  StatusOr<std::unique_ptr<FrequencyCaps>> caps =
      FrequencyCaps::Open(empty.root());
  ASSERT_TRUE(caps.ok());
  EXPECT_TRUE((*caps)->domains().empty());
  EXPECT_EQ((*caps)->SetCap(0.5).code(), "no_dvfs");
}

TEST_F(FrequencyCapsTest, UnreadableLimit_FailsOpen) {
  sysfs_.Remove(std::string(kPolicy4) + "cpuinfo_max_freq");
  StatusOr<std::unique_ptr<FrequencyCaps>> caps =
      FrequencyCaps::Open(sysfs_.root());
  ASSERT_FALSE(caps.ok());
  EXPECT_NE(caps.status().message().find("cpuinfo_max_freq"),
            std::string::npos);
}

}  // namespace
}  // namespace nymph::board
