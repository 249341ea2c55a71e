// Bounds the work of generation: at most `max_active` sequences run at once
// and at most `max_queued` more wait; beyond that a request is refused at
// once (the API answers 429 with Retry-After) instead of piling up.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>

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

 private:
  const int max_active_;
  const int max_queued_;
  mutable std::mutex mutex_;  // guards the counters
  std::condition_variable slot_freed_;
  int active_limit_;
  int active_ = 0;
  int queued_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace nymph
