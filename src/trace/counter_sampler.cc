#include "trace/counter_sampler.h"

namespace nymph::trace {

void CounterSampler::Add(uint64_t track, std::function<double()> read) {
  std::lock_guard lock(mu_);
  sources_.push_back({track, std::move(read)});
}

void CounterSampler::Start(std::chrono::milliseconds period, Sink sink) {
  Stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread(
      [this, period, sink = std::move(sink)] { Run(period, sink); });
}

void CounterSampler::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CounterSampler::Run(std::chrono::milliseconds period, const Sink& sink) {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Copied so that sources run unlocked; Add() may happen meanwhile.
    std::vector<Source> sources = sources_;
    lock.unlock();
    for (const Source& source : sources) sink(source.track, source.read());
    lock.lock();
    // Fixed rate, not fixed delay: slow sources do not stretch the period.
    next += period;
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace nymph::trace
