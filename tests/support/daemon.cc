#include "support/daemon.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <regex>

namespace nymph::testing {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A daemon may answer (401, 413) and close before a test client has sent
// its whole body; the client must see an error, not die of SIGPIPE.
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

int DecodeWaitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string NymphdPath() { return NYMPH_TEST_NYMPHD; }
std::string OwnTestDataDir() { return NYMPH_TEST_OWN_DATA; }
std::string BackendTestDataDir() { return NYMPH_TEST_BACKEND_DATA; }
std::string BundledModelsDir() { return NYMPH_TEST_BUNDLED_MODELS; }

std::string TestTempDir() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/nymph-test-files-XXXXXX";
    std::string made = mkdtemp(pattern);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(TestTempDir(), ignored);
    });
    return made;
  }();
  return dir;
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {
  state_dir_ = options_.state_dir;
  if (state_dir_.empty()) {
    char pattern[] = "/tmp/nymph-test-XXXXXX";
    state_dir_ = mkdtemp(pattern);
    owns_state_dir_ = true;
  }
}

Daemon::~Daemon() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (reader_.joinable()) reader_.join();
  std::error_code ignored;
  if (owns_state_dir_) std::filesystem::remove_all(state_dir_, ignored);
}

bool Daemon::Start(bool wait_ready, double timeout_s) {
  std::vector<std::string> args = {
      NymphdPath(),        "--listen",    "127.0.0.1:0", "--models",
      options_.models_dir, "--state-dir", state_dir_};
  if (!options_.https) args.push_back("--http");
  args.insert(args.end(), options_.extra_args.begin(),
              options_.extra_args.end());

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
  pid_ = fork();
  if (pid_ == 0) {
    // A test killed mid-run must not leave its daemon behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    for (const std::string& assignment : options_.env) {
      putenv(const_cast<char*>(assignment.c_str()));
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  reader_ = std::thread(&Daemon::ReadLog, this, pipe_fds[0]);

  static const std::regex listening(R"(listening on \S+:(\d+))");
  auto start = Clock::now();
  while (port_ == 0 && SecondsSince(start) < timeout_s) {
    {
      std::lock_guard lock(log_mutex_);
      std::smatch match;
      if (std::regex_search(log_, match, listening)) {
        port_ = std::stoi(match[1]);
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = DecodeWaitStatus(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (port_ == 0) return false;
  if (!wait_ready) return true;
  auto client = Client();
  while (SecondsSince(start) < timeout_s) {
    auto res = client->Get("/ready");
    if (res && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Daemon::WaitExit(double timeout_s) {
  if (pid_ <= 0) {
    if (reader_.joinable()) reader_.join();
    return exit_status_;
  }
  auto start = Clock::now();
  while (pid_ > 0 && SecondsSince(start) < timeout_s) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (reader_.joinable()) reader_.join();
      return DecodeWaitStatus(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int Daemon::Stop(int signal, double timeout_s) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  return WaitExit(timeout_s);
}

std::string Daemon::log() const {
  std::lock_guard lock(log_mutex_);
  return log_;
}

bool Daemon::WaitForLog(const std::string& text, double timeout_s) const {
  auto start = Clock::now();
  while (log().find(text) == std::string::npos) {
    if (SecondsSince(start) > timeout_s) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Daemon::ReadLog(int fd) {
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    std::lock_guard lock(log_mutex_);
    log_.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
}

std::unique_ptr<httplib::Client> Daemon::Client() const {
  std::string scheme = options_.https ? "https" : "http";
  auto client = std::make_unique<httplib::Client>(
      scheme + "://127.0.0.1:" + std::to_string(port_));
  if (options_.https) {
    client->set_ca_cert_path(state_dir_ + "/tls/cert.pem");
    client->enable_server_certificate_verification(true);
  }
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(5);
  client->set_read_timeout(30);
  return client;
}

}  // namespace nymph::testing
