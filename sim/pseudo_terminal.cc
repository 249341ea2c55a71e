#include "sim/pseudo_terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

namespace nymph::sim {
namespace {

Status PtyError(const std::string& what) {
  return Status(ErrorKind::kUnavailable, "pty_error",
                what + ": " + strerror(errno));
}

}  // namespace

StatusOr<std::unique_ptr<PseudoTerminal>> PseudoTerminal::Open() {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return PtyError("posix_openpt");
  char name[128];
  if (grantpt(master) != 0 || unlockpt(master) != 0 ||
      ptsname_r(master, name, sizeof name) != 0) {
    Status status = PtyError("preparing the pseudo-terminal");
    close(master);
    return status;
  }
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    Status status = PtyError(std::string("opening ") + name);
    close(master);
    return status;
  }
  // Raw from the start: with the default line discipline the slave would
  // echo our answers back to us until the agent sets raw mode itself.
  termios tio{};
  tcgetattr(slave, &tio);
  cfmakeraw(&tio);
  cfsetispeed(&tio, B115200);
  cfsetospeed(&tio, B115200);
  tcsetattr(slave, TCSANOW, &tio);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PseudoTerminal>(
      new PseudoTerminal(master, slave, name));
}

PseudoTerminal::~PseudoTerminal() {
  close(slave_fd_);
  close(master_fd_);
}

StatusOr<std::unique_ptr<DeviceLink>> DeviceLink::Create(std::string link_path,
                                                         std::string target) {
  std::string temporary = link_path + ".tmp" + std::to_string(getpid());
  unlink(temporary.c_str());
  if (symlink(target.c_str(), temporary.c_str()) != 0 ||
      rename(temporary.c_str(), link_path.c_str()) != 0) {
    Status status = PtyError("--link " + link_path +
                             ": cannot create the symlink (is the "
                             "directory there and writable?)");
    unlink(temporary.c_str());
    return status;
  }
  return std::unique_ptr<DeviceLink>(
      new DeviceLink(std::move(link_path), std::move(target)));
}

DeviceLink::~DeviceLink() {
  std::error_code error;
  if (std::filesystem::read_symlink(link_, error) == target_) {
    std::filesystem::remove(link_, error);
  }
}

}  // namespace nymph::sim
