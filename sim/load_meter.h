// The real work that drives the simulated card's power: CPU time used by
// one process (/proc/PID/stat) or by the whole host (/proc/stat), and the
// DVFS cap from a cpufreq-style file pair. Both are read from the file
// system on every sample; no value is made up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace nymph::sim {

class CpuUseMeter {
 public:
  // `pid` 0 measures the whole host.
  explicit CpuUseMeter(int pid);

  // The fraction of the host's CPU capacity (all online CPUs) used between
  // the previous call and this one, 0..1; the first call returns 0. Fails
  // when the process has gone or /proc cannot be read.
  StatusOr<double> Sample();

  std::string Describe() const;

 private:
  struct Reading {
    double busy_s = 0;   // CPU seconds spent working
    double total_s = 0;  // capacity: wall time × CPUs (host: all ticks)
  };
  StatusOr<Reading> Read() const;

  int pid_;
  bool have_previous_ = false;
  Reading previous_;
};

// The DVFS cap: scaling_max_freq / cpuinfo_max_freq, read from
// `scaling_max_freq_path` and the cpuinfo_max_freq file beside it.
class CpufreqCap {
 public:
  explicit CpufreqCap(std::string scaling_max_freq_path);
  StatusOr<double> Read() const;

 private:
  std::string scaling_path_;
  std::string cpuinfo_path_;
};

}  // namespace nymph::sim
