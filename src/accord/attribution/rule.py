"""The credit rule: method scores -> credit shares that sum to exactly 1. Pure.

1. Reserved shares. An output conditioned on an artist reserves `conditioning_share` for that
   artist, spread equally over the artist's works the model learned from; a derivative reserves
   `source_share` for its source work. A reservation that does not apply is not made.
2. Training credits. A work is a candidate when its score is positive and at least
   `min_relative_score` times the best score. Candidates are ranked by score (ties: smaller work
   id first) and the first `max_credits` are kept.
3. The rest (1 minus the reservations made) is divided among the kept candidates in proportion
   to their scores.
4. Exact arithmetic. Every share is a whole number of parts per million (the royalty engine's
   precision). Weights are the scores relative to the best, in ppm; a total is divided by
   largest remainder (floors, then one ppm each to the largest remainders, ties to the smaller
   work id), so each group sums exactly to its total. A share that rounds to 0 is dropped.
5. No candidate at all (no positive score): the training part goes to the reservations made, in
   proportion. With no reservation either, no single work measurably shaped the output, yet the
   model learned from all of them: the whole output is credited to every training work equally
   (role `training`, score 0; `max_credits` does not apply). Only with no training work either
   is there nothing to credit (`NoCredit`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from accord.attribution.model import CreditShare
from accord.errors import Refused

PPM = 1_000_000
ROLE_TRAINING, ROLE_CONDITIONING, ROLE_SOURCE = "training", "conditioning", "source"


class NoCredit(Refused):
    """Nothing in the scores or the reservations can take the output's credit."""


@dataclass(frozen=True)
class CreditPolicy:
    """The rule's parameters (documented in docs/attribution.md)."""

    conditioning_share: Decimal = Decimal("0.25")  # reserved for a conditioning artist's works
    source_share: Decimal = Decimal("0.25")        # reserved for a derivative's source work
    max_credits: int = 10                          # at most this many training credits
    min_relative_score: Decimal = Decimal("0.25")  # a candidate scores >= this x the best

    def __post_init__(self) -> None:
        for name in ("conditioning_share", "source_share", "min_relative_score"):
            v = getattr(self, name)
            if not isinstance(v, Decimal) or not 0 <= v <= 1:
                raise ValueError(f"{name} must be a Decimal in [0, 1], got {v!r}")
            if (v * PPM) != (v * PPM).to_integral_value():
                raise ValueError(f"{name} has more than 6 decimals: {v}")
        if self.conditioning_share + self.source_share > 1:
            raise ValueError("conditioning_share + source_share must not exceed 1")
        if not 1 <= self.max_credits <= 1000:
            raise ValueError(f"max_credits must be in 1..1000, got {self.max_credits}")

    def to_json(self) -> dict:
        return {"conditioning_share": str(self.conditioning_share),
                "source_share": str(self.source_share), "max_credits": self.max_credits,
                "min_relative_score": str(self.min_relative_score)}

    @classmethod
    def from_json(cls, d: dict) -> CreditPolicy:
        kw = {}
        for name in ("conditioning_share", "source_share", "min_relative_score"):
            if name in d:
                if isinstance(d[name], float):
                    raise ValueError(f"{name} must be an exact decimal string, not a float")
                kw[name] = Decimal(str(d[name]))
        if "max_credits" in d:
            kw["max_credits"] = int(d["max_credits"])
        unknown = set(d) - {*kw, "max_credits"}
        if unknown:
            raise ValueError(f"unknown credit policy keys: {', '.join(sorted(unknown))}")
        return cls(**kw)


def allocate_ppm(total: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Split `total` ppm in proportion to integer weights by largest remainder (ties to the
    smaller id). Sums exactly to total when any weight is positive."""
    wsum = sum(w for _, w in weights)
    if total == 0 or wsum <= 0:
        return {k: 0 for k, _ in weights}
    floors = {k: total * w // wsum for k, w in weights}
    rest = total - sum(floors.values())
    order = sorted(weights, key=lambda kw: (-(total * kw[1] % wsum), kw[0]))
    for k, _ in order[:rest]:
        floors[k] += 1
    return floors


def candidates(scores: Sequence[tuple[str, float]], policy: CreditPolicy
               ) -> list[tuple[str, float]]:
    """Training candidates after the threshold and the cap, best first (ties: smaller id)."""
    ok = [(k, float(s)) for k, s in scores if math.isfinite(s) and s > 0]
    if not ok:
        return []
    best = max(s for _, s in ok)
    floor = best * float(policy.min_relative_score)
    ranked = sorted((kv for kv in ok if kv[1] >= floor), key=lambda kv: (-kv[1], kv[0]))
    return ranked[:policy.max_credits]


def credit_shares(scores: Sequence[tuple[str, float]], policy: CreditPolicy = CreditPolicy(),
                  conditioning_works: Sequence[str] = (), source_work: str | None = None,
                  training_works: Sequence[str] = ()) -> list[CreditShare]:
    """The credits of one output (see the module doc). Input order does not matter."""
    if len({k for k, _ in scores}) != len(scores):
        raise ValueError("a work is scored twice")
    cond = sorted(set(conditioning_works))
    reserved = {ROLE_CONDITIONING: int(policy.conditioning_share * PPM) if cond else 0,
                ROLE_SOURCE: int(policy.source_share * PPM) if source_work else 0}
    kept = candidates(scores, policy)
    train_total = PPM - sum(reserved.values())
    if not kept and not any(reserved.values()):
        everyone = sorted(set(training_works))
        if not everyone:
            raise NoCredit("no work scored above zero, no conditioning artist or source work, "
                           "and no training work to credit: the output cannot be credited")
        equal = allocate_ppm(PPM, [(w, 1) for w in everyone])
        return [CreditShare(ROLE_TRAINING, w, _dec(equal[w]), 0.0) for w in everyone
                if equal[w]]
    if not kept:
        moved = allocate_ppm(train_total, sorted(reserved.items()))
        reserved = {k: v + moved[k] for k, v in reserved.items()}
        train_total = 0
    best = kept[0][1] if kept else 1.0
    weights = [(k, max(1, round(s / best * PPM))) for k, s in kept]
    train = allocate_ppm(train_total, weights)
    out: list[CreditShare] = []
    if reserved[ROLE_SOURCE]:
        out.append(CreditShare(ROLE_SOURCE, source_work or "", _dec(reserved[ROLE_SOURCE])))
    if reserved[ROLE_CONDITIONING]:
        split = allocate_ppm(reserved[ROLE_CONDITIONING], [(w, 1) for w in cond])
        out += [CreditShare(ROLE_CONDITIONING, w, _dec(split[w])) for w in cond if split[w]]
    out += [CreditShare(ROLE_TRAINING, k, _dec(train[k]), s) for k, s in kept if train[k]]
    total = sum(c.share for c in out)
    if total != 1:  # by construction; checked in production, not only in tests
        raise AssertionError(f"credit shares sum to {total}, not 1")
    return out


def _dec(ppm: int) -> Decimal:
    return (Decimal(ppm) / PPM).quantize(Decimal("0.000001"))
