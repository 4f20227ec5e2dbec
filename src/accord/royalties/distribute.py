"""From weighted lines and revenue to money: the one rounding step per payee.

Per currency, each feature's revenue R forms an exact pool P = R * pool.fraction. The pool is
sized into sub-pools (exact Fractions): play and output-based by their units; output-based into
training:<model> (split.training, by each model's output units) and output:<role> (the rest, by
role fractions). Sub-pools that nobody can be paid from (no lines) hand their fraction to the
others; a feature with none at all goes to the named residual account. A payee's exact quota is
the sum over sub-pools of P_s * w / W_s; the platform's quota is R - P. One largest-remainder
allocation turns all quotas of a currency into minor units, so payees + platform + residual ==
revenue exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

from accord.royalties.model import PLATFORM, PPM, UNALLOCATED, Aggregate, Line, RevenueEvent
from accord.royalties.money import allocate, allocate_sums
from accord.royalties.policy import Policy
from accord.royalties.weights import WeightColumns, Weights


@dataclass(frozen=True)
class Distribution:
    period: str
    revenue: dict[tuple[str, str], int]  # (feature, currency) -> minor units
    #: (currency, payee) -> minor units; payee PLATFORM and UNALLOCATED included
    allocations: dict[tuple[str, str], int]
    #: (feature, subpool) -> exact fraction of the feature's pool
    fractions: dict[tuple[str, str], Fraction] = field(default_factory=dict)
    totals: dict[tuple[str, str], int] = field(default_factory=dict)  # W_s
    #: (currency, payee, reason) -> the part of the payee's allocation that is withheld
    #: (withhold.py); the allocations above stay the payee's whole rounded amount
    withheld: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def currencies(self) -> list[str]:
        return sorted({c for _, c in self.revenue})

    def withheld_of(self, currency: str, payee: str) -> int:
        return sum(v for (c, p, _), v in self.withheld.items() if c == currency and p == payee)

    def pool(self, currency: str) -> int:
        return sum(v for (c, p), v in self.allocations.items() if c == currency and p != PLATFORM)



def payee_weights(lines: Iterable[Line]) -> Weights:
    out: Weights = defaultdict(lambda: defaultdict(int))
    for ln in lines:
        out[(ln.feature, ln.subpool)][ln.payee_id] += ln.weight
    return {k: dict(v) for k, v in out.items()}


def subpool_fractions(units: dict[tuple[str, str], int], totals: dict[tuple[str, str], int],
                      feature: str, policy: Policy) -> dict[str, Fraction]:
    u_out = units.get((feature, "output"), 0)
    u_play = units.get((feature, "play"), 0)
    raw: dict[str, Fraction] = {}
    if u_out + u_play:
        raw["play"] = Fraction(u_play, u_out + u_play)
        out_share = Fraction(u_out, u_out + u_play)
        if u_out:
            t = Fraction(policy.split.training)
            for (f, key), u in sorted(units.items()):
                if f == feature and key.startswith("model:"):
                    raw[f"training:{key[6:]}"] = out_share * t * Fraction(u, u_out)
            for role, p in policy.role_ppm().items():
                raw[f"output:{role}"] = out_share * (1 - t) * Fraction(p, PPM)
    live = {s: f for s, f in raw.items() if f and totals.get((feature, s), 0) > 0}
    whole = sum(live.values(), Fraction(0))
    return {s: f / whole for s, f in live.items()} if whole else {}


def distribute(agg: Aggregate, revenue: Iterable[RevenueEvent], policy: Policy,
               period: str) -> Distribution:
    return distribute_weights(payee_weights(agg.lines), agg.units, revenue, policy, period)


def _coefficients(rev: dict[tuple[str, str], int], fractions: dict[tuple[str, str], Fraction],
                  totals: dict[tuple[str, str], int], policy: Policy):
    """Per currency with revenue: (total, c, fixed), where a payee's exact quota is the sum over
    sub-pools s of c[s] * its weight in s, plus fixed[payee] (the platform's share, a pool
    nobody can be paid from); c_s = P_f * f_s / W_s."""
    pool_fraction = Fraction(policy.pool.fraction)
    for currency in sorted({c for _, c in rev}):
        total = sum(a for (_, c), a in rev.items() if c == currency)
        if total == 0:
            continue
        coef: dict[tuple[str, str], Fraction] = {}
        fixed: dict[str, Fraction] = defaultdict(Fraction)
        for (feature, cur), amount in sorted(rev.items()):
            if cur != currency:
                continue
            pool = amount * pool_fraction
            fixed[PLATFORM] += amount - pool
            subs = {s: f for (ft, s), f in fractions.items() if ft == feature}
            if not subs:
                fixed[UNALLOCATED] += pool
            for s, f in subs.items():
                coef[(feature, s)] = pool * f / totals[(feature, s)]
        yield currency, total, coef, dict(fixed)


def _revenue(revenue: Iterable[RevenueEvent], period: str) -> dict[tuple[str, str], int]:
    rev: dict[tuple[str, str], int] = defaultdict(int)
    for r in revenue:
        if r.period == period:
            rev[(r.feature, r.currency)] += r.amount_minor
    return dict(rev)


def _fractions(rev, units, totals, policy) -> dict[tuple[str, str], Fraction]:
    fractions: dict[tuple[str, str], Fraction] = {}
    for feature in sorted({f for f, _ in rev}):
        for s, f in subpool_fractions(units, totals, feature, policy).items():
            fractions[(feature, s)] = f
    return fractions


def distribute_weights(weights: Weights, units: dict[tuple[str, str], int],
                       revenue: Iterable[RevenueEvent], policy: Policy,
                       period: str) -> Distribution:
    rev = _revenue(revenue, period)
    totals = {k: sum(v.values()) for k, v in weights.items()}
    fractions = _fractions(rev, units, totals, policy)
    allocations: dict[tuple[str, str], int] = {}
    for currency, total, coef, fixed in _coefficients(rev, fractions, totals, policy):
        # with D the common denominator of every c_s, D * quota is an integer: one exact
        # integer pass.
        den = 1
        for c in [*coef.values(), *fixed.values()]:
            den = den * c.denominator // gcd(den, c.denominator)
        scaled: dict[str, int] = defaultdict(int)
        for key, c in coef.items():
            m = c.numerator * (den // c.denominator)
            for payee, w in weights[key].items():
                scaled[payee] += w * m
        for payee, c in fixed.items():
            scaled[payee] += c.numerator * (den // c.denominator)
        if any(scaled.values()):
            for payee, minor in allocate(total, scaled).items():
                allocations[(currency, payee)] = minor
        else:
            allocations[(currency, UNALLOCATED)] = total
    return Distribution(period, rev, allocations, fractions, totals)


def distribute_columns(weights: WeightColumns, units: dict[tuple[str, str], int],
                       revenue: Iterable[RevenueEvent], policy: Policy,
                       period: str) -> Distribution:
    """`distribute_weights` over the engine's weight table as columns (weights.py): the same
    Distribution, amount for amount, with the per-payee sums vectorised
    (money.allocate_sums) instead of a Python loop over every (sub-pool, payee) line."""
    import numpy as np

    rev = _revenue(revenue, period)
    totals = weights.totals()
    fractions = _fractions(rev, units, totals, policy)
    allocations: dict[tuple[str, str], int] = {}
    for currency, total, coef, fixed in _coefficients(rev, fractions, totals, policy):
        live = np.zeros(len(weights.groups), dtype=bool)
        coefs = [Fraction(0)] * len(weights.groups)
        for g, key in enumerate(weights.groups):
            if key in coef:
                live[g], coefs[g] = True, coef[key]
        if live.all():  # every row counts: every payee is in some row
            rows = slice(None)
            keys, names = weights.payee, weights.payees
        else:
            rows = np.nonzero(live[weights.group])[0]
            used, keys = np.unique(weights.payee[rows], return_inverse=True)
            names = [weights.payees[k] for k in used.tolist()]
        paid = np.array([c != 0 for c in coefs], dtype=bool)
        if any(fixed.values()) or bool(
                ((weights.lo[rows] != 0) | (weights.hi[rows] != 0))[paid[weights.group[rows]]]
                .any()):
            payees, amounts = allocate_sums(total, coefs, weights.group[rows], keys,
                                            weights.lo[rows], weights.hi[rows], names, fixed)
            allocations.update({(currency, p): minor
                                for p, minor in zip(payees, amounts, strict=True)})
        else:
            allocations[(currency, UNALLOCATED)] = total
    return Distribution(period, rev, allocations, fractions, totals)


def line_amounts(dist: Distribution, lines: Iterable[Line], currency: str, payee: str,
                 policy: Policy) -> list[tuple[Line, int]]:
    """A payee's allocation split over its lines (for statements): exact line quotas, then the
    same largest-remainder function, so the lines add up to the payee's amount exactly."""
    pool_fraction = Fraction(policy.pool.fraction)
    mine = [ln for ln in lines if ln.payee_id == payee]
    quotas: dict[int, Fraction] = {}
    for i, ln in enumerate(mine):
        f = dist.fractions.get((ln.feature, ln.subpool))
        amount = dist.revenue.get((ln.feature, currency), 0)
        if f is None or not amount:
            continue
        quotas[i] = amount * pool_fraction * f * Fraction(ln.weight, dist.totals[(ln.feature,
                                                                                 ln.subpool)])
    alloc = dist.allocations.get((currency, payee), 0)
    if not quotas or not any(quotas.values()):
        return []
    return [(mine[i], v) for i, v in sorted(allocate(alloc, quotas).items())]
