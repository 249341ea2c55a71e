#!/usr/bin/python3
"""Train the byte-level GQA language model on the King James Bible.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-numpy).
Checkpoints go to ~/.cache/nymph/lm-train/ (outside the repository):

  last.pt   written every --ckpt-every steps and at the end (resume point)
  best.pt   the checkpoint with the lowest periodic validation bits/byte
  summary.json  final figures, read by export.py for the manifest

Every write is atomic (temporary file, then rename), so an interrupted run
never leaves a torn checkpoint; `--resume` continues from last.pt with the
optimiser, RNG states, step count and elapsed time restored.

The learning-rate schedule (linear warmup, cosine decay) and the switch
from short to long training sequences follow training *progress*: the
step count over --max-steps, or, when --time-budget is given, the elapsed
wall time over the budget. A time budget makes the run finish on time on
a shared machine; the price is that the exact step count depends on load.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import ByteLM, Config  # noqa: E402

DEFAULT_DIR = os.path.expanduser("~/.cache/nymph/lm-train")
LN2 = math.log(2.0)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out-dir", default=DEFAULT_DIR,
                   help="checkpoint directory (default: %(default)s)")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT_DIR/last.pt with its settings")
    p.add_argument("--seed", type=int, default=1234,
                   help="seed for init and batch sampling")
    p.add_argument("--threads", type=int, default=2,
                   help="torch intra-op threads")
    p.add_argument("--time-budget", type=float, default=None,
                   help="minutes of wall time; progress = elapsed/budget")
    p.add_argument("--max-steps", type=int, default=2000,
                   help="steps when no --time-budget is given")
    p.add_argument("--lr", type=float, default=3e-3, help="peak LR")
    p.add_argument("--min-lr-ratio", type=float, default=0.1,
                   help="final LR as a fraction of the peak")
    p.add_argument("--warmup", type=int, default=50, help="warmup steps")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--batch-tokens", type=int, default=4608,
                   help="tokens per step (batch = this / seq length)")
    p.add_argument("--short-len", type=int, default=512,
                   help="sequence length early in training")
    p.add_argument("--long-len", type=int, default=1536,
                   help="sequence length late in training (>= 1280 so "
                        "RoPE sees the distances used at inference)")
    p.add_argument("--long-frac", type=float, default=0.4,
                   help="final fraction of progress trained at --long-len")
    p.add_argument("--val-every", type=int, default=20,
                   help="hold out every Nth chapter for validation")
    p.add_argument("--eval-every", type=int, default=50,
                   help="steps between quick validations")
    p.add_argument("--eval-windows", type=int, default=12,
                   help="validation windows of --long-len for quick evals")
    p.add_argument("--ckpt-every", type=int, default=25,
                   help="steps between checkpoints")
    p.add_argument("--log-every", type=int, default=5)
    for field, default in Config().to_dict().items():
        if field in ("vocab", "norm_eps"):
            continue
        p.add_argument("--" + field.replace("_", "-"), dest="model_" + field,
                       type=type(default), default=default,
                       help="model %s (default: %%(default)s)" % field)
    return p.parse_args(argv)


def model_config(args):
    fields = {k[len("model_"):]: v for k, v in vars(args).items()
              if k.startswith("model_")}
    return Config(**fields)


def atomic_save(obj, path, as_json=False):
    """Write to path.tmp, fsync, then rename: readers never see a torn file."""
    tmp = path + ".tmp"
    if as_json:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
    else:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def make_optimizer(model, args):
    """AdamW with decay on matrices only (not norms)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))


def progress_of(state, args):
    if args.time_budget:
        return state["elapsed"] / (args.time_budget * 60.0)
    return state["step"] / args.max_steps


def lr_at(step, progress, args):
    """Linear warmup by step, then cosine from peak to min by progress."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
    floor = args.lr * args.min_lr_ratio
    return floor + (args.lr - floor) * cosine


def seq_len_at(progress, args):
    if progress >= 1.0 - args.long_frac:
        return args.long_len
    return args.short_len


@torch.no_grad()
def evaluate(model, inputs, targets, batch=4):
    """Mean bits per byte over the given windows."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(inputs), batch):
        x = torch.from_numpy(inputs[i:i + batch])
        y = torch.from_numpy(targets[i:i + batch])
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               y.reshape(-1), reduction="sum")
        total += loss.item()
        count += y.numel()
    model.train()
    return total / count / LN2


def fresh_state(args):
    torch.manual_seed(args.seed)
    model = ByteLM(model_config(args))
    state = {"step": 0, "elapsed": 0.0, "tokens": 0, "best_val": None,
             "rng": np.random.default_rng(args.seed).bit_generator.state,
             "history": []}
    return model, make_optimizer(model, args), state


def load_state(args):
    ckpt = torch.load(os.path.join(args.out_dir, "last.pt"))
    saved = argparse.Namespace(**ckpt["args"])
    saved.resume, saved.out_dir = True, args.out_dir
    model = ByteLM(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    opt = make_optimizer(model, saved)
    opt.load_state_dict(ckpt["optimizer"])
    torch.set_rng_state(ckpt["torch_rng"])
    state = ckpt["state"]
    state.setdefault("command", ckpt["command"])
    return saved, model, opt, state


def checkpoint(path, model, opt, state, args, argv):
    atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "config": model.cfg.to_dict(), "args": vars(args),
                 "state": state, "torch_rng": torch.get_rng_state(),
                 "command": argv}, path)


def counted_time(seconds, pace):
    """Wall time to count for one step; drops time spent suspended.

    A step taking over a minute and over ten times the recent median means
    the process was stopped (SIGSTOP, suspend), not merely slowed by other
    load; counting that would eat the time budget without training, so the
    median is counted instead.
    """
    recent = sorted(pace[-20:])
    if len(recent) >= 5:
        median = recent[len(recent) // 2]
        if seconds > max(10 * median, 60.0):
            print("note: step took %.0f s (median %.1f s); counting the "
                  "median, assuming the process was suspended" % (
                      seconds, median), flush=True)
            return median
    return seconds


def fmt_time(seconds):
    seconds = int(max(seconds, 0))
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def eta(state, args, step_time):
    if args.time_budget:
        return args.time_budget * 60.0 - state["elapsed"]
    return (args.max_steps - state["step"]) * step_time


def train(args, model, opt, state, argv):
    os.makedirs(args.out_dir, exist_ok=True)
    train_data, val_data, chapters = data.split_corpus(args.val_every)
    val_x, val_y = data.eval_windows(val_data, args.long_len,
                                     args.eval_windows)
    print("corpus: %d chapters, train %d bytes, val %d bytes; model %d "
          "params" % (chapters, len(train_data), len(val_data),
                      model.param_count()), flush=True)
    rng = np.random.default_rng()
    rng.bit_generator.state = state["rng"]
    smooth, last_log, t_prev = None, time.time(), time.time()
    pace = []  # recent step times, to spot a suspended process

    while progress_of(state, args) < 1.0:
        progress = progress_of(state, args)
        lr = lr_at(state["step"], progress, args)
        for group in opt.param_groups:
            group["lr"] = lr
        seq = seq_len_at(progress, args)
        x, y = data.random_batch(train_data, max(args.batch_tokens // seq, 1),
                                 seq, rng)
        logits, _ = model(torch.from_numpy(x))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                               torch.from_numpy(y).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()

        now = time.time()
        state["elapsed"] += counted_time(now - t_prev, pace)
        pace.append(now - t_prev)
        t_prev = now
        state["step"] += 1
        state["tokens"] += x.size
        bpb = loss.item() / LN2
        smooth = bpb if smooth is None else 0.9 * smooth + 0.1 * bpb
        step = state["step"]

        val = None
        if step % args.eval_every == 0:
            val = evaluate(model, val_x, val_y)
            state["history"].append((step, state["tokens"], round(val, 4)))
            if state["best_val"] is None or val < state["best_val"]:
                state["best_val"] = val
                state["rng"] = rng.bit_generator.state
                checkpoint(os.path.join(args.out_dir, "best.pt"), model,
                           opt, state, args, argv)
        if step % args.log_every == 0 or val is not None:
            rate = state["tokens"] / max(state["elapsed"], 1e-9)
            step_time = (now - last_log) / args.log_every
            last_log = now
            print("step %5d  seq %4d  lr %.2e  train %.3f bpb  val %s  "
                  "%5.0f tok/s  elapsed %s  eta %s" % (
                      step, seq, lr, smooth,
                      "%.3f" % val if val is not None else "  -  ",
                      rate, fmt_time(state["elapsed"]),
                      fmt_time(eta(state, args, step_time))), flush=True)
        if step % args.ckpt_every == 0:
            state["rng"] = rng.bit_generator.state
            checkpoint(os.path.join(args.out_dir, "last.pt"), model, opt,
                       state, args, argv)
        t_prev = time.time()  # eval/checkpoint time still counted below
        state["elapsed"] += t_prev - now

    state["rng"] = rng.bit_generator.state
    checkpoint(os.path.join(args.out_dir, "last.pt"), model, opt, state,
               args, argv)
    finish(args, model, val_data, state, argv)


def finish(args, model, val_data, state, argv):
    """Validate the final weights on the whole held-out split."""
    x, y = data.eval_windows(val_data, args.long_len, 10 ** 9)
    val = evaluate(model, x, y)
    print("final: %d steps, %d tokens, %s, full validation %.4f bpb over "
          "%d bytes" % (state["step"], state["tokens"],
                        fmt_time(state["elapsed"]), val, y.size), flush=True)
    summary = {"steps": state["step"], "tokens": state["tokens"],
               "train_seconds": round(state["elapsed"], 1),
               "val_bits_per_byte": round(val, 4), "val_bytes": int(y.size),
               "seed": args.seed, "config": model.cfg.to_dict(),
               "args": vars(args), "command": state.get("command", argv),
               "history": state["history"], "checkpoint": "last.pt"}
    atomic_save(summary, os.path.join(args.out_dir, "summary.json"),
                as_json=True)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    args = parse_args(argv[1:])
    torch.set_num_threads(args.threads)
    if args.resume:
        out_dir, threads = args.out_dir, args.threads
        args, model, opt, state = load_state(args)
        args.out_dir, args.threads = out_dir, threads
        print("resumed at step %d (%s elapsed)" % (
            state["step"], fmt_time(state["elapsed"])), flush=True)
    else:
        model, opt, state = fresh_state(args)
        state["command"] = argv  # kept across resumes for the manifest
    train(args, model, opt, state, argv)


if __name__ == "__main__":
    main()
