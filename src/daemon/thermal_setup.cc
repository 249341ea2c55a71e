#include "daemon/thermal_setup.h"

#include <filesystem>
#include <mutex>

namespace nymph {
namespace {

// Decode steps per second over the span between two calls: the outlook's
// measure of how hard generation is working now.
class DecodeRate {
 public:
  explicit DecodeRate(GenerationService& generation)
      : generation_(generation) {}

  thermal::WorkOutlook Outlook(int max_active) {
    GenerationService::Outlook now = generation_.outlook();
    const auto at = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    double rate = last_rate_;
    if (last_at_) {
      const double seconds =
          std::chrono::duration<double>(at - *last_at_).count();
      if (seconds > 0) rate = double(now.decode_steps - last_steps_) / seconds;
    }
    last_at_ = at;
    last_steps_ = now.decode_steps;
    last_rate_ = rate;
    return {now.active, now.queued, rate, max_active};
  }

 private:
  GenerationService& generation_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> last_at_;
  uint64_t last_steps_ = 0;
  double last_rate_ = 0;
};

}  // namespace

std::unique_ptr<thermal::ThermalController> MakeThermalController(
    const Config& config, BoardSetup& board, GenerationService& generation) {
  if (!board.board) return nullptr;
  thermal::PolicySettings settings;
  settings.policy = *thermal::ParsePolicy(config.thermal_policy);
  settings.target_c = config.thermal_target_c;
  settings.fan_min = config.thermal_fan_min;
  settings.fan_max = config.thermal_fan_max;
  thermal::ControllerOptions options;
  options.period = std::chrono::milliseconds(config.thermal_period_ms);
  options.log_file = config.thermal_log_file;
  options.time_scale = board.time_scale;
  options.model_file =
      (std::filesystem::path(config.state_dir) / "thermal" / "model.json")
          .string();
  // The card as configured: what it is reached through may be renamed.
  options.model_board = "board " + config.board_kind;
  if (config.board_kind == "hwmon") {
    for (const std::string& zone : config.hwmon_zones) {
      options.model_board += " " + zone;
    }
    options.model_board += " fan " + config.hwmon_fan;
  }
  thermal::ControllerHooks hooks;
  if (board.caps) {
    board::FrequencyCaps* caps = board.caps.get();
    hooks.dvfs = [caps](double fraction) { return caps->SetCap(fraction); };
  }
  hooks.throttle = [&generation](double fraction) {
    generation.SetWorkFraction(fraction);
  };
  auto rate = std::make_shared<DecodeRate>(generation);
  const int max_active = config.generation_max_active;
  hooks.outlook = [rate, max_active] { return rate->Outlook(max_active); };
  return std::make_unique<thermal::ThermalController>(*board.board, settings,
                                                      options, hooks);
}

}  // namespace nymph
