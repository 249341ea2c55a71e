#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace nymph::bench {

using Clock = std::chrono::steady_clock;

ProgressReporter::ProgressReporter(std::function<std::string(double)> describe)
    : describe_(std::move(describe)),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(Clock::now()) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    for (int tick = 1;; ++tick) {
      if (stop_signal_.wait_until(lock, start_ + std::chrono::seconds(tick),
                                  [this] { return stop_; })) {
        return;
      }
      Print(std::chrono::duration<double>(Clock::now() - start_).count());
    }
  });
}

ProgressReporter::~ProgressReporter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_signal_.notify_all();
  thread_.join();
  Print(std::chrono::duration<double>(Clock::now() - start_).count());
  if (tty_) std::fputc('\n', stderr);
}

void ProgressReporter::Print(double elapsed_s) const {
  std::string line = describe_(elapsed_s);
  if (tty_) {
    // Clear to the end of the line: a shorter line must not leave a tail.
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace nymph::bench
