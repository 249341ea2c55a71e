#include "daemon/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace nymph {
namespace {

// What the lock file says of its holder, trimmed; empty if unreadable.
std::string HolderPid(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return "";
  std::string pid(text, size_t(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
    pid.pop_back();
  }
  return pid;
}

}  // namespace

StatusOr<StateLock> StateLock::Acquire(const std::string& state_dir) {
  const std::string path = state_dir + "/nymphd.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(ErrorKind::kUnavailable, "state_lock",
                  "cannot open " + path + ": " + std::strerror(errno) +
                      "; check --state-dir");
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string pid = HolderPid(fd);
    close(fd);
    return Status(ErrorKind::kConflict, "state_locked",
                  "state directory " + state_dir + " is in use by " +
                      (pid.empty() ? "another nymphd" : "nymphd pid " + pid) +
                      "; stop it or give this one its own --state-dir");
  }
  // The pid only names the holder in a later refusal; the flock is the
  // lock, so a failed write here costs nothing but that name.
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, pid.data(), pid.size(), 0);
  return StateLock(fd);
}

StateLock::StateLock(StateLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

StateLock::~StateLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace nymph
