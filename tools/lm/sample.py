#!/usr/bin/python3
"""Print continuations of a prompt from a training checkpoint.

Greedy decoding, then sampling at --temperature with a fixed --seed, both
using the model's KV cache (one byte per step after the prompt).
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import CKPT_DIR, load_model  # noqa: E402


@torch.no_grad()
def generate(model, prompt, length, temperature=0.0, generator=None):
    """Return prompt + `length` bytes; temperature 0 means greedy."""
    ids = torch.tensor([list(prompt.encode("utf-8"))])
    logits, past = model(ids)
    out = list(ids[0].tolist())
    for _ in range(length):
        last = logits[0, -1]
        if temperature <= 0:
            nxt = int(last.argmax())
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=generator))
        out.append(nxt)
        logits, past = model(torch.tensor([[nxt]]), past=past)
    return bytes(out).decode("utf-8", errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checkpoint", default=os.path.join(CKPT_DIR, "last.pt"))
    p.add_argument("--prompt", default="And God said")
    p.add_argument("--length", type=int, default=300,
                   help="bytes to generate")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model, _ = load_model(args.checkpoint)

    print("--- greedy ---")
    print(generate(model, args.prompt, args.length))
    gen = torch.Generator().manual_seed(args.seed)
    print("--- temperature %.1f, seed %d ---" % (args.temperature, args.seed))
    print(generate(model, args.prompt, args.length, args.temperature, gen))


if __name__ == "__main__":
    main()
