// The board read through Linux hwmon: temperatures, fan and rails from the
// sysfs attributes of hwmon chips (class/hwmon/hwmonN/).
//
// Chips are found by their `name` attribute, never by N, which depends on
// probe order and changes between boots. Units as the kernel's hwmon ABI
// states them: temp*_input m°C, fan*_input RPM, pwm* 0..255, in*_input mV,
// curr*_input mA, power*_input µW.
//
// Fan control: the first SetFanDuty switches pwmN_enable to 1 (manual);
// destruction writes back the pwmN_enable found at Open, so the chip's own
// fan control resumes when the agent stops, and leaves the duty as last
// set (the controller sets full at exit): a chip that was in manual mode
// keeps its fan at full rather than at a duty nobody watches.
//
// Not thread-safe: one controller thread owns a board.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "board/board.h"
#include "board/pmbus.h"

namespace nymph::board {

struct HwmonZone {
  std::string zone;  // "soc", "ambient", ...
  // The chip's `name`, or "name@device" (e.g. "lm75@3-004c") when several
  // chips share the name.
  std::string chip;
  int temp = 1;  // reads tempN_input
};

struct HwmonFan {
  std::string chip;
  int fan = 1;  // fanN_input
  int pwm = 1;  // pwmN, pwmN_enable
};

// Each quantity is read only when its index is set; a plausible range, when
// set, turns a value outside it into a fault.
struct HwmonRail {
  std::string rail;  // "vcore", ...
  std::string chip;
  std::optional<int> volts_in;   // inN_input
  std::optional<int> volts_out;  // inN_input
  std::optional<int> amps_out;   // currN_input
  std::optional<int> watts_out;  // powerN_input
  std::optional<PlausibleRange> volts_in_range;
  std::optional<PlausibleRange> volts_out_range;
  std::optional<PlausibleRange> amps_out_range;
  std::optional<PlausibleRange> watts_out_range;
};

struct HwmonConfig {
  std::filesystem::path sysfs_root = "/sys";
  std::vector<HwmonZone> zones;
  std::optional<HwmonFan> fan;
  std::vector<HwmonRail> rails;
};

class HwmonBoard final : public Board {
 public:
  // Finds every chip the config names. Errors (kUnavailable,
  // "hwmon_chip_missing" or "hwmon_chip_ambiguous") list the chip names
  // present, so the config can be corrected.
  static StatusOr<std::unique_ptr<HwmonBoard>> Open(HwmonConfig config);
  ~HwmonBoard() override;
  HwmonBoard(const HwmonBoard&) = delete;
  HwmonBoard& operator=(const HwmonBoard&) = delete;

  std::string Describe() const override;
  // Never an error: a missing or unreadable attribute is that sensor's
  // fault. A fan reading 0 RPM at a non-zero duty is "stalled".
  StatusOr<BoardReadings> Read() override;
  // Errors: "no_fan" when none is configured, "duty_out_of_range" outside
  // 0..1, "sysfs_write" when the driver refuses.
  Status SetFanDuty(double duty) override;

 private:
  HwmonBoard(HwmonConfig config,
             std::map<std::string, std::filesystem::path> chip_dirs);
  std::filesystem::path Attribute(const std::string& chip,
                                  const std::string& name) const;
  TemperatureReading ReadZone(const HwmonZone& zone) const;
  FanReading ReadFan() const;
  RailReading ReadRail(const HwmonRail& rail) const;
  void RestoreFanControl();

  HwmonConfig config_;
  std::map<std::string, std::filesystem::path> chip_dirs_;  // by chip name
  // What pwmN_enable held at Open; restored if we took control.
  std::optional<int64_t> original_pwm_enable_;
  bool took_fan_control_ = false;
};

}  // namespace nymph::board
