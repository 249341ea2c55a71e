#include "board_daemon.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include "support/http.h"

namespace nymph::testing {

std::string WriteConfigFile(const std::string& name, const std::string& toml) {
  static std::atomic<int> counter{0};
  std::string path =
      TestTempDir() + "/" + name + "-" + std::to_string(counter++) + ".toml";
  std::ofstream(path) << toml;
  return path;
}

std::string SimConfig(const std::vector<std::string>& sim_args, int period_ms,
                      const std::string& more) {
  std::string args;
  for (const std::string& arg : sim_args) {
    args += (args.empty() ? "\"" : ", \"") + arg + "\"";
  }
  return "[board]\nkind = \"sim\"\nsim_args = [" + args +
         "]\n[thermal]\nperiod_ms = " + std::to_string(period_ms) + "\n" + more;
}

DaemonOptions SimDaemonOptions(const std::string& config_toml) {
  DaemonOptions options;
  options.models_dir = OwnTestDataDir() + "/models";
  options.extra_args = {"--config", WriteConfigFile("sim", config_toml)};
  return options;
}

std::string SimCommand(const Daemon& daemon, const std::string& line) {
  const std::string path = daemon.state_dir() + "/boardsim/control";
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "transport error";
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request = line + "\n";
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[8192];
    ssize_t n;
    while (answer.find('\n') == std::string::npos &&
           (n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  size_t end = answer.find('\n');
  if (end == std::string::npos) return "transport error";
  return answer.substr(0, end);
}

nlohmann::json SimState(const Daemon& daemon) {
  return nlohmann::json::parse(SimCommand(daemon, "state"), nullptr,
                               /*allow_exceptions=*/false);
}

double TrueHottestC(const nlohmann::json& state) {
  double hottest = -273.15;
  for (const auto& [zone, value] : state.at("zones").items()) {
    hottest = std::max(hottest, value.at("celsius").get<double>());
  }
  return hottest;
}

std::optional<double> SeenHottestC(const nlohmann::json& status) {
  if (!status.is_object() || !status["readings"].is_object()) {
    return std::nullopt;
  }
  std::optional<double> hottest;
  for (const auto& [zone, value] : status["readings"]["zones"].items()) {
    if (zone == "ambient" || !value.is_number()) continue;
    hottest = std::max(hottest.value_or(-273.15), value.get<double>());
  }
  return hottest;
}

nlohmann::json ThermalStatus(const Daemon& daemon) {
  auto client = daemon.Client();
  Reply reply = Send(*client, "GET", "/thermal/status");
  return reply.status == 200 ? reply.body : nlohmann::json();
}

int ReadyStatus(const Daemon& daemon) {
  auto client = daemon.Client();
  return Send(*client, "GET", "/ready").status;
}

std::optional<std::chrono::duration<double>> TimeUntil(
    const std::function<bool()>& condition,
    std::chrono::duration<double> timeout) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (condition()) return std::chrono::steady_clock::now() - start;
    if (std::chrono::steady_clock::now() - start > timeout) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace nymph::testing
