// Starts the real nymphd as a child process on an ephemeral loopback port,
// captures its log, and stops it with a signal: what integration tests use
// to talk to the daemon only over HTTP, as a client would.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}

namespace nymph::testing {

struct DaemonOptions {
  std::string models_dir;
  bool https = false;
  std::vector<std::string> extra_args;
  std::vector<std::string> env;  // "NAME=value" added to the environment
  std::string state_dir;         // empty: a new temporary directory
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();  // kills the daemon if it is still running

  // Starts nymphd and waits (at most `timeout_s`) for its "listening on"
  // line and then for /ready (if `wait_ready`). Returns false on failure;
  // log() then says why.
  bool Start(bool wait_ready = true, double timeout_s = 30);

  // Sends `signal` and waits for exit; returns the exit status, or -1 if
  // the process did not exit within `timeout_s` or died from a signal.
  int Stop(int signal, double timeout_s = 30);

  // Waits for an exit that the daemon makes by itself (usage errors).
  int WaitExit(double timeout_s = 30);

  int port() const { return port_; }
  pid_t pid_for_test() const { return pid_; }
  const std::string& state_dir() const { return state_dir_; }
  std::string log() const;
  // Waits until the log contains `text`; the log arrives through a pipe,
  // so a line may lag the event it reports.
  bool WaitForLog(const std::string& text, double timeout_s = 10) const;

  // A client for the daemon: HTTPS verified against the daemon's own
  // self-signed certificate, or plain HTTP.
  std::unique_ptr<httplib::Client> Client() const;

 private:
  void ReadLog(int fd);

  DaemonOptions options_;
  std::string state_dir_;
  bool owns_state_dir_ = false;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = -1;  // once reaped
  std::thread reader_;
  mutable std::mutex log_mutex_;  // guards log_
  std::string log_;
};

// The nymphd binary and generated test data, from the build (CMake passes
// them as compile definitions).
std::string NymphdPath();
std::string OwnTestDataDir();      // models/ and cases/ from NumPy
std::string BackendTestDataDir();  // ONNX backend cases; may not exist
std::string BundledModelsDir();    // the repository's models/

// A directory private to this test process (removed at exit), for config
// and token files, so parallel runs and other checkouts never collide.
std::string TestTempDir();

}  // namespace nymph::testing
