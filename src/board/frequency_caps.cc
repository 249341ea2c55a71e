#include "board/frequency_caps.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <system_error>

#include "board/sysfs_file.h"

namespace nymph::board {
namespace {

namespace fs = std::filesystem;

// Directory entries whose name starts with `prefix`, sorted so domains keep
// one order from run to run.
std::vector<fs::path> Entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> found;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Reads one integer attribute into `value`; false (with `status` set) if it
// cannot be read.
bool ReadInto(const fs::path& path, int64_t& value, Status& status) {
  StatusOr<int64_t> read = ReadSysfsInteger(path);
  if (!read.ok()) {
    status = read.status();
    return false;
  }
  value = *read;
  return true;
}

StatusOr<FrequencyDomain> CpufreqPolicy(const fs::path& dir) {
  FrequencyDomain domain;
  domain.name = "cpufreq/" + dir.filename().string();
  domain.max_file = dir / "scaling_max_freq";
  Status status;
  if (!ReadInto(dir / "cpuinfo_min_freq", domain.lowest, status) ||
      !ReadInto(dir / "cpuinfo_max_freq", domain.highest, status) ||
      !ReadInto(domain.max_file, domain.original, status)) {
    return status;
  }
  return domain;
}

// available_frequencies is a space-separated list in Hz.
StatusOr<std::vector<int64_t>> ParseFrequencies(const fs::path& path,
                                                const std::string& text) {
  std::vector<int64_t> frequencies;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    size_t used = 0;
    int64_t value = -1;
    try {
      value = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || value <= 0) {
      return Status(
          ErrorKind::kUnavailable, "sysfs_not_a_number",
          path.string() + " lists '" + word + "', not a frequency in Hz");
    }
    frequencies.push_back(value);
  }
  std::sort(frequencies.begin(), frequencies.end());
  return frequencies;
}

StatusOr<FrequencyDomain> DevfreqDevice(const fs::path& dir) {
  FrequencyDomain domain;
  domain.name = "devfreq/" + dir.filename().string();
  domain.max_file = dir / "max_freq";
  Status status;
  if (!ReadInto(domain.max_file, domain.original, status)) return status;
  StatusOr<std::string> listed = ReadSysfsText(dir / "available_frequencies");
  if (listed.ok()) {
    StatusOr<std::vector<int64_t>> available =
        ParseFrequencies(dir / "available_frequencies", *listed);
    if (!available.ok()) return available.status();
    domain.available = std::move(*available);
  }
  if (!domain.available.empty()) {
    domain.lowest = domain.available.front();
    domain.highest = domain.available.back();
    return domain;
  }
  // Without a list the device's range is what its limits allow now.
  if (!ReadInto(dir / "min_freq", domain.lowest, status)) return status;
  domain.highest = domain.original;
  return domain;
}

}  // namespace

StatusOr<std::unique_ptr<FrequencyCaps>> FrequencyCaps::Open(
    const fs::path& sysfs_root) {
  std::vector<FrequencyDomain> domains;
  for (const fs::path& dir :
       Entries(sysfs_root / "devices/system/cpu/cpufreq", "policy")) {
    StatusOr<FrequencyDomain> domain = CpufreqPolicy(dir);
    if (!domain.ok()) return domain.status();
    domains.push_back(std::move(*domain));
  }
  for (const fs::path& dir : Entries(sysfs_root / "class/devfreq", "")) {
    StatusOr<FrequencyDomain> domain = DevfreqDevice(dir);
    if (!domain.ok()) return domain.status();
    domains.push_back(std::move(*domain));
  }
  return std::unique_ptr<FrequencyCaps>(
      new FrequencyCaps(std::move(domains), sysfs_root));
}

FrequencyCaps::FrequencyCaps(std::vector<FrequencyDomain> domains,
                             fs::path root)
    : domains_(std::move(domains)), root_(std::move(root)) {}

FrequencyCaps::~FrequencyCaps() {
  if (!wrote_) return;
  Status status = Restore();
  if (!status.ok()) {
    spdlog::warn("dvfs: frequency limits not restored: {}", status.message());
  }
}

int64_t FrequencyCaps::CappedFrequency(const FrequencyDomain& domain,
                                       double fraction) {
  const auto scaled =
      static_cast<int64_t>(std::floor(fraction * domain.highest));
  const int64_t target = std::min(scaled, domain.original);
  if (domain.available.empty()) return std::max(target, domain.lowest);
  // The highest listed frequency not above the target, else the lowest.
  auto above = std::upper_bound(domain.available.begin(),
                                domain.available.end(), target);
  return above == domain.available.begin() ? domain.available.front()
                                           : *std::prev(above);
}

Status FrequencyCaps::SetCap(double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {
    return Status(ErrorKind::kUnprocessable, "cap_out_of_range",
                  "a DVFS cap is a fraction of the highest frequency in "
                  "(0, 1], got " +
                      std::to_string(fraction));
  }
  if (domains_.empty()) {
    return Status(ErrorKind::kUnavailable, "no_dvfs",
                  "no cpufreq policy or devfreq device under " +
                      root_.string() + ", so clocks cannot be capped");
  }
  Status status = WriteAll(fraction);
  if (status.ok()) cap_ = fraction;
  return status;
}

Status FrequencyCaps::Restore() {
  Status status = WriteAll(1.0);
  if (status.ok()) cap_ = 1.0;
  return status;
}

Status FrequencyCaps::WriteAll(double fraction) {
  std::string failures;
  wrote_ = true;
  for (const FrequencyDomain& domain : domains_) {
    const int64_t limit =
        fraction == 1.0 ? domain.original : CappedFrequency(domain, fraction);
    Status status = WriteSysfsText(domain.max_file, std::to_string(limit));
    if (!status.ok()) {
      if (!failures.empty()) failures += "; ";
      failures += domain.name + ": " + status.message();
    }
  }
  if (failures.empty()) return {};
  return Status(ErrorKind::kUnavailable, "dvfs_write",
                "could not set every frequency limit (the agent needs "
                "write access to sysfs): " +
                    failures);
}

std::string FrequencyCaps::Describe() const {
  if (domains_.empty()) return "no DVFS domains under " + root_.string();
  std::string text;
  for (const FrequencyDomain& domain : domains_) {
    if (!text.empty()) text += ", ";
    text += domain.name + " " + std::to_string(domain.lowest) + ".." +
            std::to_string(domain.highest);
  }
  return text;
}

}  // namespace nymph::board
