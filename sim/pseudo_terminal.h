// The simulator's end of the serial line: a pseudo-terminal whose slave
// side the agent opens as if it were the card's UART, and an optional
// symlink to it so the agent can be given a fixed path.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace nymph::sim {

class PseudoTerminal {
 public:
  // Opens a pseudo-terminal in raw mode. The master is non-blocking. The
  // simulator keeps the slave open itself, so that reads on the master do
  // not fail while no agent has it open.
  static StatusOr<std::unique_ptr<PseudoTerminal>> Open();
  ~PseudoTerminal();
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;

  int master_fd() const { return master_fd_; }
  const std::string& slave_path() const { return slave_path_; }

 private:
  PseudoTerminal(int master, int slave, std::string path)
      : master_fd_(master), slave_fd_(slave), slave_path_(std::move(path)) {}

  int master_fd_;
  int slave_fd_;
  std::string slave_path_;
};

// A symlink `link_path` -> `target`, put in place atomically (replacing an
// old link of that name) and removed by the destructor if it still points
// at `target`.
class DeviceLink {
 public:
  static StatusOr<std::unique_ptr<DeviceLink>> Create(std::string link_path,
                                                      std::string target);
  ~DeviceLink();

 private:
  DeviceLink(std::string link, std::string target)
      : link_(std::move(link)), target_(std::move(target)) {}
  std::string link_;
  std::string target_;
};

}  // namespace nymph::sim
