#include "config/command_line.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace nymph {
namespace {

constexpr const char* kDescription =
    "nymphd: the agent daemon of the Nymph accelerator card.\n"
    "Serves ONNX models over HTTPS (POST /infer, GET /models), text\n"
    "generation (POST /v1/completions) with a paged KV cache and pinned\n"
    "regions (/kv/pin, /kv/regions, /kv/stats), thermal control of the card\n"
    "(/thermal/status, /thermal/schedule), Perfetto traces (/trace/start,\n"
    "/trace/stop), /health, /ready and /metrics.\n"
    "Settings come from defaults, then --config FILE (TOML), then these\n"
    "flags.\n";

constexpr const char* kFooter =
    "\nConfig file (all keys optional):\n"
    "  [server] listen = \"127.0.0.1:8443\"  http = false\n"
    "           tls_cert = \"\"  tls_key = \"\"  api_token_file = \"\"\n"
    "           max_body_bytes = 8388608  threads = 32  shutdown_grace_s = 30\n"
    "  [models] dir = \"models\"  intra_op_threads = 1  inter_op_threads = 1\n"
    "  [generation] max_active = 2  max_queued = 8\n"
    "  [kv]     capacity_mb = 1024 (per language model; 0 = no cache)\n"
    "           block_tokens = 16  max_pinned_fraction = 0.75\n"
    "  [board]  kind = \"none\" (sim, mcu, hwmon, none)  mcu_device = \"\"\n"
    "           sysfs_root = \"/sys\"  sim_args = [] (nymph-boardsim flags)\n"
    "           hwmon_zones = [\"soc=chip:1\", ...]  hwmon_fan = \"chip:1\"\n"
    "  [thermal] policy = \"active\"  target_c = 60.0  period_ms = 1000\n"
    "           log_file = \"\"  fan_min = 0.25  fan_max = 1.0\n"
    "  [state]  dir = \"/var/lib/nymph\"\n"
    "  [log]    level = \"info\"\n"
    "  [trace]  out = \"\"  max_mb = 64\n"
    "\nThe API token may also come from the NYMPH_API_TOKEN environment\n"
    "variable. It is required when listening beyond loopback.\n"
    "Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 2 on a usage or\n"
    "configuration error, 1 on a failure at run time.\n";

std::string ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in || !std::filesystem::is_regular_file(path)) {
    throw ConfigError("--config " + path + ": not a readable file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CommandLineResult ParseCommandLine(int argc, char** argv) {
  CLI::App app{kDescription, "nymphd"};
  app.footer(kFooter);
  // As with most Unix tools, a repeated flag takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string config_file, listen, models, state_dir, token_file, log_level,
      trace_out;
  std::string board, mcu_device, thermal_log;
  bool http = false;
  app.add_option("--config", config_file, "TOML configuration file");
  app.add_option("--listen", listen,
                 "address to listen on, HOST:PORT (default 127.0.0.1:8443; "
                 "port 0 picks a free one)");
  app.add_flag("--http", http, "serve plain HTTP instead of HTTPS");
  app.add_option("--models", models,
                 "directory of .onnx models (default ./models)");
  app.add_option("--state-dir", state_dir,
                 "directory for the self-signed certificate and other state "
                 "(default /var/lib/nymph)");
  app.add_option("--api-token-file", token_file,
                 "file holding the bearer token clients must send");
  app.add_option("--trace-out", trace_out,
                 "record a Perfetto trace from start-up and write it to "
                 "FILE at shutdown (open it in ui.perfetto.dev)");
  app.add_option("--board", board,
                 "the card's sensors and fan: sim (nymph-boardsim), mcu, "
                 "hwmon or none (default none)");
  app.add_option("--thermal-log", thermal_log,
                 "write one line per control period and a summary with the "
                 "measured delta T to FILE (thermal.log_file)");
  app.add_option("--mcu-device", mcu_device,
                 "serial device of the MCU, for --board mcu");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error, critical or off "
                 "(default info)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {std::nullopt, app.exit(e)};
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return {std::nullopt, 2};
  }

  try {
    Config config;
    if (!config_file.empty()) {
      ApplyToml(ReadConfigFile(config_file), config_file, config);
    }
    if (!listen.empty()) config.listen = ParseListenAddress(listen);
    if (http) config.plain_http = true;
    if (!models.empty()) config.models_dir = models;
    if (!state_dir.empty()) config.state_dir = state_dir;
    if (!token_file.empty()) config.api_token_file = token_file;
    if (!log_level.empty()) config.log_level = log_level;
    if (!trace_out.empty()) config.trace_out = trace_out;
    if (!board.empty()) config.board_kind = board;
    if (!mcu_device.empty()) config.mcu_device = mcu_device;
    if (!thermal_log.empty()) config.thermal_log_file = thermal_log;
    FinalizeConfig(config);
    return {std::move(config), 0};
  } catch (const ConfigError& e) {
    std::cerr << "nymphd: configuration error: " << e.what() << "\n";
    return {std::nullopt, 2};
  }
}

}  // namespace nymph
