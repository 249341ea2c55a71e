#include "board/hwmon_board.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <set>
#include <system_error>
#include <vector>

#include "board/sysfs_file.h"

namespace nymph::board {
namespace {

namespace fs = std::filesystem;

struct Chip {
  std::string name;    // its `name` attribute
  std::string device;  // the device it belongs to: "3-004c", "pwm-fan"
  fs::path dir;        // where its attributes are
  std::string Spec() const { return name + "@" + device; }
};

// Every hwmon chip under the root. Kernels before 3.x kept the attributes
// in hwmonN/device/; both appear in the field, so both are looked at. The
// device is the directory above hwmon/hwmonN in the resolved path (the
// I2C address or platform device), which stays the same across boots
// where the N of hwmonN does not.
std::vector<Chip> ListChips(const fs::path& sysfs_root) {
  std::vector<Chip> chips;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(sysfs_root / "class/hwmon", error)) {
    const fs::path resolved = fs::weakly_canonical(entry.path(), error);
    const std::string device =
        error ? "" : resolved.parent_path().parent_path().filename().string();
    for (const fs::path& dir : {entry.path(), entry.path() / "device"}) {
      StatusOr<std::string> name = ReadSysfsText(dir / "name");
      if (name.ok()) {
        chips.push_back({*name, device, dir});
        break;
      }
    }
  }
  return chips;
}

std::string ChipsText(const std::vector<Chip>& chips) {
  if (chips.empty()) return "none";
  std::string text;
  for (const Chip& chip : chips) {
    if (!text.empty()) text += ", ";
    text += chip.Spec() + " (" + chip.dir.string() + ")";
  }
  return text;
}

// Reads an integer attribute scaled to SI units, checking the plausible
// range when one is given. On failure appends to `fault` and returns empty.
std::optional<double> ReadScaled(const fs::path& path, double scale,
                                 const std::string& what,
                                 const std::optional<PlausibleRange>& range,
                                 const char* unit, std::string& fault) {
  StatusOr<int64_t> raw = ReadSysfsInteger(path);
  Status status = raw.ok() ? Status() : raw.status();
  const double value = raw.ok() ? static_cast<double>(*raw) * scale : 0.0;
  if (status.ok() && range) {
    status = CheckRailRange(what, value, *range, unit);
  }
  if (status.ok()) return value;
  if (!fault.empty()) fault += "; ";
  fault += status.message();
  return std::nullopt;
}

}  // namespace

StatusOr<std::unique_ptr<HwmonBoard>> HwmonBoard::Open(HwmonConfig config) {
  std::set<std::string> wanted;
  for (const HwmonZone& zone : config.zones) wanted.insert(zone.chip);
  if (config.fan) wanted.insert(config.fan->chip);
  for (const HwmonRail& rail : config.rails) wanted.insert(rail.chip);

  const std::vector<Chip> chips = ListChips(config.sysfs_root);
  std::map<std::string, fs::path> chip_dirs;
  for (const std::string& spec : wanted) {
    // "name", or "name@device" where several chips share the name.
    const size_t at = spec.find('@');
    const std::string name = spec.substr(0, at);
    std::vector<const Chip*> matches;
    for (const Chip& chip : chips) {
      if (chip.name == name &&
          (at == std::string::npos || chip.device == spec.substr(at + 1))) {
        matches.push_back(&chip);
      }
    }
    if (matches.empty()) {
      return Status(ErrorKind::kUnavailable, "hwmon_chip_missing",
                    "no hwmon chip '" + spec + "' under " +
                        (config.sysfs_root / "class/hwmon").string() +
                        "; chips found (name@device): " + ChipsText(chips) +
                        ". Load its driver or fix the chip in the board "
                        "configuration");
    }
    if (matches.size() > 1) {
      std::string choices;
      for (const Chip* chip : matches) {
        choices += (choices.empty() ? "" : ", ") + chip->Spec();
      }
      return Status(ErrorKind::kUnavailable, "hwmon_chip_ambiguous",
                    std::to_string(matches.size()) +
                        " hwmon chips are named '" + name +
                        "'; name the one meant with its device: " + choices);
    }
    chip_dirs.emplace(spec, matches.front()->dir);
  }
  return std::unique_ptr<HwmonBoard>(
      new HwmonBoard(std::move(config), std::move(chip_dirs)));
}

HwmonBoard::HwmonBoard(HwmonConfig config,
                       std::map<std::string, fs::path> chip_dirs)
    : config_(std::move(config)), chip_dirs_(std::move(chip_dirs)) {
  if (!config_.fan) return;
  const std::string pwm = "pwm" + std::to_string(config_.fan->pwm);
  // Chips whose PWM is always manual have no pwmN_enable.
  StatusOr<int64_t> enable =
      ReadSysfsInteger(Attribute(config_.fan->chip, pwm + "_enable"));
  if (enable.ok()) original_pwm_enable_ = *enable;
}

HwmonBoard::~HwmonBoard() { RestoreFanControl(); }

fs::path HwmonBoard::Attribute(const std::string& chip,
                               const std::string& name) const {
  return chip_dirs_.at(chip) / name;
}

std::string HwmonBoard::Describe() const {
  std::string text = "hwmon under " + config_.sysfs_root.string() + ":";
  for (const auto& [name, dir] : chip_dirs_) {
    text += " " + name + "=" + dir.string();
  }
  return text;
}

TemperatureReading HwmonBoard::ReadZone(const HwmonZone& zone) const {
  TemperatureReading reading;
  reading.zone = zone.zone;
  const std::string file = "temp" + std::to_string(zone.temp) + "_input";
  StatusOr<int64_t> millidegrees = ReadSysfsInteger(Attribute(zone.chip, file));
  if (millidegrees.ok()) {
    reading.celsius = static_cast<double>(*millidegrees) / 1000.0;
  } else {
    reading.fault = millidegrees.status().message();
  }
  return reading;
}

FanReading HwmonBoard::ReadFan() const {
  FanReading reading;
  if (!config_.fan) {
    reading.fault = "no fan is configured for this board";
    return reading;
  }
  const HwmonFan& fan = *config_.fan;
  StatusOr<int64_t> pwm =
      ReadSysfsInteger(Attribute(fan.chip, "pwm" + std::to_string(fan.pwm)));
  if (pwm.ok()) {
    reading.duty = static_cast<double>(*pwm) / 255.0;
  } else {
    reading.fault = pwm.status().message();
  }
  const std::string file = "fan" + std::to_string(fan.fan) + "_input";
  StatusOr<int64_t> rpm = ReadSysfsInteger(Attribute(fan.chip, file));
  if (!rpm.ok()) {
    if (!reading.fault.empty()) reading.fault += "; ";
    reading.fault += rpm.status().message();
  } else if (reading.fault.empty()) {
    // 0 RPM at a non-zero duty may be a fan still spinning up: hwmon has
    // no stall verdict of its own, so SensorCheck times how long it lasts.
    reading.rpm = static_cast<double>(*rpm);
  }
  return reading;
}

RailReading HwmonBoard::ReadRail(const HwmonRail& rail) const {
  RailReading reading;
  reading.rail = rail.rail;
  auto read = [&](const std::optional<int>& index, const char* kind,
                  const char* quantity, double scale,
                  const std::optional<PlausibleRange>& range,
                  const char* unit) -> std::optional<double> {
    if (!index) return std::nullopt;
    const std::string file =
        std::string(kind) + std::to_string(*index) + "_input";
    return ReadScaled(Attribute(rail.chip, file), scale,
                      rail.rail + " " + quantity, range, unit, reading.fault);
  };
  reading.volts_in = read(rail.volts_in, "in", "input voltage", 1e-3,
                          rail.volts_in_range, "V");
  reading.volts_out = read(rail.volts_out, "in", "output voltage", 1e-3,
                           rail.volts_out_range, "V");
  reading.amps_out = read(rail.amps_out, "curr", "output current", 1e-3,
                          rail.amps_out_range, "A");
  reading.watts_out = read(rail.watts_out, "power", "output power", 1e-6,
                           rail.watts_out_range, "W");
  return reading;
}

StatusOr<BoardReadings> HwmonBoard::Read() {
  BoardReadings readings;
  readings.taken = Clock::now();
  for (const HwmonZone& zone : config_.zones) {
    readings.zones.push_back(ReadZone(zone));
  }
  readings.fan = ReadFan();
  for (const HwmonRail& rail : config_.rails) {
    readings.rails.push_back(ReadRail(rail));
  }
  return readings;
}

Status HwmonBoard::SetFanDuty(double duty) {
  if (!config_.fan) {
    return Status(ErrorKind::kUnavailable, "no_fan",
                  "this hwmon board has no fan configured; add one to the "
                  "board configuration to control it");
  }
  if (!(duty >= 0.0 && duty <= 1.0)) {
    return Status(
        ErrorKind::kUnprocessable, "duty_out_of_range",
        "fan duty must be between 0 and 1, got " + std::to_string(duty));
  }
  const HwmonFan& fan = *config_.fan;
  const std::string pwm = "pwm" + std::to_string(fan.pwm);
  if (!took_fan_control_ && original_pwm_enable_ != 1) {
    // The duty written below only holds in manual mode.
    Status manual = WriteSysfsText(Attribute(fan.chip, pwm + "_enable"), "1");
    if (!manual.ok()) return manual;
  }
  took_fan_control_ = true;
  return WriteSysfsText(Attribute(fan.chip, pwm),
                        std::to_string(std::lround(duty * 255.0)));
}

void HwmonBoard::RestoreFanControl() {
  if (!took_fan_control_ || !original_pwm_enable_) return;
  // Only the mode goes back; the duty stays what the agent set last (full
  // at exit), so a chip that was in manual mode is not left at a low duty
  // with nobody watching its temperature.
  const std::string name = "pwm" + std::to_string(config_.fan->pwm) + "_enable";
  Status status = WriteSysfsText(Attribute(config_.fan->chip, name),
                                 std::to_string(*original_pwm_enable_));
  if (!status.ok()) {
    spdlog::warn("hwmon: fan control not handed back: {}", status.message());
  }
}

}  // namespace nymph::board
