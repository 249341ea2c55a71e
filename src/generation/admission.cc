#include "generation/admission.h"

#include <algorithm>
#include <cmath>

namespace nymph {

AdmissionGate::AdmissionGate(int max_active, int max_queued)
    : max_active_(max_active),
      max_queued_(max_queued),
      active_limit_(max_active) {}

void AdmissionGate::SetActiveLimit(int limit) {
  std::lock_guard lock(mutex_);
  active_limit_ = std::clamp(limit, 1, max_active_);
  slot_freed_.notify_all();
}

int AdmissionGate::active_limit() const {
  std::lock_guard lock(mutex_);
  return active_limit_;
}

std::unique_ptr<AdmissionGate::Ticket> AdmissionGate::TryEnter() {
  std::lock_guard lock(mutex_);
  if (active_ + queued_ >= max_active_ + max_queued_) {
    rejected_++;
    return nullptr;
  }
  queued_++;
  return std::unique_ptr<Ticket>(new Ticket(*this));
}

void AdmissionGate::Ticket::Wait() {
  std::unique_lock lock(gate_.mutex_);
  gate_.slot_freed_.wait(lock,
                         [&] { return gate_.active_ < gate_.active_limit_; });
  gate_.queued_--;
  gate_.active_++;
  active_ = true;
  active_since_ = std::chrono::steady_clock::now();
}

AdmissionGate::Ticket::~Ticket() {
  std::lock_guard lock(gate_.mutex_);
  if (active_) {
    const double held_s = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - active_since_)
                              .count();
    // Weight 0.2: the mean follows a change of load within ten or so.
    gate_.mean_hold_s_ =
        gate_.holds_++ == 0
            ? held_s
            : gate_.mean_hold_s_ + 0.2 * (held_s - gate_.mean_hold_s_);
    gate_.active_--;
    gate_.slot_freed_.notify_one();
  } else {
    gate_.queued_--;
  }
}

int AdmissionGate::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

int AdmissionGate::queued() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

uint64_t AdmissionGate::rejected() const {
  std::lock_guard lock(mutex_);
  return rejected_;
}

std::optional<int> AdmissionGate::RetryAfterSeconds() const {
  std::lock_guard lock(mutex_);
  if (holds_ == 0) return std::nullopt;
  return SecondsUntilAPlaceFrees(mean_hold_s_, active_limit_);
}

int AdmissionGate::SecondsUntilAPlaceFrees(double mean_hold_s, int slots) {
  return std::max(1, int(std::ceil(mean_hold_s / std::max(slots, 1))));
}

}  // namespace nymph
