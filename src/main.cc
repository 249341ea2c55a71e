// nymphd: the agent daemon. Wires configuration, models and the HTTP server
// together and owns the process lifecycle: signals, start-up, shutdown.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/routes.h"
#include "config/command_line.h"
#include "daemon/board_setup.h"
#include "daemon/state_lock.h"
#include "daemon/thermal_setup.h"
#include "generation/generation_service.h"
#include "inference/inference_stats.h"
#include "server/http_server.h"
#include "thermal/thermal_metrics.h"
#include "trace/tracer.h"

namespace {

using namespace nymph;

// Sent by nymphd to itself to end the signal thread without a shutdown.
constexpr int kWakeSignal = SIGUSR1;

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, kWakeSignal);
  return set;
}

// Settings that name files and directories are checked before anything
// starts, so that a typo is a configuration error (exit 2), not a daemon
// that runs and serves nothing.
bool CheckPaths(const Config& config) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(config.models_dir, error)) {
    spdlog::error("config: models dir {}: not a directory (set --models)",
                  config.models_dir);
    return false;
  }
  fs::create_directories(config.state_dir, error);
  fs::path probe = fs::path(config.state_dir) / ".write-test";
  if (error || !std::ofstream(probe)) {
    spdlog::error(
        "config: state dir {}: cannot create or write it (set "
        "--state-dir)",
        config.state_dir);
    return false;
  }
  fs::remove(probe, error);
  if (!config.trace_out.empty()) {
    fs::path dir = fs::path(config.trace_out).parent_path();
    if (!dir.empty() && !fs::is_directory(dir, error)) {
      spdlog::error("config: trace out {}: directory {} does not exist",
                    config.trace_out, dir.string());
      return false;
    }
  }
  for (const std::string& file : {config.tls_cert_file, config.tls_key_file}) {
    if (!file.empty() && !std::ifstream(file)) {
      spdlog::error("config: TLS file {}: cannot read it", file);
      return false;
    }
  }
  return true;
}

void SetUpLogging(const std::string& level) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

StatusOr<TlsFiles> ResolveTls(const Config& config) {
  if (!config.tls_cert_file.empty()) {
    return TlsFiles{config.tls_cert_file, config.tls_key_file};
  }
  return EnsureSelfSignedCertificate(config.state_dir);
}

std::string UrlHost(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Tells the person who started the daemon how to talk to it.
void LogHowToCall(const Config& config, const std::string& url) {
  std::string insecure = config.plain_http || !config.tls_cert_file.empty()
                             ? ""
                             : " -k";  // the self-signed certificate
  std::string token = config.api_token.empty()
                          ? ""
                          : " -H \"Authorization: Bearer $NYMPH_API_TOKEN\"";
  spdlog::info("try: curl{}{} {}/models", insecure, token, url);
}

std::string TracePath(const Config& config) {
  if (!config.trace_out.empty()) return config.trace_out;
  return (std::filesystem::path(config.state_dir) / "trace.perfetto").string();
}

// A trace still recording at shutdown (from --trace-out, or started over
// the API and never stopped), or stopped but not saved because its write
// failed, is written rather than lost.
void WriteTraceAtShutdown(const Config& config, trace::Tracer& tracer) {
  if (!tracer.Stop().ok() && !tracer.HasUnsavedTrace()) return;
  auto written = tracer.WriteTo(TracePath(config));
  if (!written.ok()) {
    spdlog::error("trace: {}", written.status().message());
    return;
  }
  spdlog::info("trace: wrote {} ({} bytes, {} events dropped)",
               TracePath(config), written->bytes, written->dropped);
}

int Run(const Config& config) {
  if (!CheckPaths(config)) return 2;
  auto state_lock = StateLock::Acquire(config.state_dir);
  if (!state_lock.ok()) {
    spdlog::error("config: {}", state_lock.status().message());
    return 2;
  }
  // The board first: its fan goes to full before anything else is set up,
  // and stays there until the controller's first period.
  auto board = OpenBoard(config);
  if (!board.ok()) {
    spdlog::error(
        "board: {} (set --board, or --board none to run without "
        "thermal control)",
        board.status().message());
    return 2;
  }
  if (board->board) {
    spdlog::info("board: {}{}", board->board->Describe(),
                 board->caps ? "; DVFS: " + board->caps->Describe() : "");
    Status safe = thermal::SetFanSafe(*board->board);
    if (!safe.ok()) spdlog::error("board: fan to full: {}", safe.message());
  }
  TlsFiles tls;
  if (!config.plain_http) {
    auto files = ResolveTls(config);
    if (!files.ok()) {
      spdlog::error("tls: {}", files.status().message());
      return 1;
    }
    tls = *files;
  }

  ModelRegistry models({config.intra_op_threads, config.inter_op_threads});
  HttpMetrics http_metrics;
  InferenceStats inference_stats;
  GenerationSettings generation_settings;
  generation_settings.max_active = config.generation_max_active;
  generation_settings.max_queued = config.generation_max_queued;
  generation_settings.kv.capacity_bytes =
      static_cast<size_t>(config.kv_capacity_mb) << 20;
  generation_settings.kv.max_pinned_fraction = config.kv_max_pinned_fraction;
  generation_settings.kv_block_tokens = config.kv_block_tokens;
  generation_settings.kv_state_dir = config.state_dir + "/kv";
  GenerationService generation(generation_settings);
  trace::Tracer& tracer = trace::ProcessTracer();
  const size_t trace_max_bytes = size_t(config.trace_max_mb) << 20;
  if (!config.trace_out.empty()) {
    Status started = tracer.Start(trace_max_bytes);
    if (!started.ok()) spdlog::error("trace: {}", started.message());
  }
  // Sampled into every trace: the cache and the queue.
  tracer.AddCounterSource("kv used", "KiB", [&generation] {
    return double(generation.KvSum().used_kib);
  });
  tracer.AddCounterSource("kv pinned", "KiB", [&generation] {
    return double(generation.KvSum().pinned_kib);
  });
  tracer.AddCounterSource("kv hit rate", "ratio", [&generation] {
    return generation.KvSum().hit_rate();
  });
  tracer.AddCounterSource("sequences active", "sequences", [&generation] {
    return double(generation.outlook().active);
  });
  tracer.AddCounterSource("requests queued", "requests", [&generation] {
    return double(generation.outlook().queued);
  });
  ApiContext context{models,           http_metrics,      inference_stats,
                     generation,       config.models_dir, tracer,
                     config.state_dir, config.trace_out,  trace_max_bytes};
  std::unique_ptr<thermal::ThermalController> thermal =
      MakeThermalController(config, *board, generation);
  if (thermal) {
    context.render_more_metrics = [&thermal](std::string& text) {
      thermal::RenderThermalMetrics(thermal->Snapshot(), text);
    };
    context.board_problem = [&thermal]() -> std::string {
      thermal::ThermalSnapshot snapshot = thermal->Snapshot();
      if (!snapshot.readings) return "no reading from the board yet";
      for (const std::string& reason : snapshot.failsafe_reasons) {
        if (reason.find("unreachable") != std::string::npos) return reason;
      }
      return "";
    };
    context.thermal_failsafe = [&thermal]() -> nlohmann::json {
      thermal::ThermalSnapshot snapshot = thermal->Snapshot();
      return {{"active", snapshot.failsafe},
              {"reasons", snapshot.failsafe_reasons}};
    };
    tracer.AddCounterSource("fan duty", "ratio", [&thermal] {
      auto snapshot = thermal->Snapshot();
      return snapshot.readings && snapshot.readings->fan.duty
                 ? *snapshot.readings->fan.duty
                 : std::nan("");
    });
    tracer.AddCounterSource("rail power", "W", [&thermal] {
      return thermal->Snapshot().power_w.value_or(std::nan(""));
    });
    for (const char* zone : {"soc", "vrm", "npu", "nvme", "ambient"}) {
      tracer.AddCounterSource(std::string("temperature ") + zone, "C",
                              [&thermal, zone] {
                                auto snapshot = thermal->Snapshot();
                                if (!snapshot.readings) return std::nan("");
                                for (const auto& z : snapshot.readings->zones) {
                                  if (z.zone == zone && z.celsius) {
                                    return *z.celsius;
                                  }
                                }
                                return std::nan("");
                              });
    }
  }
  Router router;
  AddSystemRoutes(router, context);
  AddModelRoutes(router, context);
  AddCompletionRoutes(router, context);
  AddKvRoutes(router, context);
  AddTraceRoutes(router, context);
  if (thermal) {
    AddThermalRoutes(router, *thermal);
  } else {
    AddThermalRoutesWithoutBoard(router);
  }

  HttpServer server(
      {config.listen, config.plain_http, tls, config.max_body_bytes,
       config.http_threads, config.api_token, &tracer},
      router, http_metrics);
  auto port = server.Bind();
  if (!port.ok()) {
    spdlog::error("config: {}", port.status().message());
    return 2;
  }
  // Only once the port is ours: a daemon refused at start must not
  // truncate the thermal log of the one already serving.
  if (thermal) {
    Status started = thermal->Start();
    if (!started.ok()) {
      spdlog::error("thermal: {}", started.message());
      return 2;
    }
  }
  std::string url = server.scheme() + "://" + UrlHost(config.listen.host) +
                    ":" + std::to_string(*port);
  spdlog::info("http: listening on {} ({}, token {})", url,
               config.plain_http ? "plain HTTP" : "TLS",
               config.api_token.empty() ? "not required" : "required");
  LogHowToCall(config, url);

  std::thread loader([&] {
    Status status = models.LoadDirectory(config.models_dir);
    if (!status.ok()) spdlog::error("models: {}", status.message());
    generation.Load(
        models.env(), config.models_dir,
        {config.intra_op_threads, config.inter_op_threads},
        [&models](const std::string& name) { return models.Find(name); });
  });

  // The handled signals are blocked in every thread (see main), so this
  // thread receives them synchronously and can stop the server cleanly.
  std::atomic<bool> serving{true};
  std::thread signals([&server, &serving, &models, &generation, &config] {
    sigset_t set = HandledSignals();
    int signal_number = 0;
    while (true) {
      sigwait(&set, &signal_number);
      if (!serving) return;  // woken after Serve() ended by itself
      if (signal_number == SIGINT || signal_number == SIGTERM) break;
      if (signal_number == SIGHUP) {
        spdlog::warn(
            "signal: SIGHUP ignored; reloading is not supported, "
            "restart nymphd to apply a new configuration");
      }
    }
    spdlog::info("shutdown: {} received; finishing requests in flight",
                 strsignal(signal_number));
    models.CancelLoading();
    server.Stop();
    // Requests in flight finish within the grace; generations still
    // running after it, or at a second SIGINT/SIGTERM (Ctrl-C twice), are
    // cut short, so that a stop stays within a service manager's timeout
    // (systemd's is 90 s).
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(config.shutdown_grace_s);
    bool again = false;
    while (serving && !again && std::chrono::steady_clock::now() < deadline) {
      const timespec poll = {0, 20'000'000};
      const int next = sigtimedwait(&set, nullptr, &poll);
      again = next == SIGINT || next == SIGTERM;
    }
    if (serving) {
      if (again) {
        spdlog::warn("shutdown: second signal; cutting generations short");
      } else {
        spdlog::warn(
            "shutdown: requests still running after the {} s grace "
            "(server.shutdown_grace_s); cutting generations short",
            config.shutdown_grace_s);
      }
      generation.CutShort();
    }
  });

  server.Serve();
  serving = false;
  // Serve() also returns if accepting failed; the signal thread then still
  // waits and must be woken.
  pthread_kill(signals.native_handle(), kWakeSignal);
  signals.join();
  loader.join();
  if (thermal) thermal->Stop();  // fan to full, thermal log summary
  WriteTraceAtShutdown(config, tracer);
  spdlog::info("shutdown: done");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block before any thread starts so that every thread inherits the mask.
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is not our death

  nymph::CommandLineResult parsed = nymph::ParseCommandLine(argc, argv);
  if (!parsed.config) return parsed.exit_code;
  SetUpLogging(parsed.config->log_level);
  return Run(*parsed.config);
}
