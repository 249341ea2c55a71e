// Daemon configuration: defaults, then the TOML file, then command-line flags.
// A setting that makes no sense is a ConfigError naming the setting and why;
// nymphd turns it into exit status 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nymph {

struct ListenAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 8443;  // 0 picks a free port; the log says which
};

struct Config {
  ListenAddress listen;
  bool plain_http = false;
  std::string tls_cert_file;  // both empty: self-signed in state_dir
  std::string tls_key_file;
  std::string api_token_file;  // else NYMPH_API_TOKEN; else no token
  std::string api_token;       // resolved at load time, never logged
  size_t max_body_bytes = 8u << 20;
  int http_threads = 32;
  // After SIGINT/SIGTERM, how long requests in flight may take before
  // generations still running are cut short (0: at once).
  int shutdown_grace_s = 30;
  std::string models_dir = "models";
  int intra_op_threads = 1;
  int inter_op_threads = 1;
  int generation_max_active = 2;  // sequences decoding at once
  int generation_max_queued = 8;  // waiting beyond those; more get 429
  int64_t kv_capacity_mb = 1024;  // per language model; 0 turns it off
  int kv_block_tokens = 16;
  double kv_max_pinned_fraction = 0.75;
  std::string board_kind = "none";       // sim, mcu, hwmon or none
  std::string mcu_device;                // serial device of the MCU (mcu)
  std::string sysfs_root = "/sys";       // hwmon, cpufreq and devfreq live here
  std::vector<std::string> sim_args;     // extra nymph-boardsim flags (sim)
  std::vector<std::string> hwmon_zones;  // "zone=chip:N" reads tempN_input
  std::string hwmon_fan;                 // "chip:N" for fanN_input, pwmN
  std::string thermal_policy = "active";  // see POST /thermal/schedule
  double thermal_target_c = 60;
  int thermal_period_ms = 1000;
  std::string thermal_log_file;  // empty: no thermal.log
  double thermal_fan_min = 0.25;
  double thermal_fan_max = 1.0;
  std::string state_dir = "/var/lib/nymph";
  std::string log_level = "info";
  // Set: trace from start-up and write this file at shutdown.
  std::string trace_out;
  int trace_max_mb = 64;  // trace size limit; events beyond are dropped
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "HOST:PORT", "[V6]:PORT" or ":PORT". Throws ConfigError.
ListenAddress ParseListenAddress(const std::string& text);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

// Reads TOML text into `config`, overriding only the keys present. `origin`
// names the file in error messages. Unknown keys are errors, so a typo does
// not silently fall back to a default. Throws ConfigError.
void ApplyToml(const std::string& toml_text, const std::string& origin,
               Config& config);

// Checks cross-field rules and resolves the API token (file, then the
// NYMPH_API_TOKEN environment variable). Throws ConfigError.
void FinalizeConfig(Config& config);

}  // namespace nymph
