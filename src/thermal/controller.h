// The thermal control loop: every period it reads the Board, checks that
// the readings can be trusted, lets the policy decide, and applies the
// schedule to the fan, the DVFS cap and inference admission. Untrusted
// readings put it in failsafe (fan full, work throttled) until they have
// been clean for a few periods.
//
// Thread safety: Apply() and Snapshot() may be called from any thread
// while the loop runs. Lock order: control_mutex_ (the loop's state) before
// snapshot_mutex_ (the published snapshot).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "board/board.h"
#include "thermal/policy.h"
#include "thermal/sensor_check.h"
#include "thermal/thermal_log.h"

namespace nymph::thermal {

struct ControllerOptions {
  board::Clock::duration period = std::chrono::milliseconds(1000);
  // Where the identified thermal model is kept across restarts (read at
  // construction, written every 300 periods and at Stop); empty: not kept.
  std::string model_file;
  // The board the saved model belongs to, as configured (device paths and
  // hwmonN numbers change across boots); empty: the board's Describe().
  std::string model_board;
  // Seconds of the card's physics per second of the clock: 1 on a card;
  // more against a simulator that runs faster than real time, so that the
  // control laws (tuned in the card's seconds) see the time the heat
  // sees. Link time-outs and staleness stay in real time.
  double time_scale = 1;
  std::string log_file;  // empty: no thermal log
  SensorLimits limits;
  PolicyTuning tuning;
  // Clean reads in a row before failsafe ends.
  int clean_reads_to_recover = 3;
  double failsafe_perf_cap = 0.5;
  double failsafe_work_fraction = 0.5;
  // Fan energy estimate: electrical power = fan_full_watts × duty³ (fan
  // affinity law, power ∝ speed³, speed taken ∝ duty); 2.4 W is a 50 mm
  // 12 V blower at 0.2 A.
  double fan_full_watts = 2.4;
};

struct ControllerHooks {
  // DVFS cap as a fraction of the maximum frequency; empty: no DVFS.
  std::function<Status(double perf_cap)> dvfs;
  // Fraction 0..1 of normal inference work; empty: no throttling.
  std::function<void(double work_fraction)> throttle;
  // What inference is about to do; empty: nothing known.
  std::function<WorkOutlook()> outlook;
};

struct ThermalSnapshot {
  std::string board;
  PolicySettings settings;
  bool failsafe = false;
  std::vector<std::string> failsafe_reasons;
  std::optional<board::BoardReadings> readings;  // the last successful read
  double age_s = 0;  // of `readings`, at the time of the snapshot
  std::optional<double> power_w;
  std::optional<double> delta_t_c;
  ThermalSchedule schedule;
  std::optional<double> forecast_c;        // at settings.horizon_s
  std::optional<double> expected_power_w;  // empty: power unknown
  ThermalCounters counters;
  DeltaTStats delta_t;
};

// Sets the fan to full. The daemon calls it first thing, before the
// configuration is read: a card must never wait for a parser to cool it.
Status SetFanSafe(board::Board& board);

class ThermalController {
 public:
  ThermalController(board::Board& board, const PolicySettings& settings,
                    const ControllerOptions& options, ControllerHooks hooks);
  ~ThermalController();  // Stop()
  ThermalController(const ThermalController&) = delete;
  ThermalController& operator=(const ThermalController&) = delete;

  // Opens the log and runs Step() every period on a thread.
  Status Start();
  // Ends the thread, sets the fan full and writes the log's summary.
  // Idempotent.
  void Stop();

  // Opens the log without starting the thread (tests drive Step()).
  Status OpenLog();
  // One control period at `now`. REQUIRES: `now` does not go back.
  void Step(board::Clock::time_point now);
  // Fan full and the summary written; what Stop() does after the thread.
  void Finish();

  // Validates `settings` against the budget at the last measured ambient
  // and applies them from the next period; on error nothing changes.
  // TODO: the schedule is recomputed only at the next period, so a POST's
  // answer shows the new settings beside the previous period's schedule.
  Status Apply(const PolicySettings& settings);

  ThermalSnapshot Snapshot() const;
  board::Clock::duration period() const { return options_.period; }

 private:
  void Run();
  void EnterOrStayInFailsafe(const std::vector<std::string>& faults);
  ThermalSchedule FailsafeSchedule(const std::string& reason) const;
  void ApplySchedule(const ThermalSchedule& schedule);
  void RestoreModel();
  void SaveModel();
  std::string ModelBoard() const;

  board::Board& board_;
  const ControllerOptions options_;
  const ControllerHooks hooks_;
  const std::string description_;

  mutable std::mutex control_mutex_;  // guards everything below to snapshot
  ThermalPolicy policy_;
  SensorCheck check_;
  ThermalLog log_;
  ThermalCounters counters_;
  DeltaTStats delta_t_;
  std::optional<board::Clock::time_point> start_, last_step_;
  std::optional<double> last_ambient_c_;
  bool failsafe_ = false;
  int clean_reads_ = 0;
  double commanded_duty_ = 1.0;
  std::string last_apply_error_;  // logged once per change
  bool finished_ = false;

  mutable std::mutex snapshot_mutex_;  // guards snapshot_
  ThermalSnapshot snapshot_;

  std::mutex run_mutex_;  // guards stop_ for the thread's wait
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace nymph::thermal
