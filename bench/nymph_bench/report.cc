#include "report.h"

#include <sys/utsname.h>

#include <cstdio>
#include <fstream>

namespace nymph::bench {

using nlohmann::json;

json MachineJson() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  int cores = 0;
  while (std::getline(cpuinfo, line)) {
    auto value = [&] {
      size_t colon = line.find(':');
      return colon == std::string::npos ? std::string()
                                        : line.substr(colon + 2);
    };
    if (line.rfind("processor", 0) == 0) ++cores;
    if (model.empty() && line.rfind("model name", 0) == 0) model = value();
  }
  json machine = {{"cpu_model", model.empty() ? json(nullptr) : json(model)},
                  {"logical_cores", cores},
                  {"kernel", nullptr}};
  utsname names{};
  if (uname(&names) == 0) {
    machine["kernel"] =
        std::string(names.sysname) + " " + names.release + " " + names.machine;
  }
  return machine;
}

namespace {

// The first line `command` prints, or empty if it fails.
std::string FirstLineOf(const char* command) {
  FILE* pipe = popen(command, "r");
  if (!pipe) return "";
  char buffer[256] = {};
  std::string line;
  if (std::fgets(buffer, sizeof buffer, pipe)) line = buffer;
  if (pclose(pipe) != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

std::string Fixed(const json& value, int decimals) {
  if (!value.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value.get<double>());
  return text;
}

// A distribution's field, or "-" when the distribution is null.
std::string Stat(const json& scenario, const char* name, const char* field) {
  const json& d = scenario[name];
  return d.is_object() ? Fixed(d[field], 1) : "-";
}

}  // namespace

std::string GitCommit() {
  std::string head = FirstLineOf("git rev-parse HEAD 2>/dev/null");
  if (head.empty()) return "";
  // Exit status 1 when tracked files differ from HEAD (untracked files do
  // not count, as with `git describe --dirty`).
  std::string changed =
      FirstLineOf("git diff-index --quiet HEAD -- 2>/dev/null; echo $?");
  return changed == "0" ? head : head + "-dirty";
}

std::string SummaryTable(const json& report) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line,
                "%-28s %5s %4s %9s %9s %8s %8s %9s %7s %8s %6s %6s\n",
                "scenario", "reqs", "err", "TTFT p50", "TTFT p99", "TPOT p50",
                "ITL p99", "E2E p50", "req/s", "out tok/s", "KV hit", "max dT");
  out += line;
  for (const json& s : report["scenarios"]) {
    std::string hit = "-";
    if (s["kv"].is_object() && s["kv"]["hit_rate"].is_number()) {
      hit = Fixed(s["kv"]["hit_rate"].get<double>() * 100, 0) + "%";
    }
    std::string delta_t = s["thermal"].is_object()
                              ? Fixed(s["thermal"]["max_delta_t_c"], 1)
                              : "-";
    std::snprintf(
        line, sizeof line,
        "%-28s %5d %4d %9s %9s %8s %8s %9s %7s %8s %6s %6s\n",
        s["name"].get<std::string>().substr(0, 28).c_str(),
        s["requests"].get<int>(), s["errors"]["total"].get<int>(),
        Stat(s, "ttft_ms", "p50").c_str(), Stat(s, "ttft_ms", "p99").c_str(),
        Stat(s, "tpot_ms", "p50").c_str(), Stat(s, "itl_ms", "p99").c_str(),
        Stat(s, "e2e_ms", "p50").c_str(),
        Fixed(s["request_throughput_per_s"], 2).c_str(),
        Fixed(s["output_token_throughput_per_s"], 0).c_str(), hit.c_str(),
        delta_t.c_str());
    out += line;
  }
  out +=
      "(latencies in ms; KV hit = hit tokens / looked-up prompt tokens "
      "over the scenario; max dT = hottest zone minus ambient, degC)\n";
  const json& baselines = report["baselines"];
  const json& decode = baselines["decode"];
  if (decode.is_object()) {
    std::snprintf(line, sizeof line,
                  "decode: API %s tok/s, raw ONNX Runtime %s tok/s, "
                  "API/raw %s\n",
                  Fixed(decode["api"]["decode_tokens_per_s"], 1).c_str(),
                  Fixed(decode["raw"]["decode_tokens_per_s"], 1).c_str(),
                  Fixed(decode["api_over_raw_decode"], 3).c_str());
  } else {
    std::snprintf(line, sizeof line, "decode: not measured (%s)\n",
                  baselines["unavailable"].value("decode", "?").c_str());
  }
  out += line;
  const json& prefix = baselines["prefix_ttft"];
  if (prefix.is_object()) {
    std::snprintf(line, sizeof line,
                  "prefix TTFT: pinned %s ms, fresh %s ms (p50 of %d each), "
                  "hit/miss %s\n",
                  Fixed(prefix["hit"]["ttft_ms_p50"], 2).c_str(),
                  Fixed(prefix["miss"]["ttft_ms_p50"], 2).c_str(),
                  prefix["samples"].get<int>(),
                  Fixed(prefix["hit_over_miss_ttft_p50"], 3).c_str());
  } else {
    std::snprintf(line, sizeof line, "prefix TTFT: not measured (%s)\n",
                  baselines["unavailable"].value("prefix_ttft", "?").c_str());
  }
  out += line;
  return out;
}

}  // namespace nymph::bench
