// nymph-bench: the agent's benchmark client. Talks to a running agent over
// HTTP(S) as any client would, runs load scenarios and reference
// measurements, and writes bench.json (docs/bench-json.md).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent_client.h"
#include "baselines.h"
#include "common/atomic_file.h"
#include "prompt_source.h"
#include "report.h"
#include "scenario_runner.h"
#include "scenario_spec.h"
#include "workload.h"

namespace nymph::bench {
namespace {

using nlohmann::json;

struct Options {
  Endpoint endpoint;
  std::string token_file;
  std::string model = "kjv-gqa";
  std::string infer_model = "affine";
  std::string out = "dist/bench.json";
  std::vector<std::string> scenarios = {"single", "concurrent:4", "poisson:2",
                                        "concurrent:4:shared-prefix"};
  double duration_s = 20;
  int requests = 0;
  int warmup = 2;
  uint64_t seed = 1;
  std::string prompt_text = NYMPH_BENCH_PROMPT_TEXT;
  size_t prompt_chars = 256;
  size_t prefix_chars = 512;
  size_t suffix_chars = 64;
  int max_tokens = 64;
  double temperature = 0;
  int max_connections = 64;
  std::string model_file;
  int decode_tokens = 128;
  int decode_runs = 3;
  int ttft_samples = 20;
  std::string commit;
  std::string agent_command;
};

void AddFlags(CLI::App& app, Options& o) {
  app.add_option("--url", o.endpoint.url,
                 "the agent, e.g. https://127.0.0.1:8443")
      ->required();
  app.add_option("--cacert", o.endpoint.cacert,
                 "PEM certificate to verify the agent with (its "
                 "<state>/tls/cert.pem when self-signed)")
      ->check(CLI::ExistingFile);
  app.add_option("--token-file", o.token_file,
                 "file holding the API bearer token")
      ->check(CLI::ExistingFile);
  app.add_option("--model", o.model, "language model to generate with")
      ->capture_default_str();
  app.add_option("--infer-model", o.infer_model,
                 "tensor model for :infer scenarios (POST /infer, inputs "
                 "made from its signature)")
      ->capture_default_str();
  app.add_option("--out", o.out, "where to write bench.json")
      ->capture_default_str();
  app.add_option("--scenario", o.scenarios,
                 "single | concurrent:N | poisson:RATE, each optionally "
                 "+ :unique, :shared-prefix or :infer; repeat for several")
      ->capture_default_str();
  app.add_option("--duration", o.duration_s,
                 "seconds of load per scenario (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--requests", o.requests,
                 "measured requests per scenario (0: no limit); with "
                 "--duration, whichever comes first")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--warmup", o.warmup,
                 "requests per scenario sent first and not measured")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "prompts and Poisson arrival times")
      ->capture_default_str();
  app.add_option("--prompt-text", o.prompt_text,
                 "text file that prompts are cut from")
      ->check(CLI::ExistingFile)
      ->capture_default_str();
  app.add_option("--prompt-chars", o.prompt_chars, "length of unique prompts")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--prefix-chars", o.prefix_chars,
                 "length of the pinned shared prefix")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--suffix-chars", o.suffix_chars,
                 "length of the unique part after a shared prefix")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-tokens", o.max_tokens, "tokens generated per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--temperature", o.temperature,
                 "sampling temperature (0: greedy, fixed output length)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-connections", o.max_connections,
                 "Poisson scenarios: streams in flight at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--model-file", o.model_file,
                 "the model's .onnx file, for the raw ONNX Runtime decode "
                 "baseline (omitted: no decode baseline)")
      ->check(CLI::ExistingFile);
  app.add_option("--decode-tokens", o.decode_tokens,
                 "decode baseline: tokens per run")
      ->check(CLI::Range(2, 100000))
      ->capture_default_str();
  app.add_option("--decode-runs", o.decode_runs,
                 "decode baseline: runs of each kind")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--ttft-samples", o.ttft_samples,
                 "prefix TTFT baseline: requests of each kind (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--commit", o.commit,
                 "commit to record (default: git rev-parse HEAD)");
  app.add_option("--agent-command", o.agent_command,
                 "how the agent was started, recorded as given");
}

json ConfigurationJson(const Options& o) {
  return {{"url", o.endpoint.url},
          {"cacert", o.endpoint.cacert},
          {"token", !o.token_file.empty()},
          {"model", o.model},
          {"infer_model", o.infer_model},
          {"scenarios", o.scenarios},
          {"duration_s", o.duration_s},
          {"requests", o.requests},
          {"warmup", o.warmup},
          {"seed", o.seed},
          {"prompt_text", o.prompt_text},
          {"prompt_chars", o.prompt_chars},
          {"prefix_chars", o.prefix_chars},
          {"suffix_chars", o.suffix_chars},
          {"max_tokens", o.max_tokens},
          {"temperature", o.temperature},
          {"max_connections", o.max_connections},
          {"model_file", o.model_file},
          {"decode_tokens", o.decode_tokens},
          {"decode_runs", o.decode_runs},
          {"ttft_samples", o.ttft_samples},
          {"agent_command", o.agent_command}};
}

// How the figures are defined, in the file so that it explains itself.
json Definitions() {
  return {{"percentile",
           "linear interpolation between closest ranks (NumPy's default)"},
          {"ttft", "request sent -> first streamed event carrying text"},
          {"tpot", "(e2e - ttft) / (output tokens - 1), per request"},
          {"itl",
           "gap between consecutive events carrying text; several "
           "tokens in one event make one gap"},
          {"e2e", "request sent -> end of the response"},
          {"output_tokens",
           "usage.completion_tokens of the final event, or "
           "the count of events carrying text without it"},
          {"throughput",
           "completed requests (or their output tokens) / "
           "(first measured send -> last measured end)"},
          {"kv_hit_rate",
           "difference of GET /kv/stats hit_tokens / "
           "(hit_tokens + miss_tokens) over the scenario"}};
}

StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() &&
         std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (!in || token.empty()) {
    return Status(ErrorKind::kBadRequest, "token_file",
                  "--token-file '" + path + "' is empty or unreadable");
  }
  return token;
}

// The served model's entry from GET /models: {"name", "sha256"}.
StatusOr<json> FindModel(AgentClient& client, const std::string& name) {
  auto reply = client.Get("/models");
  if (!reply.ok()) return reply.status();
  if (reply->status != 200 || !reply->body.contains("models")) {
    return Status(ErrorKind::kUnavailable, "models",
                  "GET /models answered " + std::to_string(reply->status) +
                      ": " + reply->body.dump().substr(0, 200));
  }
  std::string names;
  for (const json& model : reply->body["models"]) {
    if (model.value("name", "") == name) {
      return json{{"name", name}, {"sha256", model.value("sha256", "")}};
    }
    names += (names.empty() ? "" : ", ") + model.value("name", "?");
  }
  return Status(ErrorKind::kNotFound, "model",
                "the agent serves no model '" + name + "' (it has: " + names +
                    "); pass --model");
}

int Run(Options& o) {
  if (o.duration_s <= 0 && o.requests <= 0) {
    std::cerr << "nymph-bench: give --duration or --requests a limit\n";
    return 2;
  }
  std::vector<ScenarioSpec> specs;
  for (const std::string& text : o.scenarios) {
    auto spec = ParseScenario(text);
    if (!spec.ok()) {
      std::cerr << "nymph-bench: " << spec.status().message() << "\n";
      return 2;
    }
    specs.push_back(*spec);
  }
  if (!o.token_file.empty()) {
    auto token = ReadToken(o.token_file);
    if (!token.ok()) {
      std::cerr << "nymph-bench: " << token.status().message() << "\n";
      return 2;
    }
    o.endpoint.token = *token;
  }
  auto prompts = PromptSource::FromFile(o.prompt_text, o.seed);
  if (!prompts.ok()) {
    std::cerr << "nymph-bench: " << prompts.status().message() << "\n";
    return 2;
  }
  AgentClient control(o.endpoint);
  auto model = FindModel(control, o.model);
  if (!model.ok()) {
    std::cerr << "nymph-bench: " << model.status().message() << "\n";
    return 1;
  }

  json report = {{"schema_version", 1},
                 {"tool", "nymph-bench"},
                 {"started_at", nullptr},
                 {"commit", o.commit.empty() ? GitCommit() : o.commit},
                 {"model", *model},
                 {"configuration", ConfigurationJson(o)},
                 {"machine", MachineJson()},
                 {"definitions", Definitions()},
                 {"scenarios", json::array()}};
  {
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    report["started_at"] = stamp;
  }
  if (report["commit"] == "") report["commit"] = nullptr;

  json infer_body;
  for (const ScenarioSpec& spec : specs) {
    if (spec.prompts != PromptKind::kInfer || !infer_body.is_null()) continue;
    auto body = InferBody(control, o.infer_model);
    if (!body.ok()) {
      std::cerr << "nymph-bench: " << body.status().message() << "\n";
      return 1;
    }
    infer_body = *body;
  }

  CompletionShape shape{o.model, o.max_tokens, o.temperature};
  size_t next_prompt = 0;
  for (const ScenarioSpec& spec : specs) {
    ScenarioSettings settings{o.endpoint,     shape,          &*prompts,
                              &next_prompt,   o.prompt_chars, o.prefix_chars,
                              o.suffix_chars, o.duration_s,   o.requests,
                              o.warmup,       o.seed,         o.max_connections,
                              infer_body};
    report["scenarios"].push_back(RunScenario(spec, settings));
  }

  json baselines = {{"decode", nullptr},
                    {"prefix_ttft", nullptr},
                    {"unavailable", json::object()}};
  if (o.model_file.empty()) {
    baselines["unavailable"]["decode"] = "--model-file not given";
  } else {
    DecodeBaselineOptions decode{o.model_file,
                                 prompts->Slice(next_prompt++, o.prompt_chars),
                                 o.decode_tokens, o.decode_runs};
    auto figures = MeasureDecodeBaseline(control, shape, decode);
    if (figures.ok()) {
      baselines["decode"] = *figures;
    } else {
      baselines["unavailable"]["decode"] = figures.status().message();
    }
  }
  if (o.ttft_samples <= 0) {
    baselines["unavailable"]["prefix_ttft"] = "--ttft-samples 0";
  } else {
    std::string why;
    PrefixTtftOptions ttft{o.prefix_chars, o.suffix_chars, o.ttft_samples};
    auto figures =
        MeasurePrefixTtft(control, shape, *prompts, next_prompt, ttft, why);
    if (!figures.ok()) {
      baselines["unavailable"]["prefix_ttft"] = figures.status().message();
    } else {
      baselines["prefix_ttft"] = *figures;
      if (figures->is_null()) baselines["unavailable"]["prefix_ttft"] = why;
    }
  }
  report["baselines"] = baselines;

  const std::filesystem::path out(o.out);
  std::error_code no_dir;
  if (out.has_parent_path()) {
    std::filesystem::create_directories(out.parent_path(), no_dir);
  }
  // No directory is reported by the write below, naming the path.
  Status written = WriteFileAtomically(o.out, {report.dump(2), "\n"});
  std::fputs(SummaryTable(report).c_str(), stdout);
  if (!written.ok()) {
    std::cerr << "nymph-bench: " << written.message() << "\n";
    return 1;
  }
  std::printf("wrote %s\n", o.out.c_str());
  return 0;
}

}  // namespace
}  // namespace nymph::bench

int main(int argc, char** argv) {
  CLI::App app{
      "nymph-bench: load scenarios against a running Nymph agent over "
      "HTTP(S); writes bench.json (docs/bench-json.md)"};
  nymph::bench::Options options;
  nymph::bench::AddFlags(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is not an error
  }
  // A peer that closes a TLS connection must fail the write, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  return nymph::bench::Run(options);
}
