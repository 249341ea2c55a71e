// Time to first token with a pinned prefix against the same request with
// nothing cached: what pinning a long shared context buys a client.
//
// A "hit" request is a pinned prefix plus a suffix no earlier request had;
// a "miss" request has a prefix of the same length that nothing shares (its
// first block names the run), so all of it is computed. Time to first token
// is from sending the request to the arrival of the first streamed token.
// Runs alternate hit and miss so that drift on a shared machine falls on
// both alike; usage.prompt_tokens_details.cached_tokens of every response is
// checked, so a figure never comes from a request that hit or missed by
// accident.
//
// Usage: nymph-bench-ttft --url http://127.0.0.1:PORT [--name NAME]
//          [--prefix-tokens N] [--suffix-tokens N] [--runs N]
//          [--out FILE.json]
// The model must have a byte tokenizer (one token per byte), as the
// bundled kjv-gqa has: lengths in tokens are lengths in bytes.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_util.h"

namespace {

using nymph::bench::Percentile;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kRegion = "bench-ttft-prefix";

// KJV-like text of exactly `bytes` bytes, starting with `lead`.
std::string Text(const std::string& lead, size_t bytes) {
  static const std::string verses =
      "In the beginning God created the heaven and the earth. And the "
      "earth was without form, and void; and darkness was upon the face of "
      "the deep. And the Spirit of God moved upon the face of the waters. ";
  std::string text = lead;
  while (text.size() < bytes) text += verses;
  text.resize(bytes);
  return text;
}

// "Run 0007 ...": unique within its first 16 bytes, so it never continues
// a block an earlier run cached.
std::string Named(const char* kind, int run, size_t bytes) {
  char lead[32];
  std::snprintf(lead, sizeof lead, "%s %04d: ", kind, run);
  return Text(lead, bytes);
}

struct Sample {
  double ttft_s = 0;
  int64_t cached_tokens = -1;
};

// One streamed greedy completion of two tokens.
Sample FirstToken(httplib::Client& client, const std::string& model,
                  const std::string& prompt) {
  json body = {{"model", model},
               {"prompt", prompt},
               {"max_tokens", 2},
               {"temperature", 0},
               {"stream", true}};
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  Sample sample;
  std::string pending;
  Clock::time_point first{};
  bool seen = false;
  req.content_receiver = [&](const char* data, size_t size, uint64_t,
                             uint64_t) {
    auto now = Clock::now();
    nymph::bench::ForEachJsonEvent(pending, data, size, [&](const json& chunk) {
      if (chunk.contains("error")) {
        throw std::runtime_error("stream error: " + chunk.dump());
      }
      if (!seen && !chunk["choices"][0]["text"].get<std::string>().empty()) {
        first = now;
        seen = true;
      }
      if (chunk.contains("usage")) {
        sample.cached_tokens =
            chunk["usage"]["prompt_tokens_details"]["cached_tokens"];
      }
    });
    return true;
  };
  auto start = Clock::now();
  auto result = client.send(req);
  if (!result || result->status != 200) {
    throw std::runtime_error("streamed completion failed" +
                             (result ? ": " + result->body : std::string()));
  }
  if (!seen) throw std::runtime_error("no token streamed");
  sample.ttft_s = std::chrono::duration<double>(first - start).count();
  return sample;
}

void Pin(httplib::Client& client, const std::string& model,
         const std::string& prefix) {
  json body = {{"model", model}, {"region", kRegion}, {"prompt", prefix}};
  auto result = client.Post("/kv/pin", body.dump(), "application/json");
  if (!result || (result->status != 201 && result->status != 200)) {
    throw std::runtime_error("POST /kv/pin failed" +
                             (result ? ": " + result->body : std::string()) +
                             " (is the KV cache on? [kv] capacity_mb)");
  }
}

void Expect(const Sample& sample, int64_t cached, const char* kind) {
  if (sample.cached_tokens != cached) {
    throw std::runtime_error(std::string(kind) + " request reported " +
                             std::to_string(sample.cached_tokens) +
                             " cached tokens, expected " +
                             std::to_string(cached));
  }
}

json Summary(const std::vector<double>& seconds) {
  return {{"p50_ms", Percentile(seconds, 50) * 1e3},
          {"p90_ms", Percentile(seconds, 90) * 1e3},
          {"min_ms", Percentile(seconds, 0) * 1e3}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time to first token: pinned prefix vs. nothing cached"};
  std::string url, name = "kjv-gqa", out;
  int prefix_tokens = 1024, suffix_tokens = 32, runs = 20;
  app.add_option("--url", url, "daemon base URL (plain HTTP)")->required();
  app.add_option("--name", name, "language model name in the daemon");
  app.add_option("--prefix-tokens", prefix_tokens,
                 "pinned prefix length (a multiple of the block size is "
                 "served whole)");
  app.add_option("--suffix-tokens", suffix_tokens, "suffix length");
  app.add_option("--runs", runs, "runs of each kind, alternating")
      ->check(CLI::PositiveNumber);
  app.add_option("--out", out, "also write the figures as JSON here");
  CLI11_PARSE(app, argc, argv);

  try {
    httplib::Client client(url);
    client.set_tcp_nodelay(true);
    client.set_read_timeout(300);
    const std::string prefix = Text("Pinned: ", size_t(prefix_tokens));
    Pin(client, name, prefix);

    // Served from the cache: the prefix's whole blocks (16 tokens each,
    // the default block size).
    const int64_t served = prefix_tokens / 16 * 16;
    std::vector<double> hits, misses;
    for (int run = -1; run < runs; ++run) {  // run -1 warms up
      const std::string suffix = Named("Run", run + 1, size_t(suffix_tokens));
      Sample hit = FirstToken(client, name, prefix + suffix);
      Expect(hit, served, "hit");
      Sample miss = FirstToken(
          client, name, Named("Miss", run + 1, size_t(prefix_tokens)) + suffix);
      Expect(miss, 0, "miss");
      if (run < 0) continue;
      hits.push_back(hit.ttft_s);
      misses.push_back(miss.ttft_s);
      std::fprintf(stderr, "bench: run %d/%d: hit %.2f ms, miss %.2f ms\n",
                   run + 1, runs, hit.ttft_s * 1e3, miss.ttft_s * 1e3);
    }
    json figures = {{"model", name},
                    {"prefix_tokens", prefix_tokens},
                    {"suffix_tokens", suffix_tokens},
                    {"cached_tokens_on_hit", served},
                    {"runs", runs},
                    {"hit", Summary(hits)},
                    {"miss", Summary(misses)}};
    const double ratio = figures["hit"]["p50_ms"].get<double>() /
                         figures["miss"]["p50_ms"].get<double>();
    figures["hit_over_miss_p50"] = ratio;
    std::printf(
        "time to first token, %d-token prefix + %d-token suffix, "
        "%d runs each\n",
        prefix_tokens, suffix_tokens, runs);
    std::printf("%-5s %10s %10s %10s\n", "", "p50 ms", "p90 ms", "min ms");
    for (const char* row : {"hit", "miss"}) {
      const json& f = figures[row];
      std::printf("%-5s %10.2f %10.2f %10.2f\n", row, f["p50_ms"].get<double>(),
                  f["p90_ms"].get<double>(), f["min_ms"].get<double>());
    }
    std::printf("hit/miss (p50): %.3f (1/%.1f); target <= 1/8: %s\n", ratio,
                1 / ratio, ratio <= 1.0 / 8 ? "met" : "NOT met");
    if (!out.empty()) std::ofstream(out) << figures.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
