// Field numbers and enum values of Perfetto's trace format that the writer
// uses. They are the interoperability contract with ui.perfetto.dev and
// trace_processor, mirrored in proto/perfetto_trace.proto (which names the
// upstream file of each message); the trace tests decode our output with
// that file, so a wrong number here fails them.
#pragma once

#include <cstdint>

namespace nymph::trace::fields {

// Trace
constexpr uint32_t kTracePacket = 1;

// TracePacket
constexpr uint32_t kPacketTimestamp = 8;
constexpr uint32_t kPacketTimestampClockId = 58;
constexpr uint32_t kPacketTrackEvent = 11;
constexpr uint32_t kPacketTrackDescriptor = 60;
constexpr uint32_t kPacketClockSnapshot = 6;
constexpr uint32_t kPacketSequenceId = 10;  // trusted_packet_sequence_id
constexpr uint32_t kPacketInternedData = 12;
constexpr uint32_t kPacketSequenceFlags = 13;
constexpr uint32_t kPacketPreviousPacketDropped = 42;
constexpr uint32_t kPacketFirstPacketOnSequence = 87;

// TracePacket.SequenceFlags
constexpr uint32_t kSeqIncrementalStateCleared = 1;
constexpr uint32_t kSeqNeedsIncrementalState = 2;

// BuiltinClock
constexpr uint32_t kClockMonotonic = 3;
constexpr uint32_t kClockBoottime = 6;

// ClockSnapshot and ClockSnapshot.Clock
constexpr uint32_t kSnapshotClocks = 1;
constexpr uint32_t kSnapshotPrimaryTraceClock = 2;
constexpr uint32_t kClockId = 1;
constexpr uint32_t kClockTimestamp = 2;

// TrackDescriptor
constexpr uint32_t kTrackUuid = 1;
constexpr uint32_t kTrackParentUuid = 5;
constexpr uint32_t kTrackName = 2;
constexpr uint32_t kTrackProcess = 3;
constexpr uint32_t kTrackCounter = 8;

// ProcessDescriptor
constexpr uint32_t kProcessPid = 1;
constexpr uint32_t kProcessName = 6;

// CounterDescriptor
constexpr uint32_t kCounterUnitName = 6;

// TrackEvent
constexpr uint32_t kEventNameIid = 10;
constexpr uint32_t kEventName = 23;
constexpr uint32_t kEventType = 9;
constexpr uint32_t kEventTrackUuid = 11;
constexpr uint32_t kEventDoubleCounterValue = 44;
constexpr uint32_t kEventDebugAnnotations = 4;

// TrackEvent.Type
constexpr uint32_t kTypeSliceBegin = 1;
constexpr uint32_t kTypeSliceEnd = 2;
constexpr uint32_t kTypeInstant = 3;
constexpr uint32_t kTypeCounter = 4;

// DebugAnnotation
constexpr uint32_t kAnnotationName = 10;
constexpr uint32_t kAnnotationUintValue = 3;

// InternedData and EventName
constexpr uint32_t kInternedEventNames = 2;
constexpr uint32_t kEventNameEntryIid = 1;
constexpr uint32_t kEventNameEntryName = 2;

}  // namespace nymph::trace::fields
