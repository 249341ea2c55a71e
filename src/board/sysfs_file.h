// Reading and writing sysfs attribute files (hwmon, cpufreq, devfreq).
//
// Attributes are short text; a read or write is one system call so the
// kernel sees exactly one value. Errors carry the path and the system's
// reason, so a fault in a log says which file to look at.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/status.h"

namespace nymph::board {

// The file's text without trailing white space. Errors (kUnavailable,
// "sysfs_read"): missing or unreadable file.
StatusOr<std::string> ReadSysfsText(const std::filesystem::path& path);

// The file's text as a decimal integer. Errors: as ReadSysfsText, and
// "sysfs_not_a_number" when the text is not one integer.
StatusOr<int64_t> ReadSysfsInteger(const std::filesystem::path& path);

// Replaces the contents with `text` (O_TRUNC, as a shell redirect does, so
// a fake tree in a plain directory behaves like sysfs). Errors
// (kUnavailable, "sysfs_write"), e.g. when the driver rejects the value.
Status WriteSysfsText(const std::filesystem::path& path,
                      const std::string& text);

}  // namespace nymph::board
