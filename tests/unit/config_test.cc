#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/command_line.h"

namespace nymph {
namespace {

TEST(ParseListenAddress, HostPortAndIpv6Brackets) {
  ListenAddress v4 = ParseListenAddress("127.0.0.1:8443");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8443);
  ListenAddress v6 = ParseListenAddress("[::1]:0");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
  EXPECT_EQ(ParseListenAddress(":9000").host, "0.0.0.0");
}

TEST(ParseListenAddress, BadInput_ThrowsConfigError) {
  EXPECT_THROW(ParseListenAddress("localhost"), ConfigError);
  EXPECT_THROW(ParseListenAddress("1.2.3.4:70000"), ConfigError);
  EXPECT_THROW(ParseListenAddress("1.2.3.4:http"), ConfigError);
  EXPECT_THROW(ParseListenAddress("::1:8443"), ConfigError);
}

TEST(IsLoopbackHost, OnlyLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.8.9.10"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

TEST(ApplyToml, SetsOnlyGivenKeys) {
  Config config;
  ApplyToml(
      "[server]\nlisten = \"127.0.0.1:9000\"\nmax_body_bytes = 4096\n"
      "[models]\ndir = \"/m\"\nintra_op_threads = 2\n",
      "test.toml", config);
  EXPECT_EQ(config.listen.port, 9000);
  EXPECT_EQ(config.max_body_bytes, 4096u);
  EXPECT_EQ(config.models_dir, "/m");
  EXPECT_EQ(config.intra_op_threads, 2);
  EXPECT_EQ(config.inter_op_threads, Config().inter_op_threads);
  EXPECT_FALSE(config.plain_http);
}

TEST(ApplyToml, UnknownKeyWrongTypeOrRange_NamesTheSetting) {
  Config config;
  try {
    ApplyToml("[server]\nlisten_adress = \"x\"\n", "a.toml", config);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "a.toml: server.listen_adress: unknown setting");
  }
  EXPECT_THROW(ApplyToml("[server]\nhttp = \"yes\"\n", "a", config),
               ConfigError);
  EXPECT_THROW(ApplyToml("[server]\nthreads = 0\n", "a", config), ConfigError);
  EXPECT_THROW(ApplyToml("[server]\nshutdown_grace_s = -1\n", "a", config),
               ConfigError);
  ApplyToml("[server]\nshutdown_grace_s = 5\n", "a", config);
  EXPECT_EQ(config.shutdown_grace_s, 5);
  EXPECT_THROW(ApplyToml("server = 1\n", "a", config), ConfigError);
  EXPECT_THROW(ApplyToml("[server\n", "a", config), ConfigError);
}

TEST(FinalizeConfig, NonLoopbackWithoutToken_Fails) {
  unsetenv("NYMPH_API_TOKEN");
  Config config;
  config.listen = ParseListenAddress("0.0.0.0:8443");
  EXPECT_THROW(FinalizeConfig(config), ConfigError);
  setenv("NYMPH_API_TOKEN", "0123456789abcdef0123", 1);
  Config with_env;
  with_env.listen = config.listen;
  EXPECT_NO_THROW(FinalizeConfig(with_env));
  EXPECT_EQ(with_env.api_token, "0123456789abcdef0123");
  unsetenv("NYMPH_API_TOKEN");
}

TEST(FinalizeConfig, GenerationQueueMustLeaveSpareHttpThreads) {
  Config config;
  config.http_threads = 16;
  config.generation_max_active = 4;
  config.generation_max_queued = 8;  // 12 = 16 - 4: allowed
  EXPECT_NO_THROW(FinalizeConfig(config));
  config.generation_max_queued = 9;
  EXPECT_THROW(FinalizeConfig(config), ConfigError);
}

TEST(FinalizeConfig, ShortTokenAndHalfTlsAndBadLevel_Fail) {
  Config short_token;
  short_token.api_token = "abc";
  setenv("NYMPH_API_TOKEN", "abc", 1);
  EXPECT_THROW(FinalizeConfig(short_token), ConfigError);
  unsetenv("NYMPH_API_TOKEN");
  Config half_tls;
  half_tls.tls_cert_file = "cert.pem";
  EXPECT_THROW(FinalizeConfig(half_tls), ConfigError);
  Config level;
  level.log_level = "verbose";
  EXPECT_THROW(FinalizeConfig(level), ConfigError);
}

CommandLineResult Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "nymphd");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseCommandLine, FlagsOverrideTheConfigFile) {
  char dir[] = "/tmp/nymph-config-test-XXXXXX";
  std::string path = std::string(mkdtemp(dir)) + "/flags.toml";
  std::ofstream(path) << "[server]\nlisten = \"127.0.0.1:1111\"\n"
                         "[models]\ndir = \"/from-file\"\n";
  CommandLineResult result =
      Parse({"--config", path, "--listen", "127.0.0.1:2222", "--http"});
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->listen.port, 2222);
  EXPECT_TRUE(result.config->plain_http);
  EXPECT_EQ(result.config->models_dir, "/from-file");
}

TEST(ParseCommandLine, TraceOutFlagOverridesTheTraceTable) {
  char dir[] = "/tmp/nymph-config-test-XXXXXX";
  std::string path = std::string(mkdtemp(dir)) + "/trace.toml";
  std::ofstream(path) << "[trace]\nout = \"/from-file.perfetto\"\n"
                         "max_mb = 8\n";
  CommandLineResult from_file = Parse({"--config", path});
  ASSERT_TRUE(from_file.config);
  EXPECT_EQ(from_file.config->trace_out, "/from-file.perfetto");
  EXPECT_EQ(from_file.config->trace_max_mb, 8);
  CommandLineResult flagged =
      Parse({"--config", path, "--trace-out", "/flag.perfetto"});
  ASSERT_TRUE(flagged.config);
  EXPECT_EQ(flagged.config->trace_out, "/flag.perfetto");
  Config config;
  EXPECT_THROW(ApplyToml("[trace]\nmax_mb = 0\n", "a", config), ConfigError);
}

TEST(ParseCommandLine, HelpIsZeroAndErrorsAreTwo) {
  EXPECT_EQ(Parse({"--help"}).exit_code, 0);
  EXPECT_EQ(Parse({"--bogus"}).exit_code, 2);
  EXPECT_EQ(Parse({"--listen", "nonsense"}).exit_code, 2);
  EXPECT_EQ(Parse({"--config", "/does/not/exist.toml"}).exit_code, 2);
  EXPECT_FALSE(Parse({"--log-level", "loud"}).config);
}

TEST(ApplyToml, BoardAndThermalTables) {
  Config config;
  ApplyToml(
      "[board]\nkind = \"mcu\"\nmcu_device = \"/dev/ttyS3\"\n"
      "sysfs_root = \"/tmp/sys\"\n"
      "[thermal]\npolicy = \"quiet\"\ntarget_c = 55\nperiod_ms = 250\n"
      "log_file = \"dist/thermal.log\"\nfan_min = 0.3\nfan_max = 0.9\n",
      "t.toml", config);
  EXPECT_EQ(config.board_kind, "mcu");
  EXPECT_EQ(config.mcu_device, "/dev/ttyS3");
  EXPECT_EQ(config.sysfs_root, "/tmp/sys");
  EXPECT_EQ(config.thermal_policy, "quiet");
  EXPECT_EQ(config.thermal_target_c, 55.0);
  EXPECT_EQ(config.thermal_period_ms, 250);
  EXPECT_EQ(config.thermal_log_file, "dist/thermal.log");
  EXPECT_EQ(config.thermal_fan_min, 0.3);
  EXPECT_EQ(config.thermal_fan_max, 0.9);
  EXPECT_NO_THROW(FinalizeConfig(config));
}

TEST(ApplyToml, ThermalOutOfRange_NamesTheSetting) {
  Config config;
  // The design ambient is 35 °C and the budget 25 °C above it.
  EXPECT_THROW(ApplyToml("[thermal]\ntarget_c = 61\n", "t", config),
               ConfigError);
  EXPECT_THROW(ApplyToml("[thermal]\nperiod_ms = 1\n", "t", config),
               ConfigError);
  EXPECT_THROW(ApplyToml("[thermal]\nfan_max = 2\n", "t", config), ConfigError);
  try {
    ApplyToml("[thermal]\ntarget_c = \"hot\"\n", "t", config);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("thermal.target_c"),
              std::string::npos);
  }
}

TEST(FinalizeConfig, BoardKindPolicyAndFanOrder_Checked) {
  Config kind;
  kind.board_kind = "usb";
  EXPECT_THROW(FinalizeConfig(kind), ConfigError);
  Config mcu;
  mcu.board_kind = "mcu";
  EXPECT_THROW(FinalizeConfig(mcu), ConfigError) << "needs --mcu-device";
  Config policy;
  policy.thermal_policy = "turbo";
  EXPECT_THROW(FinalizeConfig(policy), ConfigError);
  Config fans;
  fans.thermal_fan_min = 0.8;
  fans.thermal_fan_max = 0.5;
  EXPECT_THROW(FinalizeConfig(fans), ConfigError);
  Config stall;
  stall.thermal_fan_min = 0.1;  // the blower stops below about 0.2
  EXPECT_THROW(FinalizeConfig(stall), ConfigError);
}

TEST(ParseCommandLine, BoardFlags) {
  CommandLineResult result =
      Parse({"--board", "mcu", "--mcu-device", "/dev/pts/7"});
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->board_kind, "mcu");
  EXPECT_EQ(result.config->mcu_device, "/dev/pts/7");
  EXPECT_EQ(Parse({"--board", "toaster"}).exit_code, 2);
}

}  // namespace
}  // namespace nymph
