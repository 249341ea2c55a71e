// The agent's Perfetto trace recorder: slices, instants and counters on
// named tracks, written as a Perfetto protobuf trace (trace.perfetto) that
// opens in ui.perfetto.dev and trace_processor.
//
// How to instrument a stage (the cost is one atomic load while tracing is
// off, so instrumentation stays in release builds):
//
//   trace::Tracer& tracer = trace::ProcessTracer();
//   // Once, at start-up: long-lived tracks and sampled counters.
//   uint64_t kv_track = tracer.NewCounterTrack("kv used", "bytes");
//   tracer.AddCounterSource("zone soc", "C", [&] { return soc_celsius(); });
//   // Per request: the HTTP layer made a track, ApiRequest::trace_track.
//   {
//     trace::ScopedSlice slice(tracer, request.trace_track, "prefill");
//     ...                                    // the stage's work
//   }                                        // slice ends here
//   tracer.Instant(request.trace_track, "stop sequence");
//   tracer.Counter(kv_track, used_bytes);    // pushed counter value
//
// Names of slices and instants are interned (sent once, then referred to
// by number), so they must come from a small fixed set: "decode", not
// "decode 17". Put per-request detail in track names instead. Slices on a
// track must nest (end in reverse order of begin); ScopedSlice does that.
// Track 0 means "not traced": every call on it does nothing.
//
// Clock: CLOCK_MONOTONIC, in nanoseconds; the trace says so, so viewers
// line tracks up without conversion.
//
// Memory is bounded: Start(max_bytes) fixes the trace's size. When it is
// full, new events are dropped and counted (stats().dropped); the ends of
// slices already begun are still written (their room is reserved when they
// begin), so slices stay balanced, and the file ends with an instant
// "events dropped" carrying the count on a track of its own.
//
// Thread safety: every method may be called from any thread. One mutex
// guards one packet sequence. Measured with bench/trace_overhead.cc
// (nymph-bench-trace) on the shared 2-core build machine at load average
// 8: 400-510 ns per event with 1, 2 or 4 threads recording at once, and
// 0.4-2.4 ns per event for the disabled check. A quarter of the enabled
// cost is varint appends and an eighth the clock read (74 ns per
// clock_gettime here); contention did not show at these thread counts.
// The agent records a few events per request and per decode step, far
// below 100k events/s, where even 500 ns is under 5% of one core; per-
// thread sequences would cost a registry of thread buffers and per-thread
// interning for a gain that does not show at this rate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "trace/chunked_buffer.h"
#include "trace/counter_sampler.h"

namespace nymph::trace {

struct PacketHeader;

struct TraceStats {
  uint64_t bytes = 0;    // trace size so far (the file adds < 256 bytes)
  uint64_t packets = 0;  // packets recorded
  uint64_t dropped = 0;  // events and tracks not recorded: trace was full
};

class Tracer {
 public:
  struct Options {
    std::string process_name = "nymphd";
    // How often counter sources are read while tracing.
    std::chrono::milliseconds sample_period{100};
  };

  Tracer() : Tracer(Options{}) {}
  explicit Tracer(Options options);
  ~Tracer();  // stops tracing; an unwritten trace is lost
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Starts a new trace of at most `max_bytes` (at least kMinBytes),
  // discarding the previous one. kConflict when already tracing.
  Status Start(size_t max_bytes);
  // Ends recording: open slices are ended, counters stop being sampled.
  // The trace stays in memory for WriteTo(). kConflict when not tracing.
  Status Stop();
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // A stopped trace that no WriteTo() has saved yet (its write failed):
  // still in memory, so that a stop with another path can save it.
  bool HasUnsavedTrace() const;

  // Writes the current trace (running or stopped) to `path` atomically:
  // a temporary file in the same directory, fsync, rename. Returns what
  // the file holds. kConflict when no trace was started.
  StatusOr<TraceStats> WriteTo(const std::string& path);
  TraceStats stats() const;

  // A track for slices and instants, under `parent` (0: the process).
  // Tracks live until ReleaseTrack() and are described again in every
  // trace started later, so create long-lived tracks once at start-up.
  uint64_t NewTrack(std::string name, uint64_t parent = 0);
  // A track for Counter() values; `unit` is free text ("C", "W", "bytes").
  uint64_t NewCounterTrack(std::string name, std::string unit);
  // Forgets a track (e.g. a request's, when it is answered), ending any
  // of its slices still open. Events already recorded stay in the trace.
  void ReleaseTrack(uint64_t track);
  // A counter track whose value `read` gives; read every sample_period
  // while tracing, on the tracer's own thread. `read` must be thread-safe
  // and must not throw; it returns NaN when it has no value.
  void AddCounterSource(std::string name, std::string unit,
                        std::function<double()> read);

  void Begin(uint64_t track, std::string_view name);
  void End(uint64_t track);
  void Instant(uint64_t track, std::string_view name);
  // Non-finite values are not recorded: a missing reading is a gap.
  void Counter(uint64_t track, double value);

  static constexpr size_t kMinBytes = 4096;

 private:
  struct Track {
    std::string name;
    uint64_t parent = 0;
    bool counter = false;
    std::string unit;
    bool described = false;  // its descriptor is in the current trace
    std::vector<bool> open;  // per open slice: recorded (true) or dropped
  };
  uint64_t NewTrackLocked(Track track);
  void DescribeLocked(uint64_t uuid, Track& track);
  void EventLocked(uint64_t uuid, Track& track, int type, std::string_view name,
                   double value);
  void EndLocked(uint64_t uuid, Track& track);
  // Ends the track's open slices, for Stop() and ReleaseTrack().
  void EndAllLocked(uint64_t uuid, Track& track);
  // Now, on our sequence, flagged if packets were lost just before.
  PacketHeader HeaderLocked() const;
  // Appends one packet through `append`; keeps it if it fits the budget
  // (plus `reserve` bytes kept for later), else removes it and counts a
  // drop. Ends of recorded slices pass `from_reserve`.
  template <typename Append>
  bool Record(Append append, size_t reserve, bool from_reserve);

  const Options options_;
  const int32_t pid_;
  std::atomic<bool> enabled_{false};
  CounterSampler sampler_;

  std::mutex control_mu_;  // serializes Start, Stop and WriteTo
  mutable std::mutex mu_;  // guards everything below
  bool started_ = false;   // a trace exists (running or stopped)
  bool unsaved_ = false;   // stopped and not yet written
  uint64_t next_uuid_ = 1;
  uint64_t process_uuid_ = 0;
  std::unordered_map<uint64_t, Track> tracks_;
  // The trace being recorded, or the last one once stopped.
  std::shared_ptr<ChunkedBuffer> buffer_;
  std::string packet_;   // each packet is encoded here, then kept or dropped
  size_t budget_ = 0;    // bytes for packets, the dropped notice aside
  size_t reserved_ = 0;  // bytes kept for ends of open slices
  bool full_ = false;    // a packet did not fit: record ends only
  bool drop_pending_ = false;  // mark the next packet as after a loss
  TraceStats stats_;
  // Interned event names of the current trace, by name; looked up with
  // string_view so that recording an event does not allocate.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, uint64_t, NameHash, std::equal_to<>>
      name_iids_;
};

// The process's tracer, used by the daemon and its instrumentation.
Tracer& ProcessTracer();

// Begins a slice now and ends it when destroyed. Does nothing when tracing
// is off at construction or `track` is 0.
class ScopedSlice {
 public:
  ScopedSlice(Tracer& tracer, uint64_t track, std::string_view name)
      : tracer_(track != 0 && tracer.enabled() ? &tracer : nullptr),
        track_(track) {
    if (tracer_ != nullptr) tracer_->Begin(track_, name);
  }
  ~ScopedSlice() {
    if (tracer_ != nullptr) tracer_->End(track_);
  }
  ScopedSlice(const ScopedSlice&) = delete;
  ScopedSlice& operator=(const ScopedSlice&) = delete;

 private:
  Tracer* tracer_;
  uint64_t track_;
};

}  // namespace nymph::trace
