"""The reference aggregation in plain Python: usage, credits and contributions to weighted lines.

It defines the maths the SQL engines (engine_sql.py) must reproduce exactly, and it is what the
property tests drive. All weights are integers, so every engine agrees to the last digit.

  output units   u(o)     = sum of policy.units[kind] over the period's events of output o
  output lines   w        = u(o) * credit.share_ppm          in sub-pool  output:<role>
  play lines     w        = units * PPM                     in sub-pool  play
  training lines w        = 1 | tokens | seconds_ms         in sub-pool  training:<model>
                            (only for models whose outputs were used in the period)
  activity       items of output/play sub-pools with fewer than minimum_item_units units drop out
  holders        line weight = item weight * holder factor   (factors of an item sum to the scale)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from accord.royalties.model import (
    FACTOR_SCALE,
    OUTPUT_KINDS,
    PPM,
    UNALLOCATED,
    Aggregate,
    Contribution,
    Credit,
    Holder,
    Line,
    UsageEvent,
    UsageKind,
)
from accord.royalties.policy import Policy


def aggregate(events: Iterable[UsageEvent], credits: Iterable[Credit],
              contributions: Iterable[Contribution], holders: Iterable[Holder],
              policy: Policy, period: str) -> Aggregate:
    unit_of = policy.unit_weights()
    out_units: dict[tuple[str, str, str], int] = defaultdict(int)
    plays: dict[tuple[str, str], int] = defaultdict(int)
    for e in events:
        if e.period != period:
            continue
        if e.kind in OUTPUT_KINDS:
            out_units[(e.feature, e.output_id, e.model_id)] += unit_of[e.kind.value]
        elif e.kind == UsageKind.PLAYED:
            per = e.seconds_ms if policy.units.played_per == "second" else 1
            plays[(e.feature, e.recording_id)] += unit_of[e.kind.value] * per
    by_output: dict[str, list[Credit]] = defaultdict(list)
    for c in credits:
        by_output[c.output_id].append(c)
    by_model: dict[str, list[Contribution]] = defaultdict(list)
    for t in contributions:
        by_model[t.model_id].append(t)

    items: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    item_units: dict[tuple[str, str, str], int] = defaultdict(int)
    units: dict[tuple[str, str], int] = defaultdict(int)
    model_units: dict[tuple[str, str], int] = defaultdict(int)
    for (feature, output, model), u in out_units.items():
        units[(feature, "output")] += u
        model_units[(feature, model)] += u
        for c in by_output.get(output, ()):
            acc = items[(feature, f"output:{c.role.value}", model, c.item_kind.value, c.item_id)]
            acc[0] += u
            acc[1] += u * c.share_ppm
            item_units[(feature, c.item_kind.value, c.item_id)] += u
    for (feature, rec), u in plays.items():
        units[(feature, "play")] += u
        acc = items[(feature, "play", "", "recording", rec)]
        acc[0] += u
        acc[1] += u * PPM
        item_units[(feature, "recording", rec)] += u
    floor = policy.thresholds.minimum_item_units
    items = defaultdict(lambda: [0, 0], {k: v for k, v in items.items()
                                         if item_units[(k[0], k[3], k[4])] >= floor})
    weighting = policy.split.training_weighting
    for (feature, model), u in model_units.items():
        units[(feature, f"model:{model}")] += u
        for t in by_model.get(model, ()):
            w = {"equal": 1, "tokens": t.tokens, "seconds": t.seconds_ms}[weighting]
            acc = items[(feature, f"training:{model}", model, "work", t.work_id)]
            acc[0] += u
            acc[1] += w

    holder_of: dict[tuple[str, str], list[Holder]] = defaultdict(list)
    for h in holders:
        holder_of[(h.item_kind.value, h.item_id)].append(h)
    lines = []
    for (feature, subpool, model, kind, item), (u, w) in items.items():
        if w == 0:
            continue
        hs = holder_of.get((kind, item)) or [None]
        for h in hs:
            payee, side, factor = ((UNALLOCATED, "unknown", FACTOR_SCALE) if h is None
                                   else (h.payee_id, h.side, h.factor))
            if factor:
                lines.append(Line(feature, subpool, model, kind, item, payee, side, u,
                                  w * factor, factor))
    return Aggregate(lines=tuple(sorted(lines, key=line_key)), units=dict(units))


def line_key(line: Line) -> tuple:
    return (line.feature, line.subpool, line.model_id, line.item_kind, line.item_id,
            line.payee_id, line.side)
