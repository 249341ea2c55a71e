// The control socket: a Unix stream socket taking one-line text commands
// and answering each with one line. Several clients may be connected; each
// may send many commands. Driven by the simulator's poll loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nymph::sim {

class ControlSocket {
 public:
  using Handler = std::function<std::string(std::string_view line)>;

  // Listens on `path` (an old socket file there is replaced).
  static StatusOr<std::unique_ptr<ControlSocket>> Listen(std::string path);
  ~ControlSocket();  // closes everything and removes the socket file

  // Every fd to poll for input: the listener and each client.
  std::vector<int> fds() const;
  // `fd` is readable: accept a client or run its complete lines.
  void OnReadable(int fd, const Handler& handler);

 private:
  ControlSocket(std::string path, int fd)
      : path_(std::move(path)), listen_fd_(fd) {}
  void Drop(int fd);

  std::string path_;
  int listen_fd_;
  std::map<int, std::string> clients_;  // fd -> bytes of an unfinished line
};

}  // namespace nymph::sim
