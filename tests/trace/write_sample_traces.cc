// Writes the traces that tools/trace/check_trace.py checks in CTest (see
// CMakeLists.txt): good ones made with the Tracer, and deliberately broken
// ones made packet by packet, which the checker must reject.
//
// Usage: nymph_trace_samples OUT_DIR (created if missing)
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/atomic_file.h"
#include "trace/packets.h"
#include "trace/tracer.h"

namespace {

using namespace nymph::trace;

// Numbers the CTest expectations repeat: 4 threads x 250 requests.
constexpr int kThreads = 4;
constexpr int kRequestsPerThread = 250;

bool Write(Tracer& tracer, const std::string& path) {
  auto written = tracer.WriteTo(path);
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().message().c_str());
    return false;
  }
  return true;
}

// Requests on many threads, each on its own track under "requests", with
// nested slices, instants, pushed and sampled counters.
bool WriteThreaded(const std::string& path) {
  Tracer::Options options;
  options.process_name = "trace-sample";
  options.sample_period = std::chrono::milliseconds(2);
  Tracer tracer(options);
  std::atomic<int> samples{0};
  tracer.AddCounterSource("sampled", "count",
                          [&samples] { return double(++samples); });
  uint64_t requests = tracer.NewTrack("requests");
  uint64_t pushed = tracer.NewCounterTrack("pushed", "W");
  if (!tracer.Start(8 << 20).ok()) return false;
  for (double value : {0.5, 1.5, 2.5}) tracer.Counter(pushed, value);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&tracer, requests, t] {
      uint64_t track = tracer.NewTrack("req " + std::to_string(t), requests);
      for (int i = 0; i < kRequestsPerThread; ++i) {
        ScopedSlice request(tracer, track, "request");
        {
          ScopedSlice decode(tracer, track, "decode");
          tracer.Instant(track, "token");
        }
      }
      tracer.ReleaseTrack(track);
    });
  }
  for (auto& thread : threads) thread.join();
  while (samples < 3) std::this_thread::yield();
  return tracer.Stop().ok() && Write(tracer, path);
}

// A budget far too small: events are dropped, slices stay balanced.
bool WriteFull(const std::string& path) {
  Tracer tracer;
  uint64_t track = tracer.NewTrack("busy");
  if (!tracer.Start(Tracer::kMinBytes).ok()) return false;
  for (int i = 0; i < 200; ++i) {
    ScopedSlice outer(tracer, track, "outer");
    ScopedSlice inner(tracer, track, "inner");
  }
  tracer.Begin(track, "left open at stop");
  return tracer.Stop().ok() && Write(tracer, path);
}

struct Broken {
  std::string trace;
  uint64_t ts = 1000;
  Broken() {
    AppendClockSnapshot(trace, 1, 1000, 2000);
    TrackSpec track;
    track.uuid = 7;
    track.name = "t";
    AppendTrackDescriptor(trace, Header(), track);
  }
  PacketHeader Header() {
    PacketHeader header;
    header.timestamp_ns = ts++;
    return header;
  }
  void Event(EventType type, uint64_t iid, std::string_view new_name) {
    PacketHeader header = Header();
    header.sequence_flags = 2;  // SEQ_NEEDS_INCREMENTAL_STATE
    EventSpec event;
    event.type = type;
    event.track_uuid = 7;
    event.name_iid = iid;
    event.new_interned_name = new_name;
    AppendTrackEvent(trace, header, event);
  }
  bool Save(const std::string& path) {
    return nymph::WriteFileAtomically(path, {trace}).ok();
  }
};

}  // namespace

// Tracks alive across a stop and a new start (streams still running):
// the new trace describes them again, each parent before its children.
bool WriteRestarted(const std::string& path) {
  Tracer tracer;
  uint64_t requests = tracer.NewTrack("requests");
  if (!tracer.Start(1 << 20).ok()) return false;
  std::vector<uint64_t> children;
  for (int i = 0; i < 64; ++i) {
    uint64_t parent = tracer.NewTrack("stream " + std::to_string(i), requests);
    children.push_back(tracer.NewTrack("decode " + std::to_string(i), parent));
  }
  if (!tracer.Stop().ok() || !tracer.Start(1 << 20).ok()) return false;
  for (uint64_t child : children) tracer.Instant(child, "token");
  return Write(tracer, path);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  bool ok = WriteThreaded(dir + "/threaded.perfetto") &&
            WriteFull(dir + "/full.perfetto") &&
            WriteRestarted(dir + "/restarted.perfetto");

  Broken unbalanced;  // a begin without its end
  unbalanced.Event(EventType::kSliceBegin, 1, "never ended");
  ok = ok && unbalanced.Save(dir + "/broken_unbalanced.perfetto");

  Broken unresolved;  // a name iid never defined
  unresolved.Event(EventType::kInstant, 5, "");
  ok = ok && unresolved.Save(dir + "/broken_iid.perfetto");

  Broken backwards;  // time going back on the sequence
  backwards.Event(EventType::kInstant, 1, "x");
  backwards.ts = 10;
  backwards.Event(EventType::kInstant, 1, "");
  ok = ok && backwards.Save(dir + "/broken_time.perfetto");
  return ok ? 0 : 1;
}
