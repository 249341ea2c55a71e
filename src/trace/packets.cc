#include "trace/packets.h"

#include "trace/perfetto_fields.h"
#include "trace/proto_writer.h"

namespace nymph::trace {
namespace {

namespace f = fields;

void WriteHeader(ProtoWriter& packet, const PacketHeader& header) {
  packet.Varint(f::kPacketTimestamp, header.timestamp_ns);
  packet.Varint(f::kPacketTimestampClockId, f::kClockMonotonic);
  packet.Varint(f::kPacketSequenceId, header.sequence_id);
  if (header.sequence_flags != 0) {
    packet.Varint(f::kPacketSequenceFlags, header.sequence_flags);
  }
  if (header.previous_packet_dropped) {
    packet.Varint(f::kPacketPreviousPacketDropped, 1);
  }
}

uint32_t TypeField(EventType type) {
  switch (type) {
    case EventType::kSliceBegin:
      return f::kTypeSliceBegin;
    case EventType::kSliceEnd:
      return f::kTypeSliceEnd;
    case EventType::kInstant:
      return f::kTypeInstant;
    case EventType::kCounter:
      return f::kTypeCounter;
  }
  return 0;
}

}  // namespace

void AppendClockSnapshot(std::string& trace, uint32_t sequence_id,
                         uint64_t monotonic_ns, uint64_t boottime_ns) {
  ProtoWriter writer(trace);
  size_t packet = writer.BeginMessage(f::kTracePacket);
  writer.Varint(f::kPacketSequenceId, sequence_id);
  writer.Varint(f::kPacketSequenceFlags, f::kSeqIncrementalStateCleared);
  writer.Varint(f::kPacketFirstPacketOnSequence, 1);
  size_t snapshot = writer.BeginMessage(f::kPacketClockSnapshot);
  for (auto [id, ns] : {std::pair{f::kClockMonotonic, monotonic_ns},
                        std::pair{f::kClockBoottime, boottime_ns}}) {
    size_t clock = writer.BeginMessage(f::kSnapshotClocks);
    writer.Varint(f::kClockId, id);
    writer.Varint(f::kClockTimestamp, ns);
    writer.EndMessage(clock);
  }
  writer.Varint(f::kSnapshotPrimaryTraceClock, f::kClockMonotonic);
  writer.EndMessage(snapshot);
  writer.EndMessage(packet);
}

void AppendTrackDescriptor(std::string& trace, const PacketHeader& header,
                           const TrackSpec& track) {
  ProtoWriter writer(trace);
  size_t packet = writer.BeginMessage(f::kTracePacket);
  WriteHeader(writer, header);
  size_t descriptor = writer.BeginMessage(f::kPacketTrackDescriptor);
  writer.Varint(f::kTrackUuid, track.uuid);
  if (track.parent_uuid != 0) {
    writer.Varint(f::kTrackParentUuid, track.parent_uuid);
  }
  if (track.pid != 0) {
    size_t process = writer.BeginMessage(f::kTrackProcess);
    writer.Varint(f::kProcessPid, static_cast<uint32_t>(track.pid));
    writer.Bytes(f::kProcessName, track.name);
    writer.EndMessage(process);
  } else {
    writer.Bytes(f::kTrackName, track.name);
  }
  if (track.counter) {
    size_t counter = writer.BeginMessage(f::kTrackCounter);
    if (!track.unit_name.empty()) {
      writer.Bytes(f::kCounterUnitName, track.unit_name);
    }
    writer.EndMessage(counter);
  }
  writer.EndMessage(descriptor);
  writer.EndMessage(packet);
}

void AppendTrackEvent(std::string& trace, const PacketHeader& header,
                      const EventSpec& event) {
  ProtoWriter writer(trace);
  size_t packet = writer.BeginMessage(f::kTracePacket);
  WriteHeader(writer, header);
  size_t track_event = writer.BeginMessage(f::kPacketTrackEvent);
  writer.Varint(f::kEventType, TypeField(event.type));
  writer.Varint(f::kEventTrackUuid, event.track_uuid);
  if (event.name_iid != 0) {
    writer.Varint(f::kEventNameIid, event.name_iid);
  } else if (!event.inline_name.empty()) {
    writer.Bytes(f::kEventName, event.inline_name);
  }
  if (event.counter_value) {
    writer.Double(f::kEventDoubleCounterValue, *event.counter_value);
  }
  if (!event.annotation_name.empty()) {
    size_t annotation = writer.BeginMessage(f::kEventDebugAnnotations);
    writer.Bytes(f::kAnnotationName, event.annotation_name);
    writer.Varint(f::kAnnotationUintValue, event.annotation_value);
    writer.EndMessage(annotation);
  }
  writer.EndMessage(track_event);
  if (!event.new_interned_name.empty()) {
    size_t interned = writer.BeginMessage(f::kPacketInternedData);
    size_t entry = writer.BeginMessage(f::kInternedEventNames);
    writer.Varint(f::kEventNameEntryIid, event.name_iid);
    writer.Bytes(f::kEventNameEntryName, event.new_interned_name);
    writer.EndMessage(entry);
    writer.EndMessage(interned);
  }
  writer.EndMessage(packet);
}

}  // namespace nymph::trace
