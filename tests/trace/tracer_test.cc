// The Tracer's contract as seen by its users: lifecycle errors, the byte
// budget, and what a disabled tracer does. What the written file holds is
// checked by tools/trace/check_trace.py (see CMakeLists.txt).
#include "trace/tracer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace nymph::trace {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nymph_tracer_test_" + std::to_string(getpid()) + "_" + name))
      .string();
}

TEST(Tracer, StartTwice_Conflicts) {
  Tracer tracer;
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  Status again = tracer.Start(1 << 16);
  EXPECT_EQ(again.kind(), ErrorKind::kConflict);
  EXPECT_TRUE(tracer.enabled());
}

TEST(Tracer, StopWhenNotStarted_Conflicts) {
  Tracer tracer;
  EXPECT_EQ(tracer.Stop().kind(), ErrorKind::kConflict);
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  EXPECT_TRUE(tracer.Stop().ok());
  EXPECT_FALSE(tracer.enabled());
  EXPECT_EQ(tracer.Stop().kind(), ErrorKind::kConflict);
}

TEST(Tracer, WriteBeforeAnyTrace_Conflicts) {
  Tracer tracer;
  EXPECT_EQ(tracer.WriteTo(TempPath("none")).status().kind(),
            ErrorKind::kConflict);
}

TEST(Tracer, BudgetBelowMinimum_IsRefused) {
  Tracer tracer;
  EXPECT_EQ(tracer.Start(Tracer::kMinBytes - 1).kind(),
            ErrorKind::kUnprocessable);
  EXPECT_FALSE(tracer.enabled());
}

TEST(Tracer, EventsWhileDisabled_RecordNothing) {
  Tracer tracer;
  uint64_t track = tracer.NewTrack("work");
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  ASSERT_TRUE(tracer.Stop().ok());
  TraceStats before = tracer.stats();
  tracer.Begin(track, "a");
  tracer.End(track);
  tracer.Instant(track, "b");
  EXPECT_EQ(tracer.stats().packets, before.packets);
  EXPECT_EQ(tracer.stats().bytes, before.bytes);
}

TEST(Tracer, TrackZero_IsIgnored) {
  Tracer tracer;
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  TraceStats before = tracer.stats();
  tracer.Begin(0, "a");
  tracer.Instant(0, "b");
  tracer.End(0);
  { ScopedSlice slice(tracer, 0, "c"); }
  EXPECT_EQ(tracer.stats().packets, before.packets);
  EXPECT_EQ(tracer.stats().dropped, 0u);
}

TEST(Tracer, FullBudget_DropsEventsButStaysWithinIt) {
  Tracer tracer;
  uint64_t track = tracer.NewTrack("work");
  const size_t budget = Tracer::kMinBytes;
  ASSERT_TRUE(tracer.Start(budget).ok());
  for (int i = 0; i < 1000; ++i) {
    ScopedSlice slice(tracer, track, "step");
  }
  ASSERT_TRUE(tracer.Stop().ok());
  TraceStats stats = tracer.stats();
  EXPECT_GT(stats.dropped, 0u);
  EXPECT_LE(stats.bytes, budget);
  std::string path = TempPath("full.perfetto");
  auto written = tracer.WriteTo(path);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_LE(written->bytes, budget);
  EXPECT_EQ(std::filesystem::file_size(path), written->bytes);
  std::remove(path.c_str());
}

TEST(Tracer, FullBudget_EveryEventIsRecordedOrCountedDropped) {
  Tracer tracer;
  uint64_t track = tracer.NewTrack("work");
  ASSERT_TRUE(tracer.Start(Tracer::kMinBytes).ok());
  TraceStats before = tracer.stats();
  const int events = 500;
  for (int i = 0; i < events; ++i) tracer.Instant(track, "tick");
  TraceStats after = tracer.stats();
  EXPECT_GT(after.dropped, 0u);
  EXPECT_EQ(after.packets - before.packets + after.dropped, uint64_t(events));
}

TEST(Tracer, Stop_EndsOpenSlicesSoNoneIsLost) {
  Tracer tracer;
  uint64_t track = tracer.NewTrack("work");
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  tracer.Begin(track, "outer");
  tracer.Begin(track, "inner");
  uint64_t packets = tracer.stats().packets;
  ASSERT_TRUE(tracer.Stop().ok());
  EXPECT_EQ(tracer.stats().packets, packets + 2);
}

TEST(Tracer, WriteToMissingDirectory_SaysSo) {
  Tracer tracer;
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  auto written = tracer.WriteTo("/nonexistent-dir-for-test/t.perfetto");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().kind(), ErrorKind::kUnprocessable);
  EXPECT_NE(written.status().message().find("/nonexistent-dir-for-test"),
            std::string::npos);
}

TEST(Tracer, StoppedTraceWhoseWriteFailed_IsKeptUntilWritten) {
  Tracer tracer;
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  EXPECT_FALSE(tracer.HasUnsavedTrace()) << "still recording";
  ASSERT_TRUE(tracer.Stop().ok());
  EXPECT_TRUE(tracer.HasUnsavedTrace());
  EXPECT_FALSE(tracer.WriteTo("/nonexistent-dir-for-test/t.perfetto").ok());
  EXPECT_TRUE(tracer.HasUnsavedTrace()) << "a failed write keeps it";
  const std::string path = TempPath("kept.perfetto");
  auto written = tracer.WriteTo(path);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->bytes, std::filesystem::file_size(path));
  EXPECT_FALSE(tracer.HasUnsavedTrace());
  // Starting anew discards an unsaved trace: the caller chose to.
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  ASSERT_TRUE(tracer.Stop().ok());
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  EXPECT_FALSE(tracer.HasUnsavedTrace());
}

TEST(Tracer, WriteTo_ReplacesAnOldFileWhole) {
  std::string path = TempPath("replace.perfetto");
  std::ofstream(path) << std::string(100000, 'x');
  Tracer tracer;
  ASSERT_TRUE(tracer.Start(1 << 16).ok());
  ASSERT_TRUE(tracer.Stop().ok());
  auto written = tracer.WriteTo(path);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(std::filesystem::file_size(path), written->bytes);
  EXPECT_LT(written->bytes, 100000u);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace nymph::trace
