// The thermal controller in closed loop with the real simulator, through
// the real daemon: nymphd spawns nymph-boardsim (time-scaled, the host's
// CPU use ignored) and a synthetic load step is applied over the
// simulator's control socket. The truth comes from the simulator's
// `state`, what the agent sees from GET /thermal/status.
//
// Both policies run at the same time, each with its own daemon and
// simulator, so the test takes the time of one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "board_daemon.h"

namespace nymph::testing {
namespace {

// 50 simulated seconds per real second, one control period per simulated
// second: the period the policies were tuned for, in the card's time.
constexpr double kTimeScale = 50;
constexpr int kPeriodMs = 20;
constexpr double kTargetC = 55;
// Dynamic power of the step. From the model's equations (docs/boardsim.md)
// the hottest zone settles near 61.7 °C at the minimum duty 0.25 and near
// 52.2 °C at full fan: the fan has to work, and can hold the target.
constexpr double kLoadW = 16;
constexpr double kIdleSimS = 60;

struct StepRun {
  bool ok = false;
  std::string failure;
  double start_c = 0;            // true hottest at the step
  double peak_c = 0;             // true hottest after the step
  double late_mean_error_c = 0;  // |true hottest - target|, late window
  double late_worst_error_c = 0;
  double late_min_duty = 1;  // fan duty applied, late window
  double late_max_duty = 0;
  double seen_minus_true_c = 0;  // agent's hottest minus the truth, at the end
  double sim_s_per_period = 0;   // simulated seconds per control period
};

std::chrono::duration<double> RealTime(double sim_s) {
  return std::chrono::duration<double>(sim_s / kTimeScale);
}

StepRun RunLoadStep(Daemon& daemon, double step_sim_s, double late_sim_s) {
  StepRun run;
  auto fail = [&](const std::string& why) {
    run.failure = why;
    return run;
  };
  // Idle first, so that the model has samples; still cold at the step.
  std::this_thread::sleep_for(RealTime(kIdleSimS));
  nlohmann::json state = SimState(daemon);
  if (state.is_null()) return fail("no state from the simulator");
  run.start_c = TrueHottestC(state);
  const double step_at = state.at("sim_time_s").get<double>();
  const nlohmann::json status_before = ThermalStatus(daemon);
  if (SimCommand(daemon, "load " + std::to_string(kLoadW)).rfind("ok", 0)) {
    return fail("the simulator refused the load step");
  }
  run.peak_c = run.start_c;
  double late_sum = 0;
  int late_n = 0;
  const auto deadline = std::chrono::steady_clock::now() +
                        RealTime(step_sim_s) * 3 + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    state = SimState(daemon);
    if (state.is_null()) return fail("the simulator stopped answering");
    const double t = state.at("sim_time_s").get<double>() - step_at;
    const double hottest = TrueHottestC(state);
    run.peak_c = std::max(run.peak_c, hottest);
    if (t >= step_sim_s - late_sim_s) {
      const double error = std::fabs(hottest - kTargetC);
      late_sum += error;
      late_n++;
      run.late_worst_error_c = std::max(run.late_worst_error_c, error);
      const double duty = state.at("fan").at("duty").get<double>();
      run.late_min_duty = std::min(run.late_min_duty, duty);
      run.late_max_duty = std::max(run.late_max_duty, duty);
    }
    if (t >= step_sim_s) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPeriodMs));
  }
  if (late_n == 0) return fail("the simulation did not reach the end");
  run.late_mean_error_c = late_sum / late_n;
  const nlohmann::json status = ThermalStatus(daemon);
  std::optional<double> seen = SeenHottestC(status);
  if (!seen) return fail("no readings at GET /thermal/status");
  run.seen_minus_true_c = *seen - TrueHottestC(SimState(daemon));
  const double periods =
      status.at("counters").at("periods").get<double>() -
      status_before.at("counters").at("periods").get<double>();
  run.sim_s_per_period = periods > 0 ? step_sim_s / periods : 0;
  if (status.at("failsafe").at("active").get<bool>()) {
    return fail("in failsafe at the end: " +
                status.at("failsafe").at("reasons").dump());
  }
  run.ok = true;
  return run;
}

std::string Config(const std::string& policy) {
  return SimConfig({"--time-scale", std::to_string(kTimeScale), "--cpu-watts",
                    "0", "--load-watts", "0"},
                   kPeriodMs,
                   "policy = \"" + policy +
                       "\"\ntarget_c = " + std::to_string(kTargetC) + "\n");
}

TEST(SimClosedLoop, LoadStepFromCold_SettlesOnTarget_PredictiveOvershootsLess) {
  Daemon active(SimDaemonOptions(Config("active")));
  Daemon predictive(SimDaemonOptions(Config("predictive")));
  ASSERT_TRUE(active.Start()) << active.log();
  ASSERT_TRUE(predictive.Start()) << predictive.log();
  StepRun a, p;
  std::thread run_active([&] { a = RunLoadStep(active, 600, 150); });
  p = RunLoadStep(predictive, 600, 150);
  run_active.join();
  ASSERT_TRUE(a.ok) << "active: " << a.failure << "\n" << active.log();
  ASSERT_TRUE(p.ok) << "predictive: " << p.failure << "\n" << predictive.log();
  for (const auto& [name, r] : {std::pair{"active", a}, {"predictive", p}}) {
    std::printf(
        "%s: from %.2f °C, peak %.2f °C (target %.1f), late mean |e| "
        "%.3f worst %.3f, agent - truth %+.3f, %.2f sim s per period\n",
        name, r.start_c, r.peak_c, kTargetC, r.late_mean_error_c,
        r.late_worst_error_c, r.seen_minus_true_c, r.sim_s_per_period);
    SCOPED_TRACE(name);
    EXPECT_LT(r.start_c, kTargetC - 10) << "the step starts from cold";
    EXPECT_LE(r.peak_c - kTargetC, 2.0) << "overshoot";
    EXPECT_LE(r.late_mean_error_c, 0.5) << "steady-state error";
    // The NTC's 12-bit divider resolves about 0.05 °C here, and the
    // agent's reading is at most one period old.
    EXPECT_LE(std::fabs(r.seen_minus_true_c), 0.3);
  }
  EXPECT_LT(p.peak_c, a.peak_c) << "predictive must overshoot less";
  EXPECT_EQ(active.Stop(SIGTERM), 0) << active.log();
  EXPECT_EQ(predictive.Stop(SIGTERM), 0) << predictive.log();
}

// Quiet caps the fan at 0.5, which cannot hold 55 °C under this step, so
// the DVFS cap has to give way (the simulator's power follows the clock).
// The fan must then stay at its cap, not hunt between cap and minimum as
// the throttle comes and goes (it did, 0.25 peak to peak, with an
// integral-only throttle).
TEST(SimClosedLoop, Quiet_ThrottlesToHoldTheTarget_FanDoesNotHunt) {
  Daemon quiet(SimDaemonOptions(Config("quiet")));
  ASSERT_TRUE(quiet.Start()) << quiet.log();
  const nlohmann::json status_before = ThermalStatus(quiet);
  StepRun q = RunLoadStep(quiet, 900, 300);
  ASSERT_TRUE(q.ok) << q.failure << "\n" << quiet.log();
  const nlohmann::json status = ThermalStatus(quiet);
  std::printf("quiet: peak %.2f °C, late mean |e| %.3f, duty %.3f..%.3f\n",
              q.peak_c, q.late_mean_error_c, q.late_min_duty, q.late_max_duty);
  EXPECT_GT(status.at("counters").at("dvfs_capped_s").get<double>(),
            status_before.at("counters").at("dvfs_capped_s").get<double>())
      << "the fan alone cannot hold this load";
  EXPECT_LE(q.peak_c - kTargetC, 2.0) << "overshoot";
  EXPECT_LE(q.late_mean_error_c, 0.5) << "steady-state error";
  EXPECT_LE(q.late_max_duty - q.late_min_duty, 0.05) << "the fan hunts";
  EXPECT_EQ(quiet.Stop(SIGTERM), 0) << quiet.log();
}

}  // namespace
}  // namespace nymph::testing
