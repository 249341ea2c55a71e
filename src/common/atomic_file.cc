#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace nymph {
namespace {

Status IoError(const std::string& what, const std::string& path, int error) {
  const char* hint = error == ENAMETOOLONG ? " (choose a shorter name)"
                     : error == ENOENT || error == EACCES || error == ENOTDIR ||
                             error == EROFS || error == EISDIR
                         ? " (choose a writable directory)"
                         : "";
  // A hint means the user's path is at fault; the rest is the machine's.
  return Status(
      *hint ? ErrorKind::kUnprocessable : ErrorKind::kInternal, "write_failed",
      "cannot " + what + " " + path + ": " + std::strerror(error) + hint);
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& parts,
                           mode_t mode) {
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty()
                        ? std::string(".")
                        : target.parent_path().string();
  // mkstemp: a unique name, so two writers of one path never share a
  // temporary file; the last rename wins whole. The file's own name is cut
  // so that the temporary one stays within NAME_MAX (255) whenever the
  // file's does.
  const std::string name = target.filename().string();
  std::string temp =
      (std::filesystem::path(dir) / name.substr(0, 200)).string() +
      ".tmp.XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return IoError("create a file next to", path, errno);
  // mkstemp creates it 0600 whatever the umask; set what was asked.
  bool ok = fchmod(fd, mode) == 0;
  for (std::string_view part : parts) ok = ok && WriteAll(fd, part);
  int error = errno;
  if (ok && fsync(fd) != 0) {
    ok = false;
    error = errno;
  }
  if (close(fd) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (ok && rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    unlink(temp.c_str());
    return IoError("write", path, error);
  }
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return Status();
}

}  // namespace nymph
