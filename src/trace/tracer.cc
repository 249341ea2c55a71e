#include "trace/tracer.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "common/atomic_file.h"
#include "trace/packets.h"
#include "trace/perfetto_fields.h"

namespace nymph::trace {
namespace {

constexpr uint32_t kSequenceId = 1;
// Room kept per begun slice for its end: an end packet is at most 2 bytes
// of framing, 11 of timestamp, 3 of clock, 2 of sequence, 3 of the loss
// flag and 15 of event (type and a 10-byte uuid).
constexpr size_t kEndReserve = 40;
// Room kept for the "events dropped" notice WriteTo() appends.
constexpr size_t kNoticeReserve = 256;

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

enum : int { kBegin, kInstant, kCounter };

}  // namespace

Tracer::Tracer(Options options)
    : options_(std::move(options)), pid_(static_cast<int32_t>(getpid())) {
  std::lock_guard lock(mu_);
  process_uuid_ = next_uuid_++;
}

Tracer::~Tracer() {
  if (enabled()) Stop();
}

Status Tracer::Start(size_t max_bytes) {
  std::lock_guard control(control_mu_);
  if (max_bytes < kMinBytes) {
    return Status(ErrorKind::kUnprocessable, "trace_too_small",
                  "a trace needs at least " + std::to_string(kMinBytes) +
                      " bytes; ask for more");
  }
  {
    std::lock_guard lock(mu_);
    if (enabled()) {
      return Status(ErrorKind::kConflict, "trace_running",
                    "a trace is already being recorded; stop it first "
                    "(POST /trace/stop)");
    }
    // A new buffer, so that a WriteTo() of the last trace still running
    // outside the lock keeps its own.
    buffer_ = std::make_shared<ChunkedBuffer>();
    budget_ = max_bytes - kNoticeReserve;
    reserved_ = 0;
    full_ = false;
    drop_pending_ = false;
    stats_ = {};
    name_iids_.clear();
    started_ = true;
    unsaved_ = false;  // a previous unsaved trace is discarded
    packet_.clear();
    AppendClockSnapshot(packet_, kSequenceId, ClockNs(CLOCK_MONOTONIC),
                        ClockNs(CLOCK_BOOTTIME));
    buffer_->Append(packet_);
    stats_.packets = 1;
    Track process;
    process.name = options_.process_name;
    DescribeLocked(process_uuid_, process);
    // Parents before children, as a viewer needs them: a track is made
    // after its parent, so uuid order is such an order (the map's is not).
    std::vector<uint64_t> uuids;
    for (const auto& [uuid, track] : tracks_) uuids.push_back(uuid);
    std::sort(uuids.begin(), uuids.end());
    for (uint64_t uuid : uuids) {
      Track& track = tracks_.at(uuid);
      track.open.clear();
      DescribeLocked(uuid, track);
    }
    enabled_.store(true);
  }
  sampler_.Start(options_.sample_period, [this](uint64_t track, double value) {
    Counter(track, value);
  });
  return Status();
}

Status Tracer::Stop() {
  std::lock_guard control(control_mu_);
  {
    std::lock_guard lock(mu_);
    if (!enabled()) {
      return Status(ErrorKind::kConflict, "trace_not_running",
                    "no trace is being recorded; start one first "
                    "(POST /trace/start)");
    }
    enabled_.store(false);
    unsaved_ = true;
  }
  sampler_.Stop();
  std::lock_guard lock(mu_);
  // Every slice begun in the trace ends in it.
  for (auto& [uuid, track] : tracks_) EndAllLocked(uuid, track);
  return Status();
}

StatusOr<TraceStats> Tracer::WriteTo(const std::string& path) {
  std::lock_guard control(control_mu_);
  std::shared_ptr<const ChunkedBuffer> trace;
  std::string notice;
  TraceStats written;
  {
    std::lock_guard lock(mu_);
    if (!started_) {
      return Status(ErrorKind::kConflict, "no_trace",
                    "no trace has been recorded; start one first "
                    "(POST /trace/start)");
    }
    // A running trace is copied; a stopped one no longer changes.
    trace = enabled() ? std::make_shared<const ChunkedBuffer>(*buffer_)
                      : std::shared_ptr<const ChunkedBuffer>(buffer_);
    written = stats_;
    if (stats_.dropped > 0) {
      // The loss is said in the file itself, on a track of its own.
      PacketHeader header = HeaderLocked();
      TrackSpec track;
      track.uuid = next_uuid_++;
      track.parent_uuid = process_uuid_;
      track.name = "trace buffer";
      AppendTrackDescriptor(notice, header, track);
      header.previous_packet_dropped = true;
      EventSpec event;
      event.type = EventType::kInstant;
      event.track_uuid = track.uuid;
      event.inline_name = "events dropped (trace buffer full)";
      event.annotation_name = "dropped";
      event.annotation_value = stats_.dropped;
      AppendTrackEvent(notice, header, event);
      written.packets += 2;
    }
  }
  written.bytes = trace->size() + notice.size();
  std::vector<std::string_view> parts = trace->Parts();
  parts.push_back(notice);
  Status status = WriteFileAtomically(path, parts);
  if (!status.ok()) return status;
  std::lock_guard lock(mu_);
  if (!enabled()) unsaved_ = false;
  return written;
}

bool Tracer::HasUnsavedTrace() const {
  std::lock_guard lock(mu_);
  return unsaved_;
}

TraceStats Tracer::stats() const {
  std::lock_guard lock(mu_);
  TraceStats stats = stats_;
  stats.bytes = buffer_ ? buffer_->size() : 0;
  return stats;
}

uint64_t Tracer::NewTrack(std::string name, uint64_t parent) {
  std::lock_guard lock(mu_);
  Track track;
  track.name = std::move(name);
  track.parent = parent;
  return NewTrackLocked(std::move(track));
}

uint64_t Tracer::NewCounterTrack(std::string name, std::string unit) {
  std::lock_guard lock(mu_);
  Track track;
  track.name = std::move(name);
  track.counter = true;
  track.unit = std::move(unit);
  return NewTrackLocked(std::move(track));
}

uint64_t Tracer::NewTrackLocked(Track track) {
  uint64_t uuid = next_uuid_++;
  Track& stored = tracks_.emplace(uuid, std::move(track)).first->second;
  if (enabled()) DescribeLocked(uuid, stored);
  return uuid;
}

void Tracer::ReleaseTrack(uint64_t uuid) {
  std::lock_guard lock(mu_);
  auto it = tracks_.find(uuid);
  if (it == tracks_.end()) return;
  EndAllLocked(uuid, it->second);
  tracks_.erase(it);
}

void Tracer::AddCounterSource(std::string name, std::string unit,
                              std::function<double()> read) {
  uint64_t track = NewCounterTrack(std::move(name), std::move(unit));
  sampler_.Add(track, std::move(read));
}

void Tracer::Begin(uint64_t track, std::string_view name) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  auto it = tracks_.find(track);
  if (it == tracks_.end() || !enabled()) return;
  EventLocked(track, it->second, kBegin, name, 0);
}

void Tracer::End(uint64_t track) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  auto it = tracks_.find(track);
  if (it == tracks_.end() || !enabled()) return;
  // An end without a begin in this trace (begun before Start) is ignored.
  if (!it->second.open.empty()) EndLocked(track, it->second);
}

void Tracer::Instant(uint64_t track, std::string_view name) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  auto it = tracks_.find(track);
  if (it == tracks_.end() || !enabled()) return;
  EventLocked(track, it->second, kInstant, name, 0);
}

void Tracer::Counter(uint64_t track, double value) {
  if (!enabled() || !std::isfinite(value)) return;
  std::lock_guard lock(mu_);
  auto it = tracks_.find(track);
  if (it == tracks_.end() || !enabled()) return;
  EventLocked(track, it->second, kCounter, {}, value);
}

void Tracer::DescribeLocked(uint64_t uuid, Track& track) {
  TrackSpec spec;
  spec.uuid = uuid;
  spec.parent_uuid = track.parent;
  spec.name = track.name;
  spec.counter = track.counter;
  spec.unit_name = track.unit;
  if (uuid == process_uuid_) {
    spec.pid = pid_;
  } else if (spec.parent_uuid == 0) {
    spec.parent_uuid = process_uuid_;
  }
  PacketHeader header = HeaderLocked();
  track.described = Record(
      [&](std::string& out) { AppendTrackDescriptor(out, header, spec); }, 0,
      false);
}

void Tracer::EventLocked(uint64_t uuid, Track& track, int type,
                         std::string_view name, double value) {
  // Slices only on plain tracks, values only on counter tracks: anything
  // else would make a trace the viewers reject.
  bool fits_track = track.counter == (type == kCounter);
  if (!fits_track) return;
  if (!track.described) {
    ++stats_.dropped;
    if (type == kBegin) track.open.push_back(false);
    return;
  }
  PacketHeader header = HeaderLocked();
  EventSpec event;
  event.type = type == kBegin     ? EventType::kSliceBegin
               : type == kInstant ? EventType::kInstant
                                  : EventType::kCounter;
  event.track_uuid = uuid;
  if (type == kCounter) {
    event.counter_value = value;
  } else {
    if (name.empty()) name = "unnamed";  // an interned name is never empty
    auto found = name_iids_.find(name);
    if (found != name_iids_.end()) {
      event.name_iid = found->second;
    } else {
      event.name_iid = name_iids_.size() + 1;
      event.new_interned_name = name;
    }
    header.sequence_flags = fields::kSeqNeedsIncrementalState;
  }
  bool recorded =
      Record([&](std::string& out) { AppendTrackEvent(out, header, event); },
             type == kBegin ? kEndReserve : 0, false);
  if (recorded && !event.new_interned_name.empty()) {
    name_iids_.emplace(std::string(name), event.name_iid);
  }
  if (type == kBegin) track.open.push_back(recorded);
}

void Tracer::EndLocked(uint64_t uuid, Track& track) {
  bool begun = track.open.back();
  track.open.pop_back();
  if (!begun) {
    ++stats_.dropped;
    return;
  }
  PacketHeader header = HeaderLocked();
  EventSpec event;
  event.type = EventType::kSliceEnd;
  event.track_uuid = uuid;
  Record([&](std::string& out) { AppendTrackEvent(out, header, event); }, 0,
         true);
}

void Tracer::EndAllLocked(uint64_t uuid, Track& track) {
  while (!track.open.empty()) {
    if (track.open.back()) {
      EndLocked(uuid, track);
    } else {
      track.open.pop_back();  // its begin was counted as dropped already
    }
  }
}

PacketHeader Tracer::HeaderLocked() const {
  PacketHeader header;
  header.timestamp_ns = ClockNs(CLOCK_MONOTONIC);
  header.sequence_id = kSequenceId;
  header.previous_packet_dropped = drop_pending_;
  return header;
}

template <typename Append>
bool Tracer::Record(Append append, size_t reserve, bool from_reserve) {
  packet_.clear();
  append(packet_);
  const size_t before = buffer_->size();
  const size_t size = packet_.size();
  if (from_reserve) {
    // Its room was kept when the slice began; kEndReserve bounds it.
    reserved_ -= kEndReserve;
  } else if (full_ || before + reserved_ + size + reserve > budget_) {
    full_ = true;
    drop_pending_ = true;
    ++stats_.dropped;
    return false;
  }
  buffer_->Append(packet_);
  reserved_ += reserve;
  drop_pending_ = false;
  ++stats_.packets;
  return true;
}

Tracer& ProcessTracer() {
  static Tracer tracer;
  return tracer;
}

}  // namespace nymph::trace
