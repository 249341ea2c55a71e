#include "sim/load_meter.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nymph::sim {
namespace {

using SteadyClock = std::chrono::steady_clock;

Status Unreadable(const std::string& path, const std::string& why) {
  return Status(ErrorKind::kUnavailable, "load_unreadable",
                "cannot read " + path + ": " + why);
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Unreadable(path, "no such file or not readable");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double WallSeconds() {
  return std::chrono::duration<double>(SteadyClock::now().time_since_epoch())
      .count();
}

}  // namespace

CpuUseMeter::CpuUseMeter(int pid) : pid_(pid) {}

std::string CpuUseMeter::Describe() const {
  return pid_ > 0 ? "CPU time of process " + std::to_string(pid_)
                  : std::string("CPU time of the whole host");
}

StatusOr<CpuUseMeter::Reading> CpuUseMeter::Read() const {
  const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (pid_ <= 0) {
    // First line: "cpu user nice system idle iowait irq softirq steal ...".
    auto text = ReadText("/proc/stat");
    if (!text.ok()) return text.status();
    std::istringstream line(text->substr(0, text->find('\n')));
    std::string label;
    line >> label;
    double ticks[8] = {};
    for (double& t : ticks) line >> t;
    if (label != "cpu" || !line) {
      return Unreadable("/proc/stat", "unexpected format");
    }
    double idle = ticks[3] + ticks[4];
    double total = 0;
    for (double t : ticks) total += t;
    return Reading{(total - idle) / ticks_per_s, total / ticks_per_s};
  }
  std::string path = "/proc/" + std::to_string(pid_) + "/stat";
  auto text = ReadText(path);
  if (!text.ok()) return text.status();
  // The command name may hold spaces and parentheses: parse after the last
  // ')'. Then come state (field 3) ... utime (14), stime (15).
  size_t close = text->rfind(')');
  if (close == std::string::npos) return Unreadable(path, "unexpected format");
  std::istringstream fields(text->substr(close + 1));
  std::string field;
  double utime = 0, stime = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
  }
  if (!fields) return Unreadable(path, "unexpected format");
  double cpus =
      static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return Reading{(utime + stime) / ticks_per_s, WallSeconds() * cpus};
}

StatusOr<double> CpuUseMeter::Sample() {
  auto now = Read();
  if (!now.ok()) return now.status();
  double fraction = 0;
  if (have_previous_) {
    double total = now->total_s - previous_.total_s;
    if (total > 0) {
      fraction = std::clamp((now->busy_s - previous_.busy_s) / total, 0.0, 1.0);
    }
  }
  previous_ = *now;
  have_previous_ = true;
  return fraction;
}

CpufreqCap::CpufreqCap(std::string scaling_max_freq_path)
    : scaling_path_(std::move(scaling_max_freq_path)) {
  cpuinfo_path_ =
      (std::filesystem::path(scaling_path_).parent_path() / "cpuinfo_max_freq")
          .string();
}

StatusOr<double> CpufreqCap::Read() const {
  auto scaling = ReadText(scaling_path_);
  if (!scaling.ok()) return scaling.status();
  auto cpuinfo = ReadText(cpuinfo_path_);
  if (!cpuinfo.ok()) return cpuinfo.status();
  try {
    double cap = std::stod(*scaling);
    double max = std::stod(*cpuinfo);
    if (cap <= 0 || max <= 0) throw std::invalid_argument("not positive");
    return std::clamp(cap / max, 0.0, 1.0);
  } catch (const std::exception&) {
    return Unreadable(
        scaling_path_,
        "expected frequencies in kHz in it and in " + cpuinfo_path_);
  }
}

}  // namespace nymph::sim
