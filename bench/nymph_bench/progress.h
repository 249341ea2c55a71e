// A status line on stderr once a second while a phase runs: rewritten in
// place on a terminal, one line per second when stderr is a file or pipe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace nymph::bench {

class ProgressReporter {
 public:
  // `describe` gets the seconds since construction and returns the line;
  // it is called from the reporter's own thread.
  explicit ProgressReporter(std::function<std::string(double)> describe);
  // Prints the final line and ends it.
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

 private:
  void Print(double elapsed_s) const;

  std::function<std::string(double)> describe_;
  const bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;  // guards stop_
  std::condition_variable stop_signal_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nymph::bench
