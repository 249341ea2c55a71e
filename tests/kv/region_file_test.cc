#include "kv/region_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace nymph::kv {
namespace {

namespace fs = std::filesystem;

constexpr KvGeometry kGeometry{1, 2, 2, 4};  // 32 floats per block
const std::string kSha(64, 'a');
constexpr uintmax_t kMaxBytes = 1 << 20;

class RegionFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nymph-region-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "r.kvregion").string();
    content_.info.name = "r";
    content_.info.priority = -3;
    content_.info.reserved_blocks = 5;
    content_.info.content_blocks = 2;
    for (int i = 0; i < 8; ++i) content_.tokens.push_back(i * 7);
    for (int i = 0; i < 64; ++i) content_.kv.push_back(float(i) / 3.0f);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Bytes() {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void Overwrite(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }

  fs::path dir_;
  std::string path_;
  RegionContent content_;
};

TEST_F(RegionFileTest, RoundTripsExactly) {
  ASSERT_TRUE(WriteRegionFile(path_, content_, kGeometry, kSha).ok());
  auto read = ReadRegionFile(path_, kGeometry, kSha, kMaxBytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->info.name, "r");
  EXPECT_EQ(read->info.priority, -3);
  EXPECT_EQ(read->info.reserved_blocks, 5);
  EXPECT_EQ(read->tokens, content_.tokens);
  EXPECT_EQ(read->kv, content_.kv);  // bit-exact floats
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), {}), 1);
}

TEST_F(RegionFileTest, AFlippedByteIsRefused) {
  ASSERT_TRUE(WriteRegionFile(path_, content_, kGeometry, kSha).ok());
  std::string bytes = Bytes();
  bytes[bytes.size() / 2] ^= 0x01;
  Overwrite(bytes);
  auto read = ReadRegionFile(path_, kGeometry, kSha, kMaxBytes);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("checksum"), std::string::npos);
}

TEST_F(RegionFileTest, TruncatedFilesAreRefused) {
  ASSERT_TRUE(WriteRegionFile(path_, content_, kGeometry, kSha).ok());
  const std::string bytes = Bytes();
  for (size_t keep : {size_t{0}, size_t{5}, size_t{40}, bytes.size() - 1}) {
    Overwrite(bytes.substr(0, keep));
    EXPECT_FALSE(ReadRegionFile(path_, kGeometry, kSha, kMaxBytes).ok())
        << keep;
  }
}

TEST_F(RegionFileTest, AnotherModelOrGeometryIsRefused) {
  ASSERT_TRUE(WriteRegionFile(path_, content_, kGeometry, kSha).ok());
  auto other_model =
      ReadRegionFile(path_, kGeometry, std::string(64, 'b'), kMaxBytes);
  ASSERT_FALSE(other_model.ok());
  EXPECT_NE(other_model.status().message().find("another model"),
            std::string::npos);
  KvGeometry other = kGeometry;
  other.block_tokens = 8;
  EXPECT_FALSE(ReadRegionFile(path_, other, kSha, kMaxBytes).ok());
}

// Found by a tester: a directory named like a region file aborted start-up,
// and a link to /dev/zero was read without end.
TEST_F(RegionFileTest, DirectoriesDevicesAndOversizedFilesAreRefusedUnread) {
  fs::create_directory(path_);
  auto directory = ReadRegionFile(path_, kGeometry, kSha, kMaxBytes);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("not a regular file"),
            std::string::npos);
  fs::remove(path_);
  fs::create_symlink("/dev/zero", path_);
  EXPECT_FALSE(ReadRegionFile(path_, kGeometry, kSha, kMaxBytes).ok());
  fs::remove(path_);
  ASSERT_TRUE(WriteRegionFile(path_, content_, kGeometry, kSha).ok());
  const uintmax_t size = fs::file_size(path_);
  EXPECT_TRUE(ReadRegionFile(path_, kGeometry, kSha, size).ok());
  auto big = ReadRegionFile(path_, kGeometry, kSha, size - 1);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger"), std::string::npos);
}

TEST_F(RegionFileTest, UnwritableDirectoryIsAnErrorNotACrash) {
  Status status = WriteRegionFile((dir_ / "missing" / "r.kvregion").string(),
                                  content_, kGeometry, kSha);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace nymph::kv
