#include "fake_sysfs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace nymph::board::testing {

namespace fs = std::filesystem;

FakeSysfs::FakeSysfs() {
  std::string pattern =
      (fs::temp_directory_path() / "nymph-sysfs-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    ADD_FAILURE() << "cannot create a temporary directory";
  }
  root_ = pattern;
}

FakeSysfs::~FakeSysfs() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void FakeSysfs::Write(const std::string& relative,
                      const std::string& text) const {
  const fs::path path = root_ / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string FakeSysfs::Read(const std::string& relative) const {
  std::ifstream file(root_ / relative);
  if (!file) return "<missing>";
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void FakeSysfs::Remove(const std::string& relative) const {
  fs::remove_all(root_ / relative);
}

void FakeSysfs::MakeDirectory(const std::string& relative) const {
  fs::create_directories(root_ / relative);
}

void FakeSysfs::Link(const std::string& target, const std::string& link) const {
  const fs::path path = root_ / link;
  fs::create_directories(path.parent_path());
  fs::create_directory_symlink(root_ / target, path);
}

}  // namespace nymph::board::testing
