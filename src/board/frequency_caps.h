// DVFS caps: one knob that lowers the maximum clock of every CPU cluster
// (cpufreq policies) and every devfreq device (GPU, NPU, memory) together.
//
// A cap is a fraction of each domain's highest frequency; 1.0 means no cap.
// cpufreq takes the capped value in kHz as scaling_max_freq (the kernel
// settles on a frequency of its table), bounded below by cpuinfo_min_freq.
// devfreq takes the highest of available_frequencies not above the capped
// value (the lowest one when none is), or min_freq..max_freq when the
// device lists none. No cap ever raises a limit above the one found at
// Open, so a limit set by an administrator stays in force.
//
// Destruction (or Restore) writes back the limits found at Open.
// Not thread-safe: one controller thread owns it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace nymph::board {

struct FrequencyDomain {
  std::string name;                // "cpufreq/policy0", "devfreq/npu"
  std::filesystem::path max_file;  // scaling_max_freq or max_freq
  int64_t lowest = 0;              // in the file's unit (kHz or Hz)
  int64_t highest = 0;
  std::vector<int64_t> available;  // ascending; empty for cpufreq
  int64_t original = 0;            // the limit found at Open
};

class FrequencyCaps {
 public:
  // Finds cpufreq policies under <root>/devices/system/cpu/cpufreq and
  // devfreq devices under <root>/class/devfreq. Finding none is not an
  // error (a machine may have no DVFS), but SetCap then fails. Errors
  // (kUnavailable): a domain whose limits cannot be read.
  static StatusOr<std::unique_ptr<FrequencyCaps>> Open(
      const std::filesystem::path& sysfs_root = "/sys");
  ~FrequencyCaps();
  FrequencyCaps(const FrequencyCaps&) = delete;
  FrequencyCaps& operator=(const FrequencyCaps&) = delete;

  // Fractions outside (0, 1] are "cap_out_of_range" (kUnprocessable); no
  // domains at all is "no_dvfs" (kUnavailable). Every domain is written even
  // when one fails; the error names the ones that failed, and cap() keeps the
  // last fraction that applied everywhere.
  Status SetCap(double fraction);
  double cap() const { return cap_; }
  // Writes back the limits found at Open; cap() becomes 1.
  Status Restore();

  const std::vector<FrequencyDomain>& domains() const { return domains_; }
  std::string Describe() const;

  // The limit `fraction` means for `domain`, in the domain's unit.
  static int64_t CappedFrequency(const FrequencyDomain& domain,
                                 double fraction);

 private:
  explicit FrequencyCaps(std::vector<FrequencyDomain> domains,
                         std::filesystem::path root);
  Status WriteAll(double fraction);

  std::vector<FrequencyDomain> domains_;
  std::filesystem::path root_;
  double cap_ = 1.0;
  bool wrote_ = false;  // any limit written, so destruction restores
};

}  // namespace nymph::board
