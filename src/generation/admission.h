// Bounds the work of generation: at most `max_active` sequences run at once
// and at most `max_queued` more wait; beyond that a request is refused at
// once (the API answers 429 with Retry-After) instead of piling up.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace nymph {

class AdmissionGate {
 public:
  AdmissionGate(int max_active, int max_queued);

  // Holding a Ticket means a place in the queue; Wait() turns it into an
  // active slot. Destroying it frees whichever it holds.
  class Ticket {
   public:
    ~Ticket();
    void Wait();

   private:
    friend class AdmissionGate;
    explicit Ticket(AdmissionGate& gate) : gate_(gate) {}
    AdmissionGate& gate_;
    bool active_ = false;
    std::chrono::steady_clock::time_point active_since_;
  };

  // Null when the queue is full.
  std::unique_ptr<Ticket> TryEnter();

  // Lowers (or restores) how many sequences may run at once, within
  // [1, max_active]: thermal throttling. Running sequences finish; new ones
  // wait until the count is below the limit.
  void SetActiveLimit(int limit);
  int active_limit() const;

  int active() const;
  int queued() const;
  uint64_t rejected() const;

  // For a 429's Retry-After: when a queue place is likely to free, from
  // how long sequences have held their slots (a moving mean of the last
  // few) over the slots that run at once. Empty until one has finished.
  std::optional<int> RetryAfterSeconds() const;
  // Its arithmetic: ⌈mean_hold_s / slots⌉, at least 1.
  static int SecondsUntilAPlaceFrees(double mean_hold_s, int slots);

 private:
  const int max_active_;
  const int max_queued_;
  mutable std::mutex mutex_;  // guards the counters
  std::condition_variable slot_freed_;
  int active_limit_;
  int active_ = 0;
  int queued_ = 0;
  uint64_t rejected_ = 0;
  double mean_hold_s_ = 0;  // moving mean of finished slot holds
  uint64_t holds_ = 0;
};

}  // namespace nymph
