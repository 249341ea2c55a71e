// Encodes Perfetto TracePackets, each appended to a Trace buffer as one
// `packet` field. Pure functions of their arguments: the Tracer decides
// what to write, these decide how it looks on the wire.
//
// Every timestamped packet names its clock (CLOCK_MONOTONIC, in ns); the
// clock snapshot at the start of a trace makes that clock the trace's
// primary clock, so viewers line the tracks up without conversion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nymph::trace {

// What every packet of our one sequence carries besides its payload.
struct PacketHeader {
  uint64_t timestamp_ns = 0;  // CLOCK_MONOTONIC
  uint32_t sequence_id = 1;
  uint32_t sequence_flags = 0;  // TracePacket.SequenceFlags bits
  bool previous_packet_dropped = false;
};

// The first packet of a trace: clock readings taken at the same moment
// (MONOTONIC is the primary trace clock) and the start of the sequence's
// incremental state.
void AppendClockSnapshot(std::string& trace, uint32_t sequence_id,
                         uint64_t monotonic_ns, uint64_t boottime_ns);

struct TrackSpec {
  uint64_t uuid = 0;
  uint64_t parent_uuid = 0;  // 0: top level
  std::string_view name;
  int32_t pid = 0;             // nonzero: a process track with this pid
  bool counter = false;        // a counter track
  std::string_view unit_name;  // counter tracks only; may be empty
};

void AppendTrackDescriptor(std::string& trace, const PacketHeader& header,
                           const TrackSpec& track);

enum class EventType { kSliceBegin, kSliceEnd, kInstant, kCounter };

struct EventSpec {
  EventType type = EventType::kInstant;
  uint64_t track_uuid = 0;
  uint64_t name_iid = 0;  // 0: no interned name
  // Defines `name_iid` in this packet's interned data when non-empty.
  std::string_view new_interned_name;
  std::string_view inline_name;  // a name not worth interning
  std::optional<double> counter_value;
  // One unsigned debug annotation, when `annotation_name` is non-empty.
  std::string_view annotation_name;
  uint64_t annotation_value = 0;
};

void AppendTrackEvent(std::string& trace, const PacketHeader& header,
                      const EventSpec& event);

}  // namespace nymph::trace
