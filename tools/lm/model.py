"""Byte-level decoder-only transformer with grouped-query attention.

One forward() serves both training (no cache, no mask) and ONNX export
(KV cache in, KV cache out, left-padding mask). The export-related choices
follow the notes in /work/shared/DEPENDENCIES.md:

* KV heads are repeated with unsqueeze -> expand -> reshape, because
  repeat_interleave exports but breaks inside ONNX Runtime;
* masked scores get the dtype's finite minimum, not -inf, so a fully
  masked row (a left-padding query) stays finite instead of turning NaN;
* rotary angles are computed from position_ids inside the graph, so
  callers choose positions (left-padded rows start at 0 after the pad).
"""

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab: int = 256
    layers: int = 4
    d_model: int = 256
    q_heads: int = 8
    kv_heads: int = 2
    head_dim: int = 32
    ffn: int = 1024
    context: int = 1536
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        scale = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return x * scale * self.weight


def rope_tables(position_ids, head_dim, theta):
    """cos/sin of shape [batch, 1, seq, head_dim] for the given positions."""
    half = head_dim // 2
    exponent = torch.arange(half, dtype=torch.float32,
                            device=position_ids.device) / half
    inv_freq = 1.0 / (theta ** exponent)
    angles = position_ids.to(torch.float32).unsqueeze(-1) * inv_freq
    angles = torch.cat([angles, angles], dim=-1).unsqueeze(1)
    return angles.cos(), angles.sin()


def apply_rope(x, cos, sin):
    """Rotate-half RoPE: pairs element i with element i + head_dim/2."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def repeat_kv(x, groups):
    """[b, kv, t, d] -> [b, kv*groups, t, d] without repeat_interleave."""
    b, kv, t, d = x.shape
    x = x.unsqueeze(2).expand(b, kv, groups, t, d)
    return x.reshape(b, kv * groups, t, d)


def build_mask(attention_mask, seq, past, device):
    """Boolean [batch or 1, 1, seq, past+seq]: True where a query may look.

    Query i sits at cache index past+i and may see keys 0..past+i that
    the attention_mask marks as real (1) rather than padding (0).
    """
    total = past + seq
    query_pos = torch.arange(seq, device=device).unsqueeze(1) + past
    key_pos = torch.arange(total, device=device).unsqueeze(0)
    allowed = (key_pos <= query_pos).unsqueeze(0).unsqueeze(0)
    if attention_mask is not None:
        real = attention_mask.unsqueeze(1).unsqueeze(2) > 0
        allowed = allowed & real
    return allowed


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.q = nn.Linear(cfg.d_model, cfg.q_heads * cfg.head_dim, bias=False)
        self.kv = nn.Linear(cfg.d_model, 2 * cfg.kv_heads * cfg.head_dim,
                            bias=False)
        self.out = nn.Linear(cfg.q_heads * cfg.head_dim, cfg.d_model,
                             bias=False)

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        cfg = self.cfg
        b, t, _ = x.shape
        q = self.q(x).view(b, t, cfg.q_heads, cfg.head_dim).transpose(1, 2)
        kv = self.kv(x).view(b, t, 2, cfg.kv_heads, cfg.head_dim)
        k = kv[:, :, 0].transpose(1, 2)
        v = kv[:, :, 1].transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        # Scaling q (t x d) is cheaper than scaling the scores (t x total).
        q = q * (1.0 / math.sqrt(cfg.head_dim))
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)

        groups = cfg.q_heads // cfg.kv_heads
        scores = q @ repeat_kv(k, groups).transpose(-1, -2)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        probs = scores.softmax(dim=-1)
        y = probs @ repeat_kv(v, groups)
        y = y.transpose(1, 2).reshape(b, t, cfg.q_heads * cfg.head_dim)
        return self.out(y), present


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.norm2 = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.up = nn.Linear(cfg.d_model, cfg.ffn, bias=False)
        self.down = nn.Linear(cfg.ffn, cfg.d_model, bias=False)

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        a, present = self.attn(self.norm1(x), cos, sin, mask, past_k, past_v)
        x = x + a
        x = x + self.down(F.gelu(self.up(self.norm2(x))))
        return x, present


class ByteLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self._init_weights()

    def _init_weights(self):
        # GPT-2 style: small normal init, residual projections scaled down
        # by depth so the residual stream does not grow with layers.
        std = 0.02
        for name, p in self.named_parameters():
            if p.dim() < 2:
                continue
            scale = 1.0
            if name.endswith(("attn.out.weight", "down.weight")):
                scale = 1.0 / math.sqrt(2 * self.cfg.layers)
            nn.init.normal_(p, mean=0.0, std=std * scale)

    def forward(self, input_ids, attention_mask=None, position_ids=None,
                past=None):
        """Return (logits, presents).

        past is a list of (key, value) per layer, each
        [batch, kv_heads, past_len, head_dim], or None for no cache.
        Logits use the tied embedding matrix as the output projection.
        """
        b, t = input_ids.shape
        past_len = 0 if past is None else past[0][0].shape[2]
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + t,
                                        device=input_ids.device)
            position_ids = position_ids.unsqueeze(0).expand(b, t)
        cos, sin = rope_tables(position_ids, self.cfg.head_dim,
                               self.cfg.rope_theta)
        mask = build_mask(attention_mask, t, past_len, input_ids.device)

        x = self.embed(input_ids)
        presents = []
        for i, block in enumerate(self.blocks):
            pk, pv = (None, None) if past is None else past[i]
            x, present = block(x, cos, sin, mask, pk, pv)
            presents.append(present)
        logits = self.norm(x) @ self.embed.weight.t()
        return logits, presents

    def param_count(self):
        return sum(p.numel() for p in self.parameters())
