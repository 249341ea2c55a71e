// Generation speed through the API against a raw ONNX Runtime decode loop
// on the same model, in one run: prefill tokens/s, decode tokens/s, and
// time per output token (p50, p99) of a single stream. With --with-trace,
// each round also runs the API stream with the daemon tracing (POST
// /trace/start before it, /trace/stop after, outside the timing), for the
// cost of tracing as traced / untraced decode rate.
//
// Usage: nymph-bench-decode --url http://127.0.0.1:PORT --model FILE.onnx
//          [--name NAME] [--prompt-bytes N] [--tokens N] [--runs N]
//          [--with-trace] [--out FILE.json]
// The raw loop is written against the ONNX Runtime API directly (not the
// agent's engine), greedy, with the present tensors fed back as past.
#include <httplib.h>
#include <onnxruntime_cxx_api.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench_util.h"
#include "raw_decode.h"

namespace {

using nymph::bench::DecodeTiming;
using nymph::bench::Percentile;
using nymph::bench::RawDecode;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One streamed greedy completion; the time of each token's arrival.
DecodeTiming ApiDecode(httplib::Client& client, const std::string& name,
                       const std::string& prompt, int tokens) {
  json body = {{"model", name},
               {"prompt", prompt},
               {"max_tokens", tokens},
               {"temperature", 0},
               {"stream", true}};
  std::vector<Clock::time_point> arrivals;
  std::string pending;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  auto start = Clock::now();
  req.content_receiver = [&](const char* data, size_t size, uint64_t,
                             uint64_t) {
    auto now = Clock::now();
    nymph::bench::ForEachJsonEvent(pending, data, size, [&](const json& chunk) {
      if (chunk["choices"][0]["finish_reason"].is_null()) {
        size_t bytes = chunk["choices"][0]["text"].get<std::string>().size();
        for (size_t i = 0; i < bytes; ++i) arrivals.push_back(now);
      }
    });
    return true;
  };
  auto result = client.send(req);
  if (!result || result->status != 200) {
    throw std::runtime_error("streamed completion failed");
  }
  DecodeTiming timing;
  if (arrivals.empty()) throw std::runtime_error("no tokens streamed");
  timing.prefill_s = Seconds(start, arrivals[0]);
  for (size_t i = 1; i < arrivals.size(); ++i) {
    timing.step_s.push_back(Seconds(arrivals[i - 1], arrivals[i]));
  }
  return timing;
}

void PostOrThrow(httplib::Client& client, const std::string& path,
                 const json& body) {
  auto result = client.Post(path, body.dump(), "application/json");
  if (!result || result->status != 200) {
    throw std::runtime_error(
        "POST " + path + " failed" +
        (result ? ": " + std::to_string(result->status) + " " + result->body
                : std::string()));
  }
}

json Summary(const std::vector<DecodeTiming>& runs, size_t prompt_tokens) {
  std::vector<double> steps, prefills;
  double decode_s = 0;
  size_t decode_tokens = 0;
  for (const DecodeTiming& t : runs) {
    prefills.push_back(t.prefill_s);
    for (double s : t.step_s) {
      steps.push_back(s);
      decode_s += s;
    }
    decode_tokens += t.step_s.size();
  }
  double prefill_p50 = Percentile(prefills, 50);
  return {{"prefill_s_p50", prefill_p50},
          {"prefill_tokens_per_s", prompt_tokens / prefill_p50},
          {"decode_tokens_per_s", decode_tokens / decode_s},
          {"tpot_ms_p50", Percentile(steps, 50) * 1e3},
          {"tpot_ms_p99", Percentile(steps, 99) * 1e3}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Decode speed through /v1/completions vs. raw ONNX Runtime"};
  std::string url, model_file, name, out;
  int prompt_bytes = 256, tokens = 128, runs = 5;
  bool with_trace = false;
  app.add_option("--url", url, "daemon base URL (plain HTTP)")->required();
  app.add_option("--model", model_file, "the model's .onnx file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--name", name, "model name in the daemon (default: stem)");
  app.add_option("--prompt-bytes", prompt_bytes, "prompt length (tokens)");
  app.add_option("--tokens", tokens, "tokens generated per run");
  app.add_option("--runs", runs, "runs of each kind, alternating");
  app.add_flag("--with-trace", with_trace,
               "also time the API with the daemon tracing (traced/untraced)");
  app.add_option("--out", out, "also write the figures as JSON here");
  CLI11_PARSE(app, argc, argv);
  if (name.empty()) name = std::filesystem::path(model_file).stem().string();

  try {
    std::string verse =
        "In the beginning God created the heaven and the earth. ";
    std::string prompt;
    while (prompt.size() < static_cast<size_t>(prompt_bytes)) prompt += verse;
    prompt.resize(prompt_bytes);

    Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "bench");
    Ort::SessionOptions options = nymph::bench::DaemonSessionOptions();
    Ort::Session session(env, model_file.c_str(), options);
    httplib::Client client(url);
    client.set_tcp_nodelay(true);
    client.set_read_timeout(300);

    std::vector<DecodeTiming> raw, api, traced;
    RawDecode(session, prompt, 8);  // warm-up
    ApiDecode(client, name, prompt, 8);
    // On a terminal the progress line is rewritten; in a log, one per run.
    const char* end_of_progress = isatty(STDERR_FILENO) ? "\r" : "\n";
    for (int run = 0; run < runs; ++run) {
      std::cerr << "bench: run " << run + 1 << "/" << runs << end_of_progress
                << std::flush;
      raw.push_back(RawDecode(session, prompt, tokens));
      api.push_back(ApiDecode(client, name, prompt, tokens));
      if (with_trace) {
        // Written into the daemon's state directory, replaced each round.
        PostOrThrow(client, "/trace/start", json::object());
        traced.push_back(ApiDecode(client, name, prompt, tokens));
        PostOrThrow(client, "/trace/stop", {{"path", "bench-decode.perfetto"}});
      }
    }
    std::cerr << "\n";
    json figures = {{"model", name},
                    {"prompt_tokens", prompt.size()},
                    {"tokens_per_run", tokens},
                    {"runs", runs},
                    {"raw", Summary(raw, prompt.size())},
                    {"api", Summary(api, prompt.size())}};
    figures["api_vs_raw_decode"] =
        figures["api"]["decode_tokens_per_s"].get<double>() /
        figures["raw"]["decode_tokens_per_s"].get<double>();
    std::vector<const char*> rows = {"raw", "api"};
    if (with_trace) {
      figures["api_traced"] = Summary(traced, prompt.size());
      figures["traced_vs_untraced_decode"] =
          figures["api_traced"]["decode_tokens_per_s"].get<double>() /
          figures["api"]["decode_tokens_per_s"].get<double>();
      rows.push_back("api_traced");
    }
    std::printf("%-10s %12s %12s %12s %12s\n", "", "prefill t/s", "decode t/s",
                "TPOT p50 ms", "TPOT p99 ms");
    for (const char* row : rows) {
      const json& f = figures[row];
      std::printf("%-10s %12.0f %12.1f %12.2f %12.2f\n", row,
                  f["prefill_tokens_per_s"].get<double>(),
                  f["decode_tokens_per_s"].get<double>(),
                  f["tpot_ms_p50"].get<double>(),
                  f["tpot_ms_p99"].get<double>());
    }
    std::printf("API decode rate / raw: %.3f\n",
                figures["api_vs_raw_decode"].get<double>());
    if (with_trace) {
      std::printf("traced / untraced API decode rate: %.3f\n",
                  figures["traced_vs_untraced_decode"].get<double>());
    }
    if (!out.empty()) std::ofstream(out) << figures.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
