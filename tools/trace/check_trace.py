#!/usr/bin/python3
"""Checks a Perfetto trace written by nymphd and prints what it holds.

    check_trace.py dist/trace.perfetto

prints the tracks, slices per name (count, total and longest duration) and
counters (samples, range, last value), and exits 1 if the trace breaks a
rule a viewer relies on:

  - every event's track is described (TrackDescriptor) before it is used;
    parents of tracks are described;
  - on each track, every SLICE_BEGIN has its SLICE_END, properly nested;
  - timestamps never go back on a packet sequence, and name their clock;
  - interned event names resolve on their sequence, and no packet needing
    interned state follows a packet loss before the state is cleared;
  - slices are not on counter tracks, counter values only on counter
    tracks, and every counter event carries a value.

The decoder is protoc's, generated from proto/perfetto_trace.proto, so it
is independent of the C++ encoder. --pb2-dir names where
perfetto_trace_pb2.py is; without it the script runs protoc itself.
Options --expect-* turn facts into checks (used by the tests).
"""

import argparse
import collections
import importlib
import os
import subprocess
import sys
import tempfile

from google.protobuf.message import DecodeError

PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "proto", "perfetto_trace.proto")
CLOCK_MONOTONIC = 3
SEQ_INCREMENTAL_STATE_CLEARED = 1
SEQ_NEEDS_INCREMENTAL_STATE = 2


def load_pb2(pb2_dir):
    if pb2_dir is None:
        pb2_dir = tempfile.mkdtemp(prefix="check_trace_")
        proto = os.path.normpath(PROTO)
        subprocess.run(["protoc", "-I", os.path.dirname(proto),
                        "--python_out", pb2_dir, proto], check=True)
    sys.path.insert(0, pb2_dir)
    return importlib.import_module("perfetto_trace_pb2")


class Checker:
    def __init__(self, pb2):
        self.pb2 = pb2
        self.errors = []
        self.tracks = {}        # uuid -> descriptor
        self.open = collections.defaultdict(list)  # uuid -> [(name, ts)]
        self.slices = collections.defaultdict(list)  # name -> [duration]
        self.counters = collections.defaultdict(list)  # uuid -> [values]
        self.instants = collections.Counter()
        self.dropped_notices = []
        self.packets_after_loss = 0
        self.primary_clock = None

    def error(self, index, text):
        if len(self.errors) < 50:
            self.errors.append(f"packet {index}: {text}")

    def check(self, trace):
        TE = self.pb2.TrackEvent
        last_ts = {}
        names = collections.defaultdict(dict)  # sequence -> iid -> name
        valid = collections.defaultdict(bool)  # sequence -> state intact
        for i, p in enumerate(trace.packet):
            seq = p.trusted_packet_sequence_id
            if seq == 0:
                self.error(i, "no trusted_packet_sequence_id")
            if p.previous_packet_dropped:
                valid[seq] = False
                self.packets_after_loss += 1
            if p.sequence_flags & SEQ_INCREMENTAL_STATE_CLEARED:
                names[seq] = {}
                valid[seq] = True
            if (p.sequence_flags & SEQ_NEEDS_INCREMENTAL_STATE and
                    not valid[seq]):
                self.error(i, "needs incremental state, which is not valid "
                              "here (trace_processor would skip it)")
            for entry in p.interned_data.event_names:
                known = names[seq].get(entry.iid)
                if entry.iid == 0 or (known is not None and
                                      known != entry.name):
                    self.error(i, f"interned name iid {entry.iid} "
                                  f"redefined or zero")
                names[seq][entry.iid] = entry.name
            if p.HasField("timestamp"):
                if p.timestamp_clock_id != CLOCK_MONOTONIC:
                    self.error(i, f"clock {p.timestamp_clock_id}, "
                                  "expected CLOCK_MONOTONIC (3)")
                if p.timestamp < last_ts.get(seq, 0):
                    self.error(i, f"timestamp {p.timestamp} goes back on "
                                  f"sequence {seq}")
                last_ts[seq] = p.timestamp
            kind = p.WhichOneof("data")
            if kind == "clock_snapshot":
                self.primary_clock = p.clock_snapshot.primary_trace_clock
            elif kind == "track_descriptor":
                self.describe(i, p.track_descriptor)
            elif kind == "track_event":
                self.event(i, p, names[seq], TE)
        for uuid, stack in self.open.items():
            if stack:
                self.errors.append(
                    f"track {self.track_name(uuid)!r}: {len(stack)} "
                    f"slice(s) never ended: {[n for n, _ in stack]}")
        if self.primary_clock != CLOCK_MONOTONIC:
            self.errors.append("no clock snapshot making CLOCK_MONOTONIC the "
                               "primary trace clock")

    def describe(self, i, d):
        if d.uuid == 0:
            self.error(i, "track descriptor without uuid")
        if d.uuid in self.tracks and self.tracks[d.uuid] != d:
            self.error(i, f"track {d.uuid} described twice, differently")
        if d.parent_uuid and d.parent_uuid not in self.tracks:
            self.error(i, f"track {d.name!r}: parent {d.parent_uuid} not "
                          "described before it")
        self.tracks[d.uuid] = d

    def track_name(self, uuid):
        d = self.tracks.get(uuid)
        if d is None:
            return str(uuid)
        return d.process.process_name if d.HasField("process") else d.name

    def event(self, i, p, names, TE):
        e = p.track_event
        track = self.tracks.get(e.track_uuid)
        if track is None:
            self.error(i, f"event on track {e.track_uuid}, not described")
            return
        is_counter = track.HasField("counter")
        name = None
        if e.HasField("name_iid"):
            name = names.get(e.name_iid)
            if name is None:
                self.error(i, f"name iid {e.name_iid} does not resolve")
        elif e.HasField("name"):
            name = e.name
        if e.type == TE.TYPE_COUNTER:
            if not is_counter:
                self.error(i, "counter value on a track without "
                              "CounterDescriptor")
            if not e.HasField("double_counter_value"):
                self.error(i, "counter event without a value")
            self.counters[e.track_uuid].append(e.double_counter_value)
            return
        if is_counter:
            self.error(i, f"{TE.Type.Name(e.type)} on counter track "
                          f"{track.name!r}")
            return
        if e.type == TE.TYPE_SLICE_BEGIN:
            if name is None:
                self.error(i, "slice without a name")
            self.open[e.track_uuid].append((name, p.timestamp))
        elif e.type == TE.TYPE_SLICE_END:
            stack = self.open[e.track_uuid]
            if not stack:
                self.error(i, f"SLICE_END without SLICE_BEGIN on track "
                              f"{track.name!r}")
                return
            begun_name, begun_ts = stack.pop()
            self.slices[begun_name].append(p.timestamp - begun_ts)
        elif e.type == TE.TYPE_INSTANT:
            self.instants[name] += 1
            for a in e.debug_annotations:
                if a.name == "dropped":
                    self.dropped_notices.append(a.uint_value)
        else:
            self.error(i, f"event type {e.type} not expected")

    def summary(self, trace, path):
        out = [f"{path}: {len(trace.packet)} packets"]
        plain = [d for d in self.tracks.values() if not d.HasField("counter")]
        out.append(f"tracks: {len(plain)} slice tracks, "
                   f"{len(self.tracks) - len(plain)} counter tracks")
        for d in sorted(plain, key=lambda d: d.uuid)[:20]:
            parent = (f" (in {self.track_name(d.parent_uuid)})"
                      if d.parent_uuid else "")
            out.append(f"  {self.track_name(d.uuid)}{parent}")
        if len(plain) > 20:
            out.append(f"  ... and {len(plain) - 20} more")
        out.append("slices (count, total ms, longest ms):")
        for name, durations in sorted(self.slices.items()):
            out.append(f"  {name}: {len(durations)}, "
                       f"{sum(durations) / 1e6:.3f}, "
                       f"{max(durations) / 1e6:.3f}")
        if self.instants:
            out.append("instants: " + ", ".join(
                f"{n} x{c}" for n, c in sorted(self.instants.items())))
        out.append("counters (samples, min, max, last):")
        for uuid, values in sorted(self.counters.items()):
            d = self.tracks[uuid]
            unit = d.counter.unit_name
            out.append(f"  {d.name} [{unit}]: {len(values)}, "
                       f"{min(values):g}, {max(values):g}, {values[-1]:g}")
        dropped = sum(self.dropped_notices)
        out.append(f"dropped events: {dropped}" +
                   (" (trace buffer was full)" if dropped else ""))
        return "\n".join(out)


def check_expectations(args, checker):
    failures = []
    names = {checker.track_name(u) for u in checker.tracks}
    for name in args.expect_track:
        if name not in names:
            failures.append(f"expected a track named {name!r}")
    for spec in args.expect_slices:
        name, _, count = spec.partition("=")
        got = len(checker.slices.get(name, []))
        if got != int(count):
            failures.append(f"expected {count} slices {name!r}, got {got}")
    counters = {checker.tracks[u].name: v for u, v in checker.counters.items()}
    for name in args.expect_counter:
        if not counters.get(name):
            failures.append(f"expected values on counter {name!r}")
    for spec in args.expect_counter_values:
        name, _, values = spec.partition("=")
        want = [float(v) for v in values.split(",")]
        if counters.get(name) != want:
            failures.append(f"counter {name!r}: expected {want}, got "
                            f"{counters.get(name)}")
    dropped = sum(checker.dropped_notices)
    if args.expect_dropped and dropped == 0:
        failures.append("expected dropped events and a notice saying so")
    if args.expect_no_drops and (dropped or checker.packets_after_loss):
        failures.append(f"expected no drops, got {dropped}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--pb2-dir", help="where perfetto_trace_pb2.py is")
    parser.add_argument("--quiet", action="store_true",
                        help="print only problems")
    parser.add_argument("--expect-track", action="append", default=[])
    parser.add_argument("--expect-slices", action="append", default=[],
                        metavar="NAME=COUNT")
    parser.add_argument("--expect-counter", action="append", default=[])
    parser.add_argument("--expect-counter-values", action="append",
                        default=[], metavar="NAME=V1,V2,...")
    parser.add_argument("--expect-dropped", action="store_true")
    parser.add_argument("--expect-no-drops", action="store_true")
    args = parser.parse_args()

    pb2 = load_pb2(args.pb2_dir)
    trace = pb2.Trace()
    try:
        with open(args.trace, "rb") as f:
            trace.ParseFromString(f.read())
    except (OSError, DecodeError) as e:
        print(f"{args.trace}: cannot read as a Perfetto trace: {e}",
              file=sys.stderr)
        return 2
    checker = Checker(pb2)
    checker.check(trace)
    if not args.quiet:
        print(checker.summary(trace, args.trace))
    problems = checker.errors + check_expectations(args, checker)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
