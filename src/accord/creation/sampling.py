"""Sampling from the transformer: temperature, nucleus (top-p), a KV cache, and batches.

Pure torch over token ids; no files, no registry. Both paths (cached and uncached) compute the
logits of exactly the same context at every step, so for the same seed they draw the same
tokens (up to float rounding, which the inverse-CDF draw below makes practically irrelevant):

- the context is the `pinned` prefix (conditioning and BOS, kept forever) plus the most recent
  tokens after it; when it would exceed the model's block size, the window jumps forward and
  keeps the last half of the block (`window_start`), the cached path then refills its cache;
- each row of a batch has its own generator, and each token is drawn from one uniform number
  of that generator by inverse CDF over the vocabulary (in id order), so a row's tokens depend
  only on its seed and its context, not on the order of a sort or on the other rows.

One intra-op thread by default: a step of a ~1M-parameter model is a few small matrix products,
and on a shared 2-core machine a second thread costs far more in synchronisation than it gains
(measured in bench/creation.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from accord.training.model import KVCache, Transformer


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0   # divides the logits; lower is more conservative
    top_p: float = 0.95        # smallest set of tokens whose probability reaches top_p
    max_new_tokens: int = 512  # hard bound on generated tokens per row
    use_cache: bool = True     # KV cache (O(T) per token) or recompute the context (O(T^2))
    threads: int = 1           # torch intra-op threads while sampling (see the module note)
    banned: tuple[int, ...] = ()  # ids never drawn (padding, BOS, conditioning, end token)


class Rule(Protocol):
    """A row's constraint (`constraints.Decoder`): the tokens allowed next, then the one drawn."""

    finished: bool

    def allowed(self, logits: torch.Tensor) -> torch.Tensor: ...

    def advance(self, token: int) -> None: ...


def window_start(length: int, pinned: int, start: int, block: int) -> int:
    """Where the unpinned part of the context starts, given the previous start: unchanged while
    pinned + (length - start) fits in the block, else jump to keep the last half of the block."""
    if pinned + (length - start) <= block:
        return start
    keep = max(1, (block - pinned) // 2)
    return length - keep


def draw(logits: torch.Tensor, sampling: Sampling, uniforms: torch.Tensor) -> list[int]:
    """Token ids from rows of logits (B, V): temperature, nucleus, then inverse CDF with one
    uniform number in [0, 1) per row."""
    logits = logits.double()
    if sampling.banned:
        logits[:, list(sampling.banned)] = -float("inf")
    probs = torch.softmax(logits / max(sampling.temperature, 1e-6), dim=-1)
    if sampling.top_p < 1.0:
        sorted_p, order = torch.sort(probs, dim=-1, descending=True)
        before = torch.cumsum(sorted_p, -1) - sorted_p  # mass strictly above each token
        keep = torch.zeros_like(probs, dtype=torch.bool).scatter_(
            -1, order, before < sampling.top_p)
        probs = torch.where(keep, probs, torch.zeros_like(probs))
    cdf = torch.cumsum(probs, -1)
    target = (uniforms.double() * cdf[:, -1]).unsqueeze(-1)
    ids = torch.searchsorted(cdf, target, right=True).squeeze(-1)
    return ids.clamp(max=probs.size(-1) - 1).tolist()


@torch.no_grad()
def sample(model: Transformer, prefixes: Sequence[Sequence[int]], seeds: Sequence[int],
           sampling: Sampling, pinned: int = 0,
           done: Callable[[list[int]], bool] | None = None,
           rules: Sequence[Rule] | None = None) -> list[list[int]]:
    """Continue each prefix (all of one length) with its own seed; return the new tokens per row.

    `done(new_tokens)` says when a row is finished (e.g. an end token or enough bars); finished
    rows stop growing while the others go on. The batch is one forward pass per step. `rules`
    (one per row) constrain decoding: before each draw every token a row's rule does not allow
    gets probability 0 (temperature and nucleus then act on the allowed tokens), and the drawn
    token advances the rule; a row whose rule is finished is finished.
    """
    if len(prefixes) != len(seeds) or not prefixes:
        raise ValueError("one seed per prefix, at least one prefix")
    if rules is not None and len(rules) != len(prefixes):
        raise ValueError("one rule per prefix")
    if len({len(p) for p in prefixes}) != 1:
        raise ValueError("every prefix of a batch must have the same length")
    block = model.cfg.block_size
    if pinned >= block // 2:
        raise ValueError(f"{pinned} pinned tokens leave no room in a block of {block}")
    was_training, threads = model.training, torch.get_num_threads()
    model.eval()
    torch.set_num_threads(sampling.threads)
    rows = [list(p) for p in prefixes]
    new: list[list[int]] = [[] for _ in rows]
    finished = [False] * len(rows)
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    start = pinned
    cache: KVCache | None = None
    fed = 0  # tokens of the current window already in the cache
    try:
        for _ in range(sampling.max_new_tokens):
            length = len(rows[0])
            moved = window_start(length, pinned, start, block)
            if moved != start:
                start, cache, fed = moved, None, 0
            ctx = [r[:pinned] + r[start:] for r in rows]
            if sampling.use_cache and cache is not None:
                feed = [c[fed:] for c in ctx]
            else:
                feed, cache = ctx, None
            logits, _, present = model(torch.tensor(feed, dtype=torch.long), cache=cache)
            if sampling.use_cache:
                cache, fed = present, len(ctx[0])
            uniforms = torch.stack([torch.rand((), generator=g, dtype=torch.float64)
                                    if not f else torch.zeros((), dtype=torch.float64)
                                    for g, f in zip(gens, finished, strict=True)])
            last = logits[:, -1, :]
            if rules is not None:
                allowed = torch.ones_like(last, dtype=torch.bool)
                for i, rule in enumerate(rules):
                    if not finished[i]:
                        allowed[i] = rule.allowed(last[i])
                last = last.masked_fill(~allowed, -float("inf"))
            drawn = draw(last, sampling, uniforms)
            for i, row in enumerate(rows):
                tok = drawn[i] if not finished[i] else row[-1]
                row.append(tok)
                if not finished[i]:
                    new[i].append(tok)
                    if rules is not None:
                        rules[i].advance(tok)
                    finished[i] = (done is not None and done(new[i])) or \
                        (rules is not None and rules[i].finished)
            if all(finished):
                break
    finally:
        model.train(was_training)
        torch.set_num_threads(threads)
    return new
