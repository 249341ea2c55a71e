// Runs the real nymph-boardsim as a child process for tests: a private
// temporary directory for its --link and --control paths, its log kept,
// and one-line control commands over the socket.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace nymph::testing {

class BoardSimProcess {
 public:
  explicit BoardSimProcess(std::vector<std::string> extra_args);
  ~BoardSimProcess();  // kills the process if still running

  // Starts it and waits (at most `timeout_s`) for the device link and the
  // control socket. False on failure; log() says why.
  bool Start(double timeout_s = 10);
  // SIGTERM and wait: the exit status, -1 if it did not exit by itself.
  int Stop(double timeout_s = 10);

  const std::string& device() const { return link_; }
  // Sends one control command and returns the answer line (no newline);
  // "error ..." from the simulator or "transport error" on failure.
  std::string Control(const std::string& line) const;
  nlohmann::json State() const;
  nlohmann::json Params() const;
  std::string log() const;

 private:
  std::vector<std::string> args_;
  std::string dir_;
  std::string link_;
  std::string control_;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex log_mutex_;  // guards log_
  std::string log_;
};

}  // namespace nymph::testing
