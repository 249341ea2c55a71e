#!/usr/bin/python3
"""Export a trained checkpoint to ONNX and write its manifest.

Produces models/kjv-gqa.onnx (opset 17, float32, one file) and
models/kjv-gqa.json, then checks the file with onnx.checker and verifies
in PyTorch, through the same flat wrapper that was exported, that

  (a) KV-cached incremental greedy decoding gives the same logits as a
      full recompute of the whole sequence, and
  (b) left-padded rows of a batch give the same logits as the same
      prompts run alone without padding.

Graph interface (Optimum / ONNX Runtime GenAI style):
  inputs   input_ids [batch, seq] int64, attention_mask [batch, total]
           int64 (1 = real token, 0 = left padding; total = past + seq),
           position_ids [batch, seq] int64,
           past_key_values.{i}.key|value [batch, kv_heads, past, head_dim]
  outputs  logits [batch, seq, 256] float32,
           present.{i}.key|value [batch, kv_heads, total, head_dim]
"""

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
from model import ByteLM, Config  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
CKPT_DIR = os.path.expanduser("~/.cache/nymph/lm-train")
MAX_BYTES = 16 * 1024 * 1024
TOLERANCE = 1e-4


class FlatDecoder(torch.nn.Module):
    """ByteLM with the flat tensor signature the ONNX graph exposes."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1])
                for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask,
                                      position_ids, past)
        flat = [t for kv in presents for t in kv]
        return (logits, *flat)


def io_names(layers):
    past, present = [], []
    for i in range(layers):
        for kind in ("key", "value"):
            past.append("past_key_values.%d.%s" % (i, kind))
            present.append("present.%d.%s" % (i, kind))
    inputs = ["input_ids", "attention_mask", "position_ids"] + past
    return inputs, ["logits"] + present


def load_model(path):
    ckpt = torch.load(path)
    model = ByteLM(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def empty_past(cfg, batch, length=0):
    shape = (batch, cfg.kv_heads, length, cfg.head_dim)
    return [torch.zeros(shape) for _ in range(2 * cfg.layers)]


def export(model, path):
    """Trace with batch 2 and a nonzero past so nothing specialises."""
    cfg = model.cfg
    batch, past_len, seq = 2, 3, 5
    ids = torch.randint(0, 256, (batch, seq))
    mask = torch.ones(batch, past_len + seq, dtype=torch.int64)
    mask[1, :2] = 0  # a left-padded row
    pos = torch.arange(past_len, past_len + seq).unsqueeze(0).repeat(batch, 1)
    past = [torch.randn(batch, cfg.kv_heads, past_len, cfg.head_dim)
            for _ in range(2 * cfg.layers)]
    inputs, outputs = io_names(cfg.layers)
    axes = {"input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "total"},
            "position_ids": {0: "batch", 1: "seq"},
            "logits": {0: "batch", 1: "seq"}}
    for name in inputs[3:]:
        axes[name] = {0: "batch", 2: "past"}
    for name in outputs[1:]:
        axes[name] = {0: "batch", 2: "total"}
    torch.onnx.export(FlatDecoder(model), (ids, mask, pos, *past), path,
                      input_names=inputs, output_names=outputs,
                      dynamic_axes=axes, opset_version=17,
                      do_constant_folding=True)


def check_file(path):
    onnx.checker.check_model(onnx.load(path), full_check=True)
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise SystemExit("%s is %d bytes, over the 16 MB limit" % (path, size))
    return size


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@torch.no_grad()
def check_kv_cache(model, prompts, new_tokens=24):
    """(a) Greedy decode with the cache vs. full recompute at each step."""
    flat, cfg = FlatDecoder(model), model.cfg
    worst = 0.0
    for prompt in prompts:
        ids = torch.tensor([list(prompt.encode("ascii"))])
        n = ids.shape[1]
        out = flat(ids, torch.ones(1, n, dtype=torch.int64),
                   torch.arange(n).unsqueeze(0), *empty_past(cfg, 1))
        logits, past = out[0][:, -1], list(out[1:])
        seq = ids
        for _ in range(new_tokens):
            # logits came from the cache; recompute them from scratch.
            full = model(seq)[0][:, -1]
            worst = max(worst, (full - logits).abs().max().item())
            nxt = logits.argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], dim=1)
            total = seq.shape[1]
            out = flat(nxt, torch.ones(1, total, dtype=torch.int64),
                       torch.tensor([[total - 1]]), *past)
            logits, past = out[0][:, -1], list(out[1:])
    return worst


@torch.no_grad()
def check_left_padding(model, prompts, new_tokens=8):
    """(b) A left-padded batch, prefill plus cached steps, vs. solo runs."""
    flat, cfg = FlatDecoder(model), model.cfg
    encoded = [list(p.encode("ascii")) for p in prompts]
    width = max(len(e) for e in encoded)
    ids = torch.zeros(len(encoded), width, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for row, e in enumerate(encoded):
        ids[row, width - len(e):] = torch.tensor(e)
        mask[row, width - len(e):] = 1
    # Positions count real tokens only; padding gets position 0.
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    out = flat(ids, mask, pos, *empty_past(cfg, len(encoded)))
    worst = 0.0
    for row, e in enumerate(encoded):
        solo = model(torch.tensor([e]))[0][0]
        worst = max(worst, (out[0][row, width - len(e):] - solo)
                    .abs().max().item())
    # Cached steps: feed the same fixed bytes to every row.
    past, step_ids = list(out[1:]), b" and the LORD said"[:new_tokens]
    for k, byte in enumerate(step_ids):
        mask = torch.cat([mask, torch.ones(len(encoded), 1,
                                           dtype=torch.int64)], 1)
        pos = pos[:, -1:] + 1
        nxt = torch.full((len(encoded), 1), byte, dtype=torch.int64)
        out = flat(nxt, mask, pos, *past)
        past = list(out[1:])
        for row, e in enumerate(encoded):
            seq = torch.tensor([e + list(step_ids[:k + 1])])
            solo = model(seq)[0][0, -1]
            worst = max(worst, (out[0][row, -1] - solo).abs().max().item())
    return worst


@torch.no_grad()
def bpb_by_position(model, val_data, windows=24):
    """Validation bits/byte per position bucket: RoPE sanity at long range."""
    x, y = data.eval_windows(val_data, model.cfg.context, windows)
    buckets = [(0, 512), (512, 1024), (1024, 1280), (1280, model.cfg.context)]
    sums = np.zeros(len(buckets))
    for i in range(0, len(x), 4):
        logits = model(torch.from_numpy(x[i:i + 4]))[0]
        nll = torch.nn.functional.cross_entropy(
            logits.transpose(1, 2), torch.from_numpy(y[i:i + 4]),
            reduction="none").sum(0).numpy()
        for b, (lo, hi) in enumerate(buckets):
            sums[b] += nll[lo:hi].sum()
    return {"%d-%d" % (lo, hi - 1): round(float(s / (len(x) * (hi - lo))
                                                / math.log(2)), 4)
            for s, (lo, hi) in zip(sums, buckets)}


def manifest(model, ckpt, summary, onnx_path, size, checks, by_pos):
    cfg = model.cfg
    inputs, outputs = io_names(cfg.layers)
    return {
        "name": "kjv-gqa",
        "file": os.path.basename(onnx_path),
        "sha256": sha256(onnx_path),
        "bytes": size,
        "format": {"onnx_opset": 17, "dtype": "float32",
                   "external_data": False},
        "architecture": {
            "type": "decoder-only transformer, pre-norm, tied embeddings",
            "layers": cfg.layers, "d_model": cfg.d_model,
            "q_heads": cfg.q_heads, "kv_heads": cfg.kv_heads,
            "head_dim": cfg.head_dim, "ffn": cfg.ffn,
            "ffn_activation": "gelu", "norm": "rmsnorm",
            "norm_eps": cfg.norm_eps, "vocab": cfg.vocab,
            "context_length": cfg.context, "positions": "rope (rotate-half)",
            "rope_theta": cfg.rope_theta,
            "parameters": model.param_count()},
        "kv_cache": {"layout": "[batch, kv_heads, seq, head_dim]",
                     "dtype": "float32",
                     "bytes_per_token": 2 * cfg.layers * cfg.kv_heads
                     * cfg.head_dim * 4},
        "tokenizer": {
            "type": "byte",
            "note": "token id = byte value (0-255) of the UTF-8/ASCII text; "
                    "no BOS, EOS or padding token. Training text is ASCII, "
                    "one verse per line ('\\n' = 10), chapters separated "
                    "by a blank line. Left padding uses any id with "
                    "attention_mask 0; position_ids count real tokens "
                    "from 0."},
        "inputs": inputs, "outputs": outputs,
        "dynamic_axes": ["batch", "seq", "past", "total = past + seq"],
        "validation": {
            "bits_per_byte": summary["val_bits_per_byte"],
            "bytes": summary["val_bytes"],
            "split": "every %dth chapter of the KJV held out (chapters "
                     "k with k %% %d == %d, 0-based)" % (
                         ckpt["args"]["val_every"], ckpt["args"]["val_every"],
                         ckpt["args"]["val_every"] - 1),
            "bits_per_byte_by_position": by_pos},
        "training": {
            "steps": summary["steps"], "tokens": summary["tokens"],
            "seconds": summary["train_seconds"], "seed": summary["seed"],
            "optimizer": "AdamW (0.9, 0.95), warmup + cosine decay",
            "peak_lr": ckpt["args"]["lr"],
            "sequence_lengths": [ckpt["args"]["short_len"],
                                 ckpt["args"]["long_len"]],
            "hardware": "2 shared CPU cores, PyTorch 1.13 + OpenBLAS",
            "command": "nice -n 19 /usr/bin/python3 tools/lm/train.py "
                       + " ".join(summary["command"][1:])},
        "data_source": "King James Version, Debian package bible-kjv-text "
                       "(`bible -f gen1:1-rev22:21`), verse references "
                       "removed",
        "export_checks": checks,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--checkpoint", default=os.path.join(CKPT_DIR, "last.pt"))
    p.add_argument("--summary", default=os.path.join(CKPT_DIR, "summary.json"),
                   help="summary.json written by train.py at the end")
    p.add_argument("--out", default=os.path.join(REPO, "models",
                                                 "kjv-gqa.onnx"))
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model, ckpt = load_model(args.checkpoint)
    with open(args.summary) as f:
        summary = json.load(f)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    tmp = args.out + ".tmp"
    export(model, tmp)
    size = check_file(tmp)
    os.replace(tmp, args.out)
    print("exported %s (%d bytes), onnx.checker passed" % (args.out, size))

    prompts = ["And God said", "In the beginning",
               "Jesus wept.\nThen said the Jews, Behold how he loved him!\n"]
    kv = check_kv_cache(model, prompts)
    pad = check_left_padding(model, prompts)
    print("max |logit diff|: kv-cache vs recompute %.2e, left-padded vs "
          "solo %.2e (tolerance %.0e)" % (kv, pad, TOLERANCE))
    if kv > TOLERANCE or pad > TOLERANCE:
        raise SystemExit("verification failed")

    _, val_data, _ = data.split_corpus(ckpt["args"]["val_every"])
    by_pos = bpb_by_position(model, val_data)
    print("validation bits/byte by position:", by_pos)
    checks = {"onnx_checker": "passed",
              "kv_cache_vs_recompute_max_abs_diff": float("%.3g" % kv),
              "left_padding_vs_solo_max_abs_diff": float("%.3g" % pad),
              "tolerance": TOLERANCE}
    info = manifest(model, ckpt, summary, args.out, size, checks, by_pos)
    path = os.path.splitext(args.out)[0] + ".json"
    with open(path + ".tmp", "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote %s, sha256 %s" % (path, info["sha256"]))


if __name__ == "__main__":
    main()
