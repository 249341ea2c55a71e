// Reads registered counter sources on a background thread at a fixed
// period and hands each value to a sink (the Tracer's Counter()).
//
// Thread safety: Add() from any thread at any time; Start() and Stop()
// from one controlling thread (the Tracer serializes them). Sources are
// called without any lock of this class held, so they may take their own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nymph::trace {

class CounterSampler {
 public:
  using Sink = std::function<void(uint64_t track, double value)>;

  CounterSampler() = default;
  ~CounterSampler() { Stop(); }
  CounterSampler(const CounterSampler&) = delete;
  CounterSampler& operator=(const CounterSampler&) = delete;

  void Add(uint64_t track, std::function<double()> read);
  // Reads every source at once, then every `period`, until Stop().
  void Start(std::chrono::milliseconds period, Sink sink);
  // Returns once the thread has ended; a no-op when not started.
  void Stop();

 private:
  struct Source {
    uint64_t track;
    std::function<double()> read;
  };
  void Run(std::chrono::milliseconds period, const Sink& sink);

  std::mutex mu_;  // guards sources_ and stopping_
  std::condition_variable wake_;
  std::vector<Source> sources_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nymph::trace
