#include "sim/control_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace nymph::sim {
namespace {

// A line longer than this is not a command; the client is dropped.
constexpr size_t kMaxLine = 4096;

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; Drop() follows on read
    done += static_cast<size_t>(n);
  }
}

}  // namespace

StatusOr<std::unique_ptr<ControlSocket>> ControlSocket::Listen(
    std::string path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return Status(ErrorKind::kBadRequest, "control_path_too_long",
                  "--control " + path + ": longer than " +
                      std::to_string(sizeof address.sun_path - 1) +
                      " bytes; choose a shorter path");
  }
  memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return Status(ErrorKind::kInternal, "control_socket_error",
                  std::string("socket: ") + strerror(errno));
  }
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 8) != 0) {
    Status status(ErrorKind::kUnavailable, "control_socket_error",
                  "--control " + path + ": " + strerror(errno) +
                      " (is the directory there and writable?)");
    close(fd);
    return status;
  }
  return std::unique_ptr<ControlSocket>(new ControlSocket(path, fd));
}

ControlSocket::~ControlSocket() {
  for (const auto& [fd, unused] : clients_) close(fd);
  close(listen_fd_);
  unlink(path_.c_str());
}

std::vector<int> ControlSocket::fds() const {
  std::vector<int> fds = {listen_fd_};
  for (const auto& [fd, unused] : clients_) fds.push_back(fd);
  return fds;
}

void ControlSocket::Drop(int fd) {
  close(fd);
  clients_.erase(fd);
}

void ControlSocket::OnReadable(int fd, const Handler& handler) {
  if (fd == listen_fd_) {
    int client =
        accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client >= 0) clients_[client] = "";
    return;
  }
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  char buffer[1024];
  ssize_t n = recv(fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    Drop(fd);
    return;
  }
  std::string& pending = it->second;
  pending.append(buffer, static_cast<size_t>(n));
  size_t newline;
  while ((newline = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, newline);
    pending.erase(0, newline + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    WriteAll(fd, handler(line) + "\n");
  }
  if (pending.size() > kMaxLine) {
    WriteAll(fd, "error line too long\n");
    Drop(fd);
  }
}

}  // namespace nymph::sim
