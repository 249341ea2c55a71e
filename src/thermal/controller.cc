#include "thermal/controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "thermal/model_store.h"

namespace nymph::thermal {
namespace {

// How often the identified model is saved besides at Stop, so that a
// crash loses at most this many periods of identification.
constexpr uint64_t kModelSavePeriods = 300;

double Seconds(board::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) {
    joined += (joined.empty() ? "" : "; ") + part;
  }
  return joined;
}

// The hottest zone other than ambient, and ambient, from trusted readings.
struct Hottest {
  std::string zone;
  double celsius = 0;
  std::optional<double> ambient_c;
};

std::optional<Hottest> FindHottest(const board::BoardReadings& readings) {
  std::optional<Hottest> hottest;
  std::optional<double> ambient;
  for (const auto& zone : readings.zones) {
    if (!zone.celsius) continue;
    if (zone.zone == "ambient") {
      ambient = zone.celsius;
    } else if (!hottest || *zone.celsius > hottest->celsius) {
      hottest = Hottest{zone.zone, *zone.celsius, std::nullopt};
    }
  }
  if (hottest) hottest->ambient_c = ambient;
  return hottest;
}

SensorLimits WithTimeScale(SensorLimits limits, double time_scale) {
  limits.time_scale = time_scale;
  return limits;
}

}  // namespace

Status SetFanSafe(board::Board& board) { return board.SetFanDuty(1.0); }

ThermalController::ThermalController(board::Board& board,
                                     const PolicySettings& settings,
                                     const ControllerOptions& options,
                                     ControllerHooks hooks)
    : board_(board),
      options_(options),
      hooks_(std::move(hooks)),
      description_(board.Describe()),
      policy_(settings, options.tuning),
      check_(WithTimeScale(options.limits, options.time_scale)) {
  snapshot_.board = description_;
  snapshot_.settings = settings;
  snapshot_.schedule.reason = "not started";
  RestoreModel();
}

std::string ThermalController::ModelBoard() const {
  return options_.model_board.empty() ? description_ : options_.model_board;
}

void ThermalController::RestoreModel() {
  if (options_.model_file.empty()) return;
  auto saved = LoadThermalModel(options_.model_file, ModelBoard());
  if (!saved.ok()) {
    if (saved.status().kind() != ErrorKind::kNotFound) {
      spdlog::warn("thermal: {}", saved.status().message());
    }
    return;
  }
  policy_.RestoreModel(*saved);
  spdlog::info(
      "thermal: model restored from {} ({} samples; {:.0f} J/K, {:.2f} K/W "
      "with the fan off, {:.2f} K/W at full fan)",
      options_.model_file, saved->samples, 1 / saved->params.a,
      saved->params.a / saved->params.b,
      saved->params.a / (saved->params.b + saved->params.c));
}

void ThermalController::SaveModel() {
  const ThermalModel::State state = policy_.model().state();
  if (options_.model_file.empty() || state.samples == 0) return;
  Status saved = SaveThermalModel(options_.model_file, ModelBoard(), state);
  if (!saved.ok()) {
    spdlog::warn("thermal: the identified model is not kept: {}",
                 saved.message());
  }
}

ThermalController::~ThermalController() { Stop(); }

Status ThermalController::OpenLog() {
  if (options_.log_file.empty()) return Status();
  std::lock_guard lock(control_mutex_);
  return log_.Open(
      options_.log_file,
      fmt::format(
          "nymph thermal log: board {}; period {} ms; fan energy "
          "estimate {:.1f} W x duty^3; delta_t = hottest zone - "
          "ambient, budget {:.0f} C",
          description_,
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.period)
              .count(),
          options_.fan_full_watts, kDeltaTBudgetC));
}

Status ThermalController::Start() {
  Status opened = OpenLog();
  if (!opened.ok()) return opened;
  Status fan = SetFanSafe(board_);
  if (!fan.ok()) {
    spdlog::warn("thermal: cannot set the fan to full at start: {}",
                 fan.message());
  }
  spdlog::info(
      "thermal: controlling {} every {} ms{}, policy {}, target {:.1f} "
      "°C",
      description_,
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.period)
          .count(),
      options_.time_scale == 1
          ? std::string()
          : fmt::format(" ({:g} s of the card's time each)",
                        Seconds(options_.period) * options_.time_scale),
      PolicyName(policy_.settings().policy), policy_.settings().target_c);
  thread_ = std::thread([this] { Run(); });
  return Status();
}

void ThermalController::Run() {
  auto next = board::Clock::now();
  std::unique_lock lock(run_mutex_);
  while (!stop_) {
    lock.unlock();
    Step(board::Clock::now());
    lock.lock();
    next += options_.period;
    // After a long stall (a suspended process), skip missed periods
    // instead of running them back to back.
    auto now = board::Clock::now();
    if (next < now) next = now + options_.period;
    wake_.wait_until(lock, next, [this] { return stop_; });
  }
}

void ThermalController::Stop() {
  {
    std::lock_guard lock(run_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  Finish();
}

void ThermalController::Finish() {
  std::lock_guard lock(control_mutex_);
  if (finished_) return;
  finished_ = true;
  SaveModel();
  Status fan = SetFanSafe(board_);
  if (!fan.ok()) {
    spdlog::warn("thermal: cannot set the fan to full on exit: {}",
                 fan.message());
  }
  log_.WriteSummary(delta_t_, counters_);
  if (counters_.periods > 0) {
    spdlog::info(
        "thermal: {} periods, delta T mean {:.1f} max {:.1f} °C, {} "
        "failsafe entries, fan energy about {:.0f} J (from the duty)",
        counters_.periods, delta_t_.mean_c(), delta_t_.max_c(),
        counters_.failsafe_entries, counters_.fan_energy_estimate_j);
  }
}

ThermalSchedule ThermalController::FailsafeSchedule(
    const std::string& reason) const {
  return {1.0, options_.failsafe_perf_cap, options_.failsafe_work_fraction,
          "failsafe: " + reason};
}

// TODO: a fan at rest needs more duty to start than to keep turning
// (nymph-boardsim: 0.30 against 0.20), and nothing here kicks it: fan_min
// 0.25 sent to a fan still stopped at power-on leaves it stopped and trips
// the stall failsafe (about one start in sixteen on the simulator) until
// failsafe's full duty starts it.
void ThermalController::ApplySchedule(const ThermalSchedule& schedule) {
  std::string errors;
  Status fan = board_.SetFanDuty(schedule.fan_duty);
  if (fan.ok()) {
    commanded_duty_ = schedule.fan_duty;
  } else {
    errors = "fan: " + fan.message();
  }
  if (hooks_.dvfs) {
    Status dvfs = hooks_.dvfs(schedule.perf_cap);
    if (!dvfs.ok()) errors += (errors.empty() ? "" : "; ") + dvfs.message();
  }
  if (hooks_.throttle) hooks_.throttle(schedule.work_fraction);
  // Once per change, not every period.
  if (errors != last_apply_error_) {
    if (errors.empty()) {
      spdlog::info("thermal: actuators respond again");
    } else {
      spdlog::error("thermal: cannot apply the schedule: {}", errors);
    }
    last_apply_error_ = errors;
  }
}

void ThermalController::Step(board::Clock::time_point now) {
  std::lock_guard lock(control_mutex_);
  if (!start_) start_ = now;
  // In the card's seconds from here on (ControllerOptions::time_scale).
  const double scale = options_.time_scale;
  double dt =
      last_step_ ? Seconds(now - *last_step_) : Seconds(options_.period);
  if (dt <= 0) dt = Seconds(options_.period);
  dt *= scale;
  last_step_ = now;
  const double elapsed_s = Seconds(now - *start_) * scale;

  StatusOr<board::BoardReadings> read = board_.Read();
  if (!read.ok()) counters_.read_errors++;
  std::vector<std::string> faults = check_.Check(read, now, commanded_duty_);
  std::optional<Hottest> hottest;
  std::optional<double> power;
  if (read.ok()) {
    hottest = FindHottest(*read);
    power = RailPowerW(*read);
    if (!hottest && faults.empty()) {
      faults.push_back("no temperature zone reported");
    }
    if (hottest && hottest->ambient_c) last_ambient_c_ = hottest->ambient_c;
  }

  if (!faults.empty()) {
    clean_reads_ = 0;
    if (!failsafe_) {
      failsafe_ = true;
      counters_.failsafe_entries++;
      spdlog::warn("thermal: failsafe (fan full, work throttled): {}",
                   Join(faults));
    }
  } else if (failsafe_ && ++clean_reads_ >= options_.clean_reads_to_recover) {
    failsafe_ = false;
    spdlog::info(
        "thermal: sensors trusted again after {} clean reads; "
        "failsafe ends",
        clean_reads_);
    policy_.ResumeFrom(1.0);
  }

  PolicyDecision decision;
  double ambient_c = hottest && hottest->ambient_c
                         ? *hottest->ambient_c
                         : last_ambient_c_.value_or(kDesignAmbientC);
  if (failsafe_) {
    decision.schedule = FailsafeSchedule(
        faults.empty()
            ? fmt::format("recovering, {} of {} clean reads", clean_reads_,
                          options_.clean_reads_to_recover)
            : Join(faults));
  } else {
    PolicyInput input;
    input.dt_s = dt;
    input.time_s = elapsed_s;
    input.hottest_zone = hottest->zone;
    input.hottest_c = hottest->celsius;
    input.ambient_c = ambient_c;
    input.power_w = power;
    if (hooks_.outlook) input.outlook = hooks_.outlook();
    decision = policy_.Decide(input);
  }

  counters_.periods++;
  if (counters_.periods % kModelSavePeriods == 0) SaveModel();
  // Over the period just ended the fan ran at the duty it reports now (else
  // the last one it accepted), not at the one decided for the next period.
  const double ran_duty =
      read.ok() && read->fan.duty ? *read->fan.duty : commanded_duty_;
  counters_.fan_energy_estimate_j +=
      options_.fan_full_watts * std::pow(ran_duty, 3) * dt;
  if (decision.schedule.work_fraction < 1) counters_.throttled_s += dt;
  if (decision.schedule.perf_cap < 1) counters_.dvfs_capped_s += dt;
  if (failsafe_) counters_.failsafe_s += dt;
  std::optional<double> delta_t;
  if (hottest && hottest->ambient_c && faults.empty()) {
    delta_t = hottest->celsius - *hottest->ambient_c;
    delta_t_.Add(*delta_t, dt);
  }

  const PolicySettings& settings = policy_.settings();
  log_.Write({elapsed_s, read.ok() ? &*read : nullptr, power,
              PolicyName(settings.policy), settings.target_c, failsafe_,
              decision.schedule, decision.forecast_c});

  {
    std::lock_guard snapshot_lock(snapshot_mutex_);
    snapshot_.settings = settings;
    snapshot_.failsafe = failsafe_;
    snapshot_.failsafe_reasons = faults;
    if (failsafe_ && faults.empty()) {
      // The faults have cleared; failsafe holds until the reads prove it.
      snapshot_.failsafe_reasons.push_back(
          fmt::format("recovering: {} of {} clean reads", clean_reads_,
                      options_.clean_reads_to_recover));
    }
    if (read.ok()) snapshot_.readings = *read;
    snapshot_.power_w = power;
    snapshot_.delta_t_c = delta_t;
    snapshot_.schedule = decision.schedule;
    snapshot_.forecast_c = decision.forecast_c;
    snapshot_.expected_power_w = decision.expected_power_w;
    snapshot_.counters = counters_;
    snapshot_.delta_t = delta_t_;
  }
  // Published first: against a silent MCU each actuator write waits out
  // its time-outs, and failsafe must not be reported that much later.
  ApplySchedule(decision.schedule);
}

Status ThermalController::Apply(const PolicySettings& settings) {
  std::lock_guard lock(control_mutex_);
  Status valid =
      ValidateSettings(settings, last_ambient_c_.value_or(kDesignAmbientC));
  if (!valid.ok()) return valid;
  policy_.SetSettings(settings);
  spdlog::info("thermal: policy {}, target {:.1f} °C, fan {:.2f}..{:.2f}",
               PolicyName(settings.policy), settings.target_c, settings.fan_min,
               settings.fan_max);
  std::lock_guard snapshot_lock(snapshot_mutex_);
  snapshot_.settings = settings;
  return Status();
}

ThermalSnapshot ThermalController::Snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  ThermalSnapshot snapshot = snapshot_;
  if (snapshot.readings) {
    snapshot.age_s = Seconds(board::Clock::now() - snapshot.readings->taken);
  }
  return snapshot;
}

}  // namespace nymph::thermal
