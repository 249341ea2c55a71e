// nymph-bench end to end: a short run against a real nymphd over HTTPS,
// whose bench.json must validate against docs/bench.schema.json (checked
// by python3-jsonschema, independently of the code that wrote it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/daemon.h"

namespace nymph::testing {
namespace {

using nlohmann::json;

// Runs `command` through the shell; its exit status, or -1.
int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Validate(const std::string& bench_json) {
  return Shell(std::string(NYMPH_PYTHON) +
               " " NYMPH_SOURCE_DIR
               "/tools/validate-bench-json.py " NYMPH_SOURCE_DIR
               "/docs/bench.schema.json " +
               bench_json);
}

// One run serves every check: CTest starts each test in its own process,
// so separate tests would each pay for a run.
TEST(BenchRun, ShortRunOverHttps_WritesCompleteReportTheSchemaAccepts) {
  Daemon daemon({BundledModelsDir(), true, {}, {}, ""});
  ASSERT_TRUE(daemon.Start()) << daemon.log();
  std::string out = TestTempDir() + "/bench.json";
  std::string log = TestTempDir() + "/nymph-bench.log";
  std::string command =
      std::string(NYMPH_BENCH) +
      " --url https://127.0.0.1:" + std::to_string(daemon.port()) +
      " --cacert " + daemon.state_dir() + "/tls/cert.pem --out " + out +
      " --duration 1 --warmup 1 --max-tokens 16 --seed 3"
      " --scenario single --scenario concurrent:2 --scenario poisson:4"
      " --scenario concurrent:2:shared-prefix --scenario concurrent:2:infer"
      " --model-file " +
      BundledModelsDir() +
      "/kjv-gqa.onnx --decode-tokens 16 --decode-runs 1 --ttft-samples 2"
      " --commit test-commit > " +
      log + " 2>&1";
  int exit_status = Shell(command);
  std::ifstream log_file(log);
  std::string bench_log(std::istreambuf_iterator<char>(log_file), {});
  ASSERT_EQ(exit_status, 0) << bench_log;
  json report = json::parse(std::ifstream(out), nullptr, false);
  ASSERT_TRUE(report.is_object()) << bench_log;

  EXPECT_EQ(Validate(out), 0);

  EXPECT_EQ(report["commit"], "test-commit");
  EXPECT_EQ(report["model"]["name"], "kjv-gqa");
  // The manifest beside the model records the file's SHA-256.
  json manifest = json::parse(
      std::ifstream(BundledModelsDir() + "/kjv-gqa.json"), nullptr, false);
  EXPECT_EQ(report["model"]["sha256"], manifest["sha256"]);
  ASSERT_EQ(report["scenarios"].size(), 5u);
  // /infer round trips: no tokens, so only end-to-end times.
  json infer = report["scenarios"][4];
  report["scenarios"].erase(4);
  EXPECT_EQ(infer["prompts"], "infer");
  EXPECT_EQ(infer["errors"]["total"], 0) << infer.dump(2);
  EXPECT_GT(infer["completed"].get<int>(), 0);
  EXPECT_EQ(infer["e2e_ms"]["count"], infer["completed"]);
  EXPECT_TRUE(infer["ttft_ms"].is_null());
  EXPECT_EQ(infer["output_tokens"], 0);
  for (const json& s : report["scenarios"]) {
    EXPECT_EQ(s["errors"]["total"], 0) << s.dump(2);
    EXPECT_GT(s["completed"].get<int>(), 0) << s["name"];
    // Greedy without stop sequences: every request yields max_tokens.
    EXPECT_EQ(s["output_tokens"], 16 * s["completed"].get<int>());
    EXPECT_EQ(s["tpot_ms"]["count"], s["completed"]);
  }
  EXPECT_EQ(report["scenarios"][2]["arrival"], "poisson");
  EXPECT_TRUE(report["baselines"]["decode"].is_object())
      << report["baselines"].dump(2);
  EXPECT_TRUE(report["baselines"]["prefix_ttft"].is_object())
      << report["baselines"].dump(2);
  // The baseline's miss side is a prompt the cache has never seen.
  EXPECT_EQ(report["baselines"]["prefix_ttft"]["miss"]["cached_prompt_tokens"],
            0);

  // The KV figures come from the agent's /kv/stats over the scenario; on
  // the shared prefix they must agree with what the responses' usage said,
  // summed by the client, and the prefix must have been pinned.
  for (const json& s : report["scenarios"]) {
    ASSERT_TRUE(s["kv"].is_object()) << s["name"] << s["unavailable"].dump();
  }
  const json& shared = report["scenarios"][3];
  EXPECT_TRUE(shared["pinned_region"].is_object()) << shared["unavailable"];
  EXPECT_GT(shared["cached_prompt_tokens"].get<double>(), 0);
  EXPECT_EQ(shared["kv"]["hit_tokens"].get<double>(),
            shared["cached_prompt_tokens"].get<double>());
  // And what they must be, from first principles: the prompts are ASCII
  // (bench/nymph_bench/psalms.txt), the model makes a token of each byte,
  // and the default 512-character prefix fills 32 whole blocks of 16, all
  // pinned; so every completed request is served at least those 512.
  EXPECT_EQ(shared["pinned_region"]["response"]["cached_tokens"], 512);
  EXPECT_GE(shared["cached_prompt_tokens"].get<double>(),
            512.0 * shared["completed"].get<double>());

  // The schema must be able to say no: drop a required percentile.
  json broken = report;
  broken["scenarios"][0]["ttft_ms"].erase("p99");
  std::string broken_path = TestTempDir() + "/broken-bench.json";
  std::ofstream(broken_path) << broken.dump(2);
  EXPECT_EQ(Validate(broken_path), 1);
  EXPECT_EQ(daemon.Stop(SIGTERM), 0) << daemon.log();
}

}  // namespace
}  // namespace nymph::testing
