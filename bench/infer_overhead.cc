// What the agent adds to an inference: /infer round trips over keep-alive
// HTTP against the same model run in-process with ONNX Runtime.
//
// Both loops run in one process, alternating in blocks so that machine
// noise hits both alike; the figures to compare are p50 and p99 of each and
// their difference (the agent's overhead: HTTP, JSON, validation, copying).
//
// Usage: nymph-bench-infer --url http://127.0.0.1:PORT --model FILE.onnx
//          [--name NAME] [--iterations N] [--warmup N] [--out FILE.json]
// The daemon must serve FILE under NAME (default: the file's stem); the
// model's inputs must all be float32 with fixed or batch dimensions (batch
// set to 1). scripts/bench-infer.sh starts the daemon and runs this.
#include <onnxruntime_cxx_api.h>

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

#include "wire_client.h"

namespace {

using nymph::bench::Percentile;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Input {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};

std::vector<Input> MakeInputs(Ort::Session& session) {
  std::vector<Input> inputs;
  Ort::AllocatorWithDefaultOptions allocator;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    Ort::TypeInfo type_info = session.GetInputTypeInfo(i);  // owns `info`
    auto info = type_info.GetTensorTypeAndShapeInfo();
    if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
      throw std::runtime_error("only float32 inputs are supported");
    }
    Input input{
        session.GetInputNameAllocated(i, allocator).get(), info.GetShape(), {}};
    size_t count = 1;
    for (int64_t& dim : input.shape) {
      if (dim < 0) dim = 1;
      count *= static_cast<size_t>(dim);
    }
    for (size_t k = 0; k < count; ++k) {
      input.data.push_back(static_cast<float>(k % 7) * 0.25f - 0.5f);
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

// "http://127.0.0.1:8080" -> {"127.0.0.1", 8080}.
std::pair<std::string, int> HostAndPort(const std::string& url) {
  const std::string scheme = "http://";
  size_t colon = url.rfind(':');
  if (url.compare(0, scheme.size(), scheme) != 0 || colon < scheme.size()) {
    throw std::runtime_error("--url must look like http://127.0.0.1:PORT");
  }
  return {url.substr(scheme.size(), colon - scheme.size()),
          std::stoi(url.substr(colon + 1))};
}

std::string RequestBody(const std::string& model,
                        const std::vector<Input>& inputs) {
  json body = {{"model", model}, {"inputs", json::object()}};
  for (const Input& input : inputs) {
    body["inputs"][input.name] = {
        {"shape", input.shape}, {"dtype", "float32"}, {"data", input.data}};
  }
  return body.dump();
}

int Measure(const std::string& url, const std::string& model_file,
            const std::string& name, int iterations, int warmup,
            const std::string& out);

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Agent overhead of /infer vs. in-process ONNX Runtime"};
  std::string url, model_file, name, out;
  int iterations = 5000, warmup = 500;
  app.add_option("--url", url,
                 "daemon base URL, plain HTTP with a numeric IPv4 address")
      ->required();
  app.add_option("--model", model_file, "the .onnx file the daemon serves")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--name", name, "model name in the daemon (default: stem)");
  app.add_option("--iterations", iterations, "timed calls of each kind")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed calls of each kind first");
  app.add_option("--out", out, "also write the figures as JSON here");
  CLI11_PARSE(app, argc, argv);
  if (name.empty()) name = std::filesystem::path(model_file).stem().string();
  try {
    return Measure(url, model_file, name, iterations, warmup, out);
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
}

namespace {

int Measure(const std::string& url, const std::string& model_file,
            const std::string& name, int iterations, int warmup,
            const std::string& out) {
  constexpr int kBlock = 250;  // calls of one kind before switching
  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "bench");
  Ort::SessionOptions options = nymph::bench::DaemonSessionOptions();
  Ort::Session session(env, model_file.c_str(), options);
  std::vector<Input> inputs = MakeInputs(session);
  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<std::string> output_names;
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    output_names.push_back(session.GetOutputNameAllocated(i, allocator).get());
  }
  std::vector<const char*> in_names, out_names;
  for (const Input& input : inputs) in_names.push_back(input.name.c_str());
  for (const auto& n : output_names) out_names.push_back(n.c_str());
  Ort::MemoryInfo cpu =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);

  // In-process: what a caller linking ONNX Runtime directly would pay.
  auto run_in_process = [&] {
    std::vector<Ort::Value> values;
    for (Input& input : inputs) {
      values.push_back(Ort::Value::CreateTensor<float>(
          cpu, input.data.data(), input.data.size(), input.shape.data(),
          input.shape.size()));
    }
    auto results =
        session.Run(Ort::RunOptions{nullptr}, in_names.data(), values.data(),
                    values.size(), out_names.data(), out_names.size());
    return results.size();
  };

  auto [host, port] = HostAndPort(url);
  nymph::bench::WireClient client(host, port);
  const std::string body = RequestBody(name, inputs);
  auto run_http = [&] { return client.Call("POST", "/infer", body).size(); };
  // The transport floor: a keep-alive round trip that does no work.
  auto run_health = [&] { return client.Call("GET", "/health").size(); };

  {
    for (int i = 0; i < warmup; ++i) {
      run_in_process();
      run_http();
    }
    auto time_block = [](auto& call, std::vector<double>& samples_us) {
      for (int i = 0; i < kBlock; ++i) {
        auto start = Clock::now();
        call();
        samples_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - start)
                .count());
      }
    };
    std::vector<double> in_process_us, http_us, health_us;
    std::cerr << "bench: " << iterations << " calls of each kind";
    while (static_cast<int>(http_us.size()) < iterations) {
      time_block(run_in_process, in_process_us);
      time_block(run_http, http_us);
      time_block(run_health, health_us);
      std::cerr << "." << std::flush;
    }
    std::cerr << "\n";

    json figures = {
        {"model", name},
        {"iterations", http_us.size()},
        {"in_process_us",
         {{"p50", Percentile(in_process_us, 50)},
          {"p99", Percentile(in_process_us, 99)}}},
        {"http_us",
         {{"p50", Percentile(http_us, 50)}, {"p99", Percentile(http_us, 99)}}},
        {"health_us",
         {{"p50", Percentile(health_us, 50)},
          {"p99", Percentile(health_us, 99)}}},
    };
    figures["overhead_us"] = {
        {"p50", figures["http_us"]["p50"].get<double>() -
                    figures["in_process_us"]["p50"].get<double>()},
        {"p99", figures["http_us"]["p99"].get<double>() -
                    figures["in_process_us"]["p99"].get<double>()}};
    std::printf("%-22s %10s %10s\n", "", "p50 (us)", "p99 (us)");
    for (const char* row :
         {"in_process_us", "http_us", "overhead_us", "health_us"}) {
      std::printf("%-22s %10.1f %10.1f\n", row,
                  figures[row]["p50"].get<double>(),
                  figures[row]["p99"].get<double>());
    }
    if (!out.empty()) std::ofstream(out) << figures.dump(2) << "\n";
  }
  return 0;
}

}  // namespace
