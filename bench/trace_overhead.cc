// The cost of tracing: nanoseconds per event with the tracer off (the
// enabled() check instrumentation pays always) and on, from one thread and
// from several contending for the tracer's one mutex.
//
// Usage: nymph-bench-trace [--events N] [--threads 1,2,4] [--smoke]
// An "event" is one Begin or End (a ScopedSlice is two). The budget is
// large enough that nothing is dropped, so every event is encoded.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "trace/tracer.h"

namespace {

using Clock = std::chrono::steady_clock;
using nymph::trace::ScopedSlice;
using nymph::trace::Tracer;

// Runs `events` events (slices of two) split over `threads` threads, each
// on its own track; returns wall-clock ns per event.
double NsPerEvent(Tracer& tracer, int threads, long events) {
  std::vector<uint64_t> tracks;
  for (int t = 0; t < threads; ++t) {
    tracks.push_back(tracer.NewTrack("bench " + std::to_string(t)));
  }
  long slices_per_thread = events / 2 / threads;
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&tracer, &tracks, t, slices_per_thread] {
      for (long i = 0; i < slices_per_thread; ++i) {
        ScopedSlice slice(tracer, tracks[t], "step");
      }
    });
  }
  for (auto& worker : workers) worker.join();
  double ns =
      std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  for (uint64_t track : tracks) tracer.ReleaseTrack(track);
  return ns / double(slices_per_thread * 2 * threads);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cost per trace event, tracing off and on", "nymph-bench-trace"};
  long events = 4'000'000;
  std::vector<int> thread_counts{1, 2, 4};
  bool smoke = false;
  app.add_option("--events", events, "events per measurement");
  app.add_option("--threads", thread_counts, "thread counts to measure")
      ->delimiter(',');
  app.add_flag("--smoke", smoke, "one tiny run, to check the program works");
  CLI11_PARSE(app, argc, argv);
  if (smoke) events = 10'000;

  Tracer tracer;
  std::printf("%-8s %-9s %14s %16s\n", "threads", "tracing", "ns/event",
              "events/s");
  for (int threads : thread_counts) {
    double off = NsPerEvent(tracer, threads, events);
    // About 30 bytes per event: room for all, so none is dropped.
    if (!tracer.Start(size_t(events) * 48 + (1 << 20)).ok()) return 1;
    double on = NsPerEvent(tracer, threads, events);
    if (!tracer.Stop().ok()) return 1;
    if (tracer.stats().dropped != 0) {
      std::fprintf(stderr, "events were dropped; the numbers are wrong\n");
      return 1;
    }
    std::printf("%-8d %-9s %14.1f %16.3g\n", threads, "off", off, 1e9 / off);
    std::printf("%-8d %-9s %14.1f %16.3g\n", threads, "on", on, 1e9 / on);
  }
  return 0;
}
