#!/usr/bin/python3
"""Compares the thermal policies on the same load step, same simulator.

For each policy, starts nymphd with `--board sim` (nymph-boardsim
time-scaled, host CPU use ignored so that every run sees the same heat),
lets the card idle, applies a synthetic load step through the simulator's
control socket and follows the simulator's true temperatures and fan until
the end. Every figure comes from the simulator's `state`, not from what
the agent believes. Writes dist/thermal-compare.json and .md and prints
the table.

  tools/thermal-compare.py [--policies active,linear] [--load-watts 16] ...

Definitions (all in the card's seconds, after the step):
  overshoot      max(0, peak hottest zone - target)
  final          mean hottest zone over the last --late-s seconds
  ss error       final - target (negative: colder than asked)
  settling       time until the hottest zone enters, and stays in,
                 final +/- --band-c
  duty p-p       max - min of the applied fan duty over the last --late-s
  fan energy     integral of P_full * (rpm / full_rpm)^3 over the step:
                 the fan affinity law, with the agent's 2.4 W rating and
                 the simulated blower's 6000 rpm (docs/boardsim.md)
  dvfs capped    seconds the simulated clock ran below its maximum
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
POLICIES = ["passive", "active", "predictive", "aggressive", "quiet", "linear"]
FAN_FULL_WATTS = 2.4  # ControllerOptions::fan_full_watts
FAN_FULL_RPM = 6000.0  # sim FanParams::full_rpm
PERIOD_MS = 20


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policies", default=",".join(POLICIES),
                   help="comma-separated, from: " + ", ".join(POLICIES))
    p.add_argument("--target-c", type=float, default=55.0)
    p.add_argument("--load-watts", type=float, default=16.0,
                   help="dynamic power of the step (the fan can hold 55 °C "
                        "at 35 °C ambient up to about 20 W)")
    p.add_argument("--time-scale", type=float, default=50.0,
                   help="simulated seconds per real second; one control "
                        "period is %d ms real" % PERIOD_MS)
    p.add_argument("--idle-s", type=float, default=60.0)
    p.add_argument("--step-s", type=float, default=900.0)
    p.add_argument("--late-s", type=float, default=200.0)
    p.add_argument("--band-c", type=float, default=0.5)
    p.add_argument("--out", default="dist/thermal-compare")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--keep-logs", action="store_true",
                   help="keep each policy's thermal.log as OUT-POLICY.log")
    args = p.parse_args()
    args.policies = [x for x in args.policies.split(",") if x]
    unknown = [x for x in args.policies if x not in POLICIES]
    if unknown:
        p.error("unknown policy %s; choose from %s" % (unknown, POLICIES))
    if args.late_s >= args.step_s:
        p.error("--late-s must be shorter than --step-s")
    return args


def control(path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall((line + "\n").encode())
        answer = b""
        while b"\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode().split("\n", 1)[0]


def start_agent(args, policy, state_dir):
    models = state_dir / "models"  # empty: the run measures the board only
    models.mkdir()
    config = state_dir / "nymphd.toml"
    sim_args = ["--time-scale", str(args.time_scale), "--cpu-watts", "0",
                "--load-watts", "0"]
    config.write_text(
        '[server]\nlisten = "127.0.0.1:0"\nhttp = true\n'
        '[models]\ndir = "%s"\n[state]\ndir = "%s"\n'
        '[board]\nkind = "sim"\nsim_args = [%s]\n'
        '[thermal]\npolicy = "%s"\ntarget_c = %s\nperiod_ms = %d\n'
        'log_file = "%s"\n' % (
            models, state_dir, ", ".join('"%s"' % a for a in sim_args),
            policy, args.target_c, PERIOD_MS, state_dir / "thermal.log"))
    log = open(state_dir / "nymphd.log", "w")
    agent = subprocess.Popen([str(ROOT / "build/bin/nymphd"), "--config",
                              str(config)], stdout=log, stderr=subprocess.STDOUT)
    control_path = str(state_dir / "boardsim" / "control")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if agent.poll() is not None:
            break
        text = (state_dir / "nymphd.log").read_text()
        if re.search(r"listening on http://", text) and os.path.exists(control_path):
            try:
                json.loads(control(control_path, "state"))
                return agent, control_path
            except (OSError, ValueError):
                pass
        time.sleep(0.05)
    agent.kill()
    sys.exit("thermal-compare: nymphd (%s) did not start:\n%s" % (
        policy, (state_dir / "nymphd.log").read_text()))


_last_report = [None]


def report_progress(policy, t, total, done=False):
    """In place on a terminal; otherwise a line per 100 s of the card."""
    line = "  %-10s %4.0f / %.0f s of the card's time" % (policy, t, total)
    if sys.stderr.isatty():
        print("\r" + line, end="\n" if done else "", file=sys.stderr, flush=True)
    elif done or _last_report[0] is None or t - _last_report[0] >= 100:
        _last_report[0] = None if done else t
        print(line, file=sys.stderr, flush=True)


def hottest(state):
    return max(z["celsius"] for z in state["zones"].values())


def run_policy(args, policy):
    state_dir = pathlib.Path(tempfile.mkdtemp(prefix="nymph-compare-"))
    agent, ctl = start_agent(args, policy, state_dir)
    try:
        time.sleep(args.idle_s / args.time_scale)
        state = json.loads(control(ctl, "state"))
        step_at = state["sim_time_s"]
        start_c = hottest(state)
        if not control(ctl, "load %g" % args.load_watts).startswith("ok"):
            sys.exit("thermal-compare: the simulator refused the load step")
        samples = []  # (t, hottest, duty, rpm, dvfs_factor)
        while True:
            state = json.loads(control(ctl, "state"))
            t = state["sim_time_s"] - step_at
            samples.append((t, hottest(state), state["fan"]["duty"],
                            state["fan"]["rpm"], state["load"]["dvfs_factor"]))
            if t >= args.step_s:
                break
            report_progress(policy, t, args.step_s)
            time.sleep(PERIOD_MS / 1000)
        report_progress(policy, args.step_s, args.step_s, done=True)
    finally:
        agent.terminate()
        agent.wait(timeout=30)
    if agent.returncode != 0:
        sys.exit("thermal-compare: nymphd (%s) exited %d:\n%s" % (
            policy, agent.returncode, (state_dir / "nymphd.log").read_text()))
    thermal_log = (state_dir / "thermal.log").read_text()
    if args.keep_logs:
        pathlib.Path("%s-%s.log" % (args.out, policy)).write_text(thermal_log)
    shutil.rmtree(state_dir)
    return summarise(args, policy, start_c, samples, thermal_log)


def summarise(args, policy, start_c, samples, thermal_log):
    late = [s for s in samples if s[0] >= args.step_s - args.late_s]
    final = sum(s[1] for s in late) / len(late)
    peak = max(s[1] for s in samples)
    settling = None
    for i in range(len(samples) - 1, -1, -1):
        if abs(samples[i][1] - final) > args.band_c:
            settling = samples[i + 1][0] if i + 1 < len(samples) else None
            break
    else:
        settling = 0.0
    energy = 0.0
    dvfs_capped = 0.0
    for (t0, _, _, rpm, dvfs), (t1, *_) in zip(samples, samples[1:]):
        energy += FAN_FULL_WATTS * (rpm / FAN_FULL_RPM) ** 3 * (t1 - t0)
        if dvfs < 1 - 1e-9:
            dvfs_capped += t1 - t0
    duties = [s[2] for s in late]
    failsafe = re.search(r"failsafe_entries=(\d+)", thermal_log)
    return {
        "policy": policy,
        "start_c": round(start_c, 2),
        "peak_c": round(peak, 2),
        "overshoot_c": round(max(0.0, peak - args.target_c), 2),
        "final_c": round(final, 2),
        "steady_state_error_c": round(final - args.target_c, 2),
        "settling_s": None if settling is None else round(settling, 1),
        "duty_peak_to_peak": round(max(duties) - min(duties), 3),
        "mean_duty_late": round(sum(duties) / len(duties), 3),
        "fan_energy_j": round(energy, 1),
        "dvfs_capped_s": round(dvfs_capped, 1),
        "failsafe_entries": int(failsafe.group(1)) if failsafe else None,
        "samples": len(samples),
    }


def table(args, rows):
    lines = [
        "Load step of %g W from idle at 35 °C ambient, target %g °C, %g s of the "
        "card's time (nymph-boardsim at %g×, one control period per card "
        "second). Settling band ±%g °C around the final value; late window "
        "the last %g s." % (args.load_watts, args.target_c, args.step_s,
                            args.time_scale, args.band_c, args.late_s),
        "",
        "| policy | overshoot °C | settling s | final °C | ss error °C | "
        "duty p-p | mean duty | fan energy J | DVFS capped s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        settling = "—" if r["settling_s"] is None else "%.0f" % r["settling_s"]
        lines.append("| %s | %.2f | %s | %.2f | %+.2f | %.3f | %.3f | %.0f | %.0f |" % (
            r["policy"], r["overshoot_c"], settling, r["final_c"],
            r["steady_state_error_c"], r["duty_peak_to_peak"],
            r["mean_duty_late"], r["fan_energy_j"], r["dvfs_capped_s"]))
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    os.chdir(ROOT)
    if not args.no_build:
        subprocess.run(["scripts/build.sh", "nymphd", "nymph-boardsim"], check=True)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for policy in args.policies:
        rows.append(run_policy(args, policy))
    settings = {k: getattr(args, k) for k in (
        "target_c", "load_watts", "time_scale", "idle_s", "step_s", "late_s",
        "band_c")}
    out.with_suffix(".json").write_text(json.dumps(
        {"settings": settings, "policies": rows}, indent=2) + "\n")
    text = table(args, rows)
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
