#include "boardsim_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace nymph::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

BoardSimProcess::BoardSimProcess(std::vector<std::string> extra_args)
    : args_(std::move(extra_args)) {
  char pattern[] = "/tmp/nymph-boardsim-test-XXXXXX";
  dir_ = mkdtemp(pattern);
  link_ = dir_ + "/tty";
  control_ = dir_ + "/control";
}

BoardSimProcess::~BoardSimProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (reader_.joinable()) reader_.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool BoardSimProcess::Start(double timeout_s) {
  std::vector<std::string> args = {NYMPH_TEST_BOARDSIM, "--link", link_,
                                   "--control", control_};
  args.insert(args.end(), args_.begin(), args_.end());
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  reader_ = std::thread([this, fd = pipe_fds[0]] {
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
      std::lock_guard lock(log_mutex_);
      log_.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
  });
  auto start = SteadyClock::now();
  while (SecondsSince(start) < timeout_s) {
    std::error_code error;
    if (std::filesystem::exists(link_, error) &&
        Control("help").rfind("ok", 0) == 0) {
      return true;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int BoardSimProcess::Stop(double timeout_s) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto start = SteadyClock::now();
  while (SecondsSince(start) < timeout_s) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (reader_.joinable()) reader_.join();
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string BoardSimProcess::Control(const std::string& line) const {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  strncpy(address.sun_path, control_.c_str(), sizeof address.sun_path - 1);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string request = line + "\n";
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    ssize_t n;
    while (answer.find('\n') == std::string::npos &&
           (n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t newline = answer.find('\n');
  if (newline == std::string::npos) return "transport error";
  return answer.substr(0, newline);
}

nlohmann::json BoardSimProcess::State() const {
  return nlohmann::json::parse(Control("state"));
}

nlohmann::json BoardSimProcess::Params() const {
  return nlohmann::json::parse(Control("params"));
}

std::string BoardSimProcess::log() const {
  std::lock_guard lock(log_mutex_);
  return log_;
}

}  // namespace nymph::testing
