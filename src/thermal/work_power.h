// What the inference queue is about to do, turned into the power it will
// draw: the input that lets the predictive policy act before the heat
// arrives.
//
// Power is learned as idle + joules per token × tokens/s (least squares
// over recent samples), and decode speed per running sequence as a moving
// average; the queue then says how many sequences will run soon.
//
// Thread safety: none; the controller owns it.
#pragma once

namespace nymph::thermal {

struct WorkOutlook {
  int active_sequences = 0;  // decoding now
  int queued_sequences = 0;  // admitted, waiting for a slot
  double tokens_per_s = 0;   // generated over the last few seconds
  int max_active = 0;        // slots; 0: unknown, no cap
};

class WorkPowerMap {
 public:
  // Learns from what ran while `power_w` was measured.
  void Observe(const WorkOutlook& outlook, double power_w);

  // Power once the queued work is running at the current pace; the
  // measured `power_w` until enough has been seen to say more.
  double ExpectedPowerW(const WorkOutlook& outlook, double power_w) const;

  bool ready() const;
  double idle_w() const;
  double joules_per_token() const;
  double tokens_per_s_per_sequence() const { return rate_per_sequence_; }

 private:
  // Exponentially weighted sums for the line power = idle + J·tokens/s.
  double weight_ = 0, sum_t_ = 0, sum_p_ = 0, sum_tt_ = 0, sum_tp_ = 0;
  double rate_per_sequence_ = 0;
  int busy_samples_ = 0;
};

}  // namespace nymph::thermal
