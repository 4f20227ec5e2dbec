"""A period's distribution, computed: the engine aggregates weights and units for the period's
holder map, the money is allocated, then the items money may be withheld from are sliced at the
instants their facts change and what falls in a revoked or unlicensed slice is withheld.
Everything the engine needs is passed in each call (engine.RoyaltyEngine)."""

from __future__ import annotations

import hashlib
import json

from accord.royalties.distribute import Distribution, distribute_columns
from accord.royalties.engine import Cuts, RoyaltyEngine
from accord.royalties.engine_sql import holders_table, wanted_table
from accord.royalties.model import Holder
from accord.royalties.policy import Policy
from accord.royalties.withhold import (
    RightsFacts,
    apply_withholding,
    cut_instants,
    wanted_items,
    withheld_quotas,
)


def fingerprint(policy: Policy, dist: Distribution, weights, units) -> str:
    """The inputs of a period's result: policy, revenue, units, weights (the holder map in
    them) and what is withheld and why (the consent and agreement facts that touch it); a fact
    that changes none of these does not change the fingerprint."""
    h = hashlib.sha256(policy.hash.encode())
    parts = [sorted(dist.revenue.items()), sorted(units.items()),
             sorted((k, sorted(v.items())) for k, v in weights.items())]
    if dist.withheld:
        parts.append(sorted(dist.withheld.items()))
    for part in parts:
        h.update(json.dumps(part, default=str).encode())
    return h.hexdigest()


def _plan(holders: list[Holder], facts: RightsFacts, period: str):
    """(wanted items, their holders, the cut instants) of a period."""
    wanted = wanted_items(holders, facts, period)
    mine = [h for h in holders if (h.item_kind.value, h.item_id) in wanted]
    cuts = cut_instants(facts, period, {h.payee_id for h in mine},
                        {item for kind, item in wanted if kind == "recording"})
    return wanted, mine, cuts


def engine_cuts(holders: list[Holder], facts: RightsFacts, period: str) -> Cuts:
    """The instants that slice the period's usage, as the engine takes them."""
    return tuple(c.strftime("%Y-%m-%dT%H:%M:%S") for c in _plan(holders, facts, period)[2])


def compute_period(engine: RoyaltyEngine, policy: Policy, revenue, period: str,
                   holders: list[Holder], facts: RightsFacts) -> tuple[Distribution, str]:
    """A period's distribution with its withheld money, and the fingerprint of its inputs."""
    table = holders_table(holders)
    wanted, mine, cuts = _plan(holders, facts, period)
    at = tuple(c.strftime("%Y-%m-%dT%H:%M:%S") for c in cuts)
    columns = engine.weight_columns(policy, period, table, at)
    weights = columns.to_dict()  # the fingerprint and the withholding read them by payee
    units = engine.units(policy, period, table, at)
    dist = distribute_columns(columns, units, revenue, policy, period)
    if wanted and dist.revenue:
        rows = engine.sliced(policy, period, wanted_table(wanted), at)
        quotas = withheld_quotas(dist, rows, mine, facts, revenue, policy, period, cuts)
        dist = apply_withholding(dist, weights, quotas, policy)
    return dist, fingerprint(policy, dist, weights, units)
