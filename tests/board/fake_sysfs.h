// A sysfs tree in a temporary directory, for backends that take a root.
#pragma once

#include <filesystem>
#include <string>

namespace nymph::board::testing {

class FakeSysfs {
 public:
  FakeSysfs();   // an empty tree in a fresh temporary directory
  ~FakeSysfs();  // removes it
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // Writes `text` to root/relative, creating directories on the way.
  void Write(const std::string& relative, const std::string& text) const;
  // The file's contents as written, or "<missing>".
  std::string Read(const std::string& relative) const;
  void Remove(const std::string& relative) const;
  void MakeDirectory(const std::string& relative) const;
  // root/link -> root/target, as class/hwmon/hwmonN links to devices/.
  void Link(const std::string& target, const std::string& link) const;

 private:
  std::filesystem::path root_;
};

}  // namespace nymph::board::testing
