#include "config/config.h"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <toml.hpp>

#include "thermal/policy.h"

namespace nymph {
namespace {

[[noreturn]] void Fail(const std::string& setting, const std::string& why) {
  throw ConfigError(setting + ": " + why);
}

int64_t IntIn(const toml::value& v, const std::string& name, int64_t lo,
              int64_t hi) {
  if (!v.is_integer()) Fail(name, "expected an integer");
  int64_t n = v.as_integer();
  if (n < lo || n > hi) {
    Fail(name, "must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi) + ", got " + std::to_string(n));
  }
  return n;
}

std::string Str(const toml::value& v, const std::string& name) {
  if (!v.is_string()) Fail(name, "expected a string");
  return v.as_string().str;
}

bool Bool(const toml::value& v, const std::string& name) {
  if (!v.is_boolean()) Fail(name, "expected true or false");
  return v.as_boolean();
}

double FractionIn(const toml::value& v, const std::string& name) {
  if (!v.is_floating() && !v.is_integer()) Fail(name, "expected a number");
  double x = v.is_floating() ? v.as_floating() : double(v.as_integer());
  if (!(x >= 0.0 && x <= 1.0)) Fail(name, "must be between 0 and 1");
  return x;
}

std::vector<std::string> StrList(const toml::value& v,
                                 const std::string& name) {
  if (!v.is_array()) Fail(name, "expected an array of strings");
  std::vector<std::string> list;
  for (const toml::value& item : v.as_array()) list.push_back(Str(item, name));
  return list;
}

double NumberIn(const toml::value& v, const std::string& name, double lo,
                double hi) {
  if (!v.is_floating() && !v.is_integer()) Fail(name, "expected a number");
  double x = v.is_floating() ? v.as_floating() : double(v.as_integer());
  if (!(x >= lo && x <= hi)) {
    Fail(name, fmt::format("must be between {} and {}, got {}", lo, hi, x));
  }
  return x;
}

using KeySetter = void (*)(const toml::value&, const std::string& name,
                           Config&);

// Every accepted key, by "table.key". Kept as one table so the accepted
// settings are visible in one place and unknown keys can be rejected.
const std::map<std::string, KeySetter>& Setters() {
  static const std::map<std::string, KeySetter> setters = {
      {"server.listen",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.listen = ParseListenAddress(Str(v, n));
       }},
      {"server.http", [](const toml::value& v, const std::string& n,
                         Config& c) { c.plain_http = Bool(v, n); }},
      {"server.tls_cert", [](const toml::value& v, const std::string& n,
                             Config& c) { c.tls_cert_file = Str(v, n); }},
      {"server.tls_key", [](const toml::value& v, const std::string& n,
                            Config& c) { c.tls_key_file = Str(v, n); }},
      {"server.api_token_file",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.api_token_file = Str(v, n);
       }},
      {"server.max_body_bytes",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.max_body_bytes = IntIn(v, n, 1024, int64_t{1} << 32);
       }},
      {"server.threads",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.http_threads = static_cast<int>(IntIn(v, n, 1, 256));
       }},
      {"server.shutdown_grace_s",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.shutdown_grace_s = static_cast<int>(IntIn(v, n, 0, 3600));
       }},
      {"models.dir", [](const toml::value& v, const std::string& n,
                        Config& c) { c.models_dir = Str(v, n); }},
      {"models.intra_op_threads",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.intra_op_threads = static_cast<int>(IntIn(v, n, 0, 256));
       }},
      {"models.inter_op_threads",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.inter_op_threads = static_cast<int>(IntIn(v, n, 0, 256));
       }},
      {"generation.max_active",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.generation_max_active = static_cast<int>(IntIn(v, n, 1, 256));
       }},
      {"generation.max_queued",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.generation_max_queued = static_cast<int>(IntIn(v, n, 0, 4096));
       }},
      {"kv.capacity_mb",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.kv_capacity_mb = IntIn(v, n, 0, 1 << 20);
       }},
      {"kv.block_tokens",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.kv_block_tokens = static_cast<int>(IntIn(v, n, 1, 4096));
       }},
      {"kv.max_pinned_fraction",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.kv_max_pinned_fraction = FractionIn(v, n);
       }},
      {"board.kind", [](const toml::value& v, const std::string& n,
                        Config& c) { c.board_kind = Str(v, n); }},
      {"board.mcu_device", [](const toml::value& v, const std::string& n,
                              Config& c) { c.mcu_device = Str(v, n); }},
      {"board.sysfs_root", [](const toml::value& v, const std::string& n,
                              Config& c) { c.sysfs_root = Str(v, n); }},
      {"board.sim_args", [](const toml::value& v, const std::string& n,
                            Config& c) { c.sim_args = StrList(v, n); }},
      {"board.hwmon_zones", [](const toml::value& v, const std::string& n,
                               Config& c) { c.hwmon_zones = StrList(v, n); }},
      {"board.hwmon_fan", [](const toml::value& v, const std::string& n,
                             Config& c) { c.hwmon_fan = Str(v, n); }},
      {"thermal.policy", [](const toml::value& v, const std::string& n,
                            Config& c) { c.thermal_policy = Str(v, n); }},
      {"thermal.target_c",
       [](const toml::value& v, const std::string& n, Config& c) {
         thermal::TargetRange range =
             thermal::SafeTargetRange(thermal::kDesignAmbientC);
         c.thermal_target_c = NumberIn(v, n, range.min_c, range.max_c);
       }},
      {"thermal.period_ms",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.thermal_period_ms = static_cast<int>(IntIn(v, n, 10, 60000));
       }},
      {"thermal.log_file", [](const toml::value& v, const std::string& n,
                              Config& c) { c.thermal_log_file = Str(v, n); }},
      {"thermal.fan_min",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.thermal_fan_min = FractionIn(v, n);
       }},
      {"thermal.fan_max",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.thermal_fan_max = FractionIn(v, n);
       }},
      {"state.dir", [](const toml::value& v, const std::string& n,
                       Config& c) { c.state_dir = Str(v, n); }},
      {"log.level", [](const toml::value& v, const std::string& n,
                       Config& c) { c.log_level = Str(v, n); }},
      {"trace.out", [](const toml::value& v, const std::string& n,
                       Config& c) { c.trace_out = Str(v, n); }},
      {"trace.max_mb",
       [](const toml::value& v, const std::string& n, Config& c) {
         c.trace_max_mb = static_cast<int>(IntIn(v, n, 1, 4096));
       }},
  };
  return setters;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trim(const std::string& s) {
  const char* space = " \t\r\n";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

}  // namespace

ListenAddress ParseListenAddress(const std::string& text) {
  const std::string setting = "listen address '" + text + "'";
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) Fail(setting, "expected HOST:PORT");
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    Fail(setting, "write IPv6 addresses in brackets, e.g. [::1]:8443");
  }
  if (host.empty()) host = "0.0.0.0";
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    Fail(setting, "port must be a number from 0 to 65535");
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

void ApplyToml(const std::string& toml_text, const std::string& origin,
               Config& config) {
  toml::value root;
  try {
    std::istringstream stream(toml_text);
    root = toml::parse(stream, origin);
  } catch (const std::exception& e) {
    throw ConfigError(origin + ": not valid TOML: " + e.what());
  }
  for (const auto& [table_name, table] : root.as_table()) {
    if (!table.is_table()) {
      Fail(origin + ": " + table_name,
           "expected a table such as [server] or [models]");
    }
    for (const auto& [key, value] : table.as_table()) {
      std::string name = table_name + "." + key;
      auto setter = Setters().find(name);
      if (setter == Setters().end()) {
        Fail(origin + ": " + name, "unknown setting");
      }
      setter->second(value, origin + ": " + name, config);
    }
  }
}

void FinalizeConfig(Config& config) {
  static const char* levels[] = {"trace", "debug",    "info", "warn",
                                 "error", "critical", "off"};
  bool known_level = false;
  for (const char* level : levels) known_level |= config.log_level == level;
  if (!known_level) {
    Fail("log level '" + config.log_level + "'",
         "use one of trace, debug, info, warn, error, critical, off");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    Fail("tls_cert/tls_key",
         "give both files, or neither for a self-signed "
         "certificate");
  }
  if (!config.api_token_file.empty()) {
    std::string token = Trim(ReadFile(config.api_token_file));
    if (token.empty()) {
      Fail("api token file '" + config.api_token_file + "'",
           "missing, unreadable or empty");
    }
    config.api_token = token;
  } else if (const char* env = std::getenv("NYMPH_API_TOKEN")) {
    config.api_token = Trim(env);
  }
  if (!config.api_token.empty() && config.api_token.size() < 16) {
    Fail("api token", "use at least 16 characters");
  }
  if (!IsLoopbackHost(config.listen.host) && config.api_token.empty()) {
    Fail("listen address " + config.listen.host,
         "is beyond loopback, so an API token is required: set "
         "--api-token-file or NYMPH_API_TOKEN");
  }
  if (config.models_dir.empty()) Fail("models dir", "must not be empty");
  // A waiting or running generation holds an HTTP worker thread; without
  // spare threads, /health and the 429 answers themselves would queue.
  const int spare = 4;
  if (config.generation_max_active + config.generation_max_queued >
      config.http_threads - spare) {
    Fail("generation.max_active + generation.max_queued",
         "must leave at least " + std::to_string(spare) +
             " of server.threads (" + std::to_string(config.http_threads) +
             ") free; raise server.threads or lower the queue");
  }
  if (config.state_dir.empty()) Fail("state dir", "must not be empty");
  const std::string kinds[] = {"sim", "mcu", "hwmon", "none"};
  if (std::find(std::begin(kinds), std::end(kinds), config.board_kind) ==
      std::end(kinds)) {
    Fail("board '" + config.board_kind + "'", "use sim, mcu, hwmon or none");
  }
  if (config.board_kind == "mcu" && config.mcu_device.empty()) {
    Fail("board mcu", "needs the MCU's serial device: set --mcu-device");
  }
  if (!thermal::ParsePolicy(config.thermal_policy)) {
    Fail("thermal.policy '" + config.thermal_policy + "'",
         "use one of " + thermal::PolicyNames());
  }
  if (config.thermal_fan_min < thermal::kFanMinFloor) {
    Fail("thermal.fan_min",
         "must be at least 0.2: below it the fan stops "
         "turning");
  }
  if (config.thermal_fan_min > config.thermal_fan_max) {
    Fail("thermal.fan_min", "must not exceed thermal.fan_max");
  }
}

}  // namespace nymph
