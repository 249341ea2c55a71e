#!/usr/bin/python3
"""Checks stable ΔT in a thermal.log written by nymphd.

    check-thermal-log.py dist/thermal.log --target-c 55 --from-line 300 \\
        --to-line 1500

Over the control periods from --from-line to --to-line (1-based, counting
period lines only, so that they match GET /thermal/status's
counters.periods), the controlled zone (the hottest one each period) must
stay within --band-c of the target, ΔT (hottest minus ambient) within the
card's budget, and the agent out of failsafe. Prints the figures and exits
1 naming the first period that breaks a rule, 2 on unusable input.
"""
import argparse
import re
import sys

FIELD = re.compile(r'(\w+)=("[^"]*"|\S+)')


def parse(line):
    return {k: v.strip('"') for k, v in FIELD.findall(line)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("log")
    p.add_argument("--target-c", type=float, required=True)
    p.add_argument("--band-c", type=float, default=1.5)
    p.add_argument("--budget-c", type=float, default=25.0)
    p.add_argument("--from-line", type=int, default=1)
    p.add_argument("--to-line", type=int, default=0, help="0: the last")
    args = p.parse_args()

    try:
        with open(args.log) as f:
            periods = [parse(l) for l in f if l.startswith("t=")]
    except OSError as e:
        sys.exit("check-thermal-log: %s" % e)
    to_line = args.to_line or len(periods)
    window = periods[args.from_line - 1:to_line]
    if args.from_line < 1 or to_line > len(periods) or len(window) < 10:
        print("check-thermal-log: lines %d..%d asked, the log has %d periods" % (
            args.from_line, to_line, len(periods)), file=sys.stderr)
        sys.exit(2)

    failures = []
    errors, deltas = [], []
    for n, fields in enumerate(window, start=args.from_line):
        zones = {k[:-2]: v for k, v in fields.items()
                 if k.endswith("_c") and k not in ("target_c", "forecast_c")}
        if "fault" in zones.values() or "ambient" not in zones:
            failures.append((n, "a zone is in fault or ambient is missing"))
            continue
        ambient = float(zones.pop("ambient"))
        zone, hottest = max(((z, float(c)) for z, c in zones.items()),
                            key=lambda zc: zc[1])
        error = hottest - args.target_c
        delta_t = hottest - ambient
        errors.append(error)
        deltas.append(delta_t)
        if fields.get("failsafe") == "1":
            failures.append((n, "in failsafe: " + fields.get("reason", "")))
        if abs(error) > args.band_c:
            failures.append((n, "%s at %.2f °C, %.2f from the target" % (
                zone, hottest, error)))
        if delta_t > args.budget_c:
            failures.append((n, "ΔT %.2f °C over the %.0f °C budget" % (
                delta_t, args.budget_c)))

    t0, t1 = float(window[0]["t"]), float(window[-1]["t"])
    print("periods %d..%d (t %.0f..%.0f s): target %.1f °C, error mean %+.2f, "
          "min %+.2f, max %+.2f °C (band ±%.1f); ΔT mean %.2f, max %.2f °C "
          "(budget %.0f)" % (
              args.from_line, to_line, t0, t1, args.target_c,
              sum(errors) / max(1, len(errors)), min(errors, default=0),
              max(errors, default=0), args.band_c,
              sum(deltas) / max(1, len(deltas)), max(deltas, default=0),
              args.budget_c))
    if failures:
        n, why = failures[0]
        print("FAIL: %d of %d periods break a rule; first, period %d: %s" % (
            len({m for m, _ in failures}), len(window), n, why))
        sys.exit(1)
    print("PASS: stable within ±%.1f °C of the target and ΔT within budget" %
          args.band_c)


if __name__ == "__main__":
    main()
