// Tracing in the running daemon, over HTTP only: --trace-out records from
// start-up and writes at shutdown; /trace/start and /trace/stop record on
// demand. Every file is checked by tools/trace/check_trace.py.
#include <gtest/gtest.h>
#include <signal.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>

#include "support/cases.h"
#include "support/daemon.h"
#include "support/http.h"

namespace nymph::testing {
namespace {

std::string ModelsDir() { return OwnTestDataDir() + "/models"; }

// Runs the checker with `expectations`; true if the trace passes.
bool TraceChecks(const std::string& path, const std::string& expectations) {
  std::string command = std::string(NYMPH_TEST_PYTHON) + " " +
                        NYMPH_TEST_CHECK_TRACE + " --quiet --pb2-dir " +
                        NYMPH_TEST_PB2_DIR + " " + path + " " + expectations;
  return std::system(command.c_str()) == 0;
}

TEST(DaemonTrace, TraceOut_RecordsFromStartAndWritesAtShutdown) {
  char dir[] = "/tmp/nymph-trace-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/boot.perfetto";
  Daemon traced({ModelsDir(), false, {"--trace-out", path}, {}, dir});
  ASSERT_TRUE(traced.Start()) << traced.log();
  auto client = traced.Client();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Send(*client, "GET", "/metrics").status, 200);
  }
  EXPECT_EQ(Send(*client, "GET", "/models/no-such-model").status, 404);
  ASSERT_EQ(traced.Stop(SIGTERM), 0) << traced.log();
  ASSERT_TRUE(std::filesystem::exists(path)) << traced.log();
  EXPECT_TRUE(TraceChecks(path,
                          "--expect-track nymphd --expect-track requests "
                          "--expect-slices /metrics=2 "
                          "--expect-slices /models/{name}=1 "
                          "--expect-no-drops"));
  std::filesystem::remove_all(dir);
}

TEST(DaemonTrace, StartAndStopRoutes_WriteACheckedTrace) {
  Daemon daemon({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  auto client = daemon.Client();
  EXPECT_EQ(Send(*client, "POST", "/trace/stop").status, 409);
  EXPECT_EQ(PostJson(*client, "/trace/start", {{"max_mb", 0}}).status, 422);
  EXPECT_EQ(PostJson(*client, "/trace/start", {{"path", "a.perfetto"}}).status,
            400)
      << "the path belongs to the stop";
  ASSERT_EQ(PostJson(*client, "/trace/start", {{"max_mb", 4}}).status, 200);
  EXPECT_EQ(Send(*client, "POST", "/trace/start").status, 409);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Send(*client, "GET", "/health").status, 200);
  }
  EXPECT_EQ(PostJson(*client, "/trace/stop", {{"path", "/tmp/x.txt"}}).status,
            422);
  // Nothing outside the state directory, and a target that cannot be
  // written is refused before the recording stops.
  const std::string outside = TestTempDir() + "/outside.perfetto";
  EXPECT_EQ(PostJson(*client, "/trace/stop", {{"path", outside}}).status, 422);
  EXPECT_EQ(
      PostJson(*client, "/trace/stop", {{"path", "../up.perfetto"}}).status,
      422);
  EXPECT_FALSE(std::filesystem::exists(outside));
  std::filesystem::create_directory(daemon.state_dir() + "/adir.perfetto");
  EXPECT_EQ(
      PostJson(*client, "/trace/stop", {{"path", "adir.perfetto"}}).status,
      422);
  Reply stopped = PostJson(*client, "/trace/stop", {{"path", "on.perfetto"}});
  ASSERT_EQ(stopped.status, 200) << stopped.text;
  std::string path = daemon.state_dir() + "/on.perfetto";
  EXPECT_EQ(stopped.body.at("path"), path);
  EXPECT_EQ(stopped.body.at("dropped"), 0);
  EXPECT_EQ(stopped.body.at("bytes").get<uint64_t>(),
            std::filesystem::file_size(path));
  EXPECT_EQ(Send(*client, "POST", "/trace/stop").status, 409);
  // Traced: the refused second start, the refused stops and the last stop
  // (its slice ended by the stop itself). Not traced: the first start,
  // which began before tracing did.
  EXPECT_TRUE(TraceChecks(path,
                          "--expect-track requests --expect-slices /health=3 "
                          "--expect-slices /trace/start=1 "
                          "--expect-slices /trace/stop=5 --expect-no-drops"));
}

TEST(DaemonTrace, LongNames_WrittenUpToNameMaxRefusedBeyondBeforeTheStop) {
  Daemon daemon({ModelsDir(), false, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  auto client = daemon.Client();
  // A name of 250 bytes is legal (NAME_MAX is 255), so its trace is
  // written, temporary file and all.
  ASSERT_EQ(PostJson(*client, "/trace/start", {{"max_mb", 4}}).status, 200);
  const std::string long_name = std::string(241, 'a') + ".perfetto";
  Reply long_stop = PostJson(*client, "/trace/stop", {{"path", long_name}});
  EXPECT_EQ(long_stop.status, 200) << long_stop.text;
  EXPECT_TRUE(std::filesystem::exists(daemon.state_dir() + "/" + long_name));

  // 300 bytes could never be created: refused before the stop, so the
  // recording goes on and keeps what comes after.
  ASSERT_EQ(PostJson(*client, "/trace/start", {{"max_mb", 4}}).status, 200);
  EXPECT_EQ(Send(*client, "GET", "/health").status, 200);
  const std::string too_long = std::string(291, 'b') + ".perfetto";
  Reply refused = PostJson(*client, "/trace/stop", {{"path", too_long}});
  EXPECT_EQ(refused.status, 422) << refused.text;
  EXPECT_EQ(PostJson(*client, "/trace/stop",
                     {{"path", std::string("a\0b.perfetto", 11)}})
                .status,
            422);
  EXPECT_EQ(Send(*client, "GET", "/health").status, 200);
  Reply kept = PostJson(*client, "/trace/stop", {{"path", "kept.perfetto"}});
  ASSERT_EQ(kept.status, 200) << kept.text;
  EXPECT_EQ(Send(*client, "POST", "/trace/stop").status, 409)
      << "written once, nothing is left to stop";
  EXPECT_TRUE(TraceChecks(daemon.state_dir() + "/kept.perfetto",
                          "--expect-slices /health=2 --expect-no-drops"));
}

}  // namespace
}  // namespace nymph::testing
