#include "board/sysfs_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace nymph::board {
namespace {

// sysfs attributes are at most a page; 4 KiB holds any of ours.
constexpr size_t kMaxAttributeBytes = 4096;

Status SystemError(const char* code, const std::string& action,
                   const std::filesystem::path& path, int error) {
  return Status(
      ErrorKind::kUnavailable, code,
      "cannot " + action + " " + path.string() + ": " + std::strerror(error));
}

// Closes the descriptor on every path out of a function.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

StatusOr<std::string> ReadSysfsText(const std::filesystem::path& path) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) return SystemError("sysfs_read", "open", path, errno);
  std::string text(kMaxAttributeBytes, '\0');
  const ssize_t got = ::read(file.get(), text.data(), text.size());
  if (got < 0) return SystemError("sysfs_read", "read", path, errno);
  text.resize(static_cast<size_t>(got));
  while (!text.empty() &&
         std::isspace(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  return text;
}

StatusOr<int64_t> ReadSysfsInteger(const std::filesystem::path& path) {
  StatusOr<std::string> text = ReadSysfsText(path);
  if (!text.ok()) return text.status();
  int64_t value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end) {
    return Status(ErrorKind::kUnavailable, "sysfs_not_a_number",
                  path.string() + " holds '" + *text + "', not an integer");
  }
  return value;
}

Status WriteSysfsText(const std::filesystem::path& path,
                      const std::string& text) {
  FileDescriptor file(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (file.get() < 0) return SystemError("sysfs_write", "open", path, errno);
  const ssize_t wrote = ::write(file.get(), text.data(), text.size());
  if (wrote < 0) {
    return SystemError("sysfs_write", "write '" + text + "' to", path, errno);
  }
  if (static_cast<size_t>(wrote) != text.size()) {
    return Status(ErrorKind::kUnavailable, "sysfs_write",
                  "short write of '" + text + "' to " + path.string());
  }
  return {};
}

}  // namespace nymph::board
