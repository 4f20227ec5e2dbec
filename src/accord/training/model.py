"""A decoder-only transformer over token ids, written to be read (after nanoGPT).

Pre-norm blocks: x + attn(ln(x)), x + mlp(ln(x)); learned position embeddings; the output head
shares its weights with the token embedding. `forward` takes an optional KV cache so that
sampling costs O(T) per new token (the creation stage uses `generate`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 400      # token ids 0..vocab_size-1 (the tokenizer's vocab_size)
    block_size: int = 256      # longest context the model attends to, in tokens
    n_layer: int = 4           # transformer blocks
    n_head: int = 4            # attention heads per block (n_embd must divide by it)
    n_embd: int = 144          # width of the residual stream
    dropout: float = 0.0       # dropout on attention, MLP and embeddings (0 for tiny data)
    bias: bool = True          # biases in Linear and LayerNorm layers

    def to_json(self) -> dict:
        return asdict(self)


#: Presets. `tiny` trains in seconds in the tests; `standard` has about 1M parameters, the size
#: that the issue measured as the best fit for ~10-20 CPU-minutes on folk REMI tokens.
PRESETS: dict[str, dict] = {
    "tiny": {"block_size": 64, "n_layer": 2, "n_head": 2, "n_embd": 32},
    "standard": {"block_size": 256, "n_layer": 4, "n_head": 4, "n_embd": 144},
}


def preset(name: str, vocab_size: int) -> ModelConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return ModelConfig(vocab_size=vocab_size, **PRESETS[name])


KVCache = list[tuple[torch.Tensor, torch.Tensor]]


class SelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        assert cfg.n_embd % cfg.n_head == 0
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.dropout = cfg.dropout
        self.resid_drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if past is not None:  # cached keys and values of the earlier positions
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        # With a cache and one new token, every cached position is visible: no mask needed.
        causal = past is None or T > 1
        if past is not None and T > 1:
            L = k.size(2)
            mask = torch.ones(T, L, dtype=torch.bool, device=x.device).tril(L - T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                               dropout_p=self.dropout if self.training else 0.0)
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal and past is None,
                                               dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_drop(self.proj(y)), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
        self.proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.gelu(self.fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = SelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor, past=None):
        a, present = self.attn(self.ln1(x), past)
        x = x + a
        return x + self.mlp(self.ln2(x)), present


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.pos_emb = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        """Parameters, counting the tied head once and leaving out position embeddings."""
        return sum(p.numel() for p in self.parameters()) - self.pos_emb.weight.numel()

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None,
                cache: KVCache | None = None):
        """Logits (B, T, V); the mean cross-entropy per token when targets are given; the cache.

        With `cache` (the third value of an earlier call) idx holds only the new positions.
        """
        B, T = idx.shape
        start = 0 if not cache else cache[0][0].size(2)
        if start + T > self.cfg.block_size:
            raise ValueError(f"sequence of {start + T} tokens exceeds block_size "
                             f"{self.cfg.block_size}")
        pos = torch.arange(start, start + T, device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))
        presents: KVCache = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, cache[i] if cache else None)
            presents.append(present)
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1),
                                   ignore_index=-1)
        return logits, loss, presents

    @torch.no_grad()
    def generate(self, prefix: list[int], max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, stop_id: int | None = None,
                 generator: torch.Generator | None = None) -> list[int]:
        """Sample a continuation of `prefix` (KV-cached; the window restarts at block_size)."""
        was_training = self.training
        self.eval()
        out = list(prefix)
        cache: KVCache | None = None
        feed = out[-self.cfg.block_size:]
        for _ in range(max_new_tokens):
            if cache is not None and cache[0][0].size(2) >= self.cfg.block_size:
                cache, feed = None, out[-(self.cfg.block_size // 2):]
            logits, _, cache = self(torch.tensor([feed]), cache=cache)
            logits = logits[0, -1] / max(temperature, 1e-6)
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[-1]] = -float("inf")
            nxt = int(torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator))
            out.append(nxt)
            feed = [nxt]
            if stop_id is not None and nxt == stop_id:
                break
        self.train(was_training)
        return out
