// One nymphd per state directory. Two daemons sharing one would overwrite
// each other's pinned-region files, thermal log and simulator link, so the
// second is refused at start with the first one's pid.
#pragma once

#include <string>

#include "common/status.h"

namespace nymph {

// An exclusive flock(2) on <state>/nymphd.lock, held until destruction.
// The kernel releases it if the process dies, so a crash leaves no stale
// lock behind; the file (holding the owner's pid) stays and is reused.
class StateLock {
 public:
  // kConflict if another process holds it; kUnavailable if the file
  // cannot be opened. REQUIRES: `state_dir` exists.
  static StatusOr<StateLock> Acquire(const std::string& state_dir);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&&) = delete;
  StateLock(const StateLock&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace nymph
