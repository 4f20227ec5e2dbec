"""Who owns an item's money: the holder map, derived purely from the rights registry's records.

A recording's money splits into a master side (its master holders by ownership share) and a
publishing side (its work's rule); a work's money is all publishing side: writers get
`writer_share` by their shares and publishers the rest (writers all of it when there are no
publishers). Every factor is an exact integer over FACTOR_SCALE; an item's factors sum to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from accord.errors import Problem
from accord.rights.model import (
    Agreement,
    AgreementTermination,
    RecordingRights,
    Share,
    WorkRights,
)
from accord.rights.permission import in_force
from accord.royalties.model import FACTOR_SCALE, PPM, UNALLOCATED, Holder, ItemKind, ppm
from accord.royalties.policy import Policy


def _own_ppm(shares: tuple[Share, ...], where: str) -> list[tuple[str, int]]:
    out = [(s.party_id, ppm(s.share / 100, where)) for s in shares]
    if out and sum(p for _, p in out) != PPM:
        raise ValueError(f"{where}: ownership shares do not sum to 100")
    return out


def _work_parts(work: WorkRights, side_ppm: int, writer_ppm: int) -> list[tuple[str, str, int]]:
    """(party, role, factor) of the publishing side of a work carrying side_ppm of an item."""
    writers = _own_ppm(work.writers, f"work {work.work_id} writers")
    publishers = _own_ppm(work.publishers, f"work {work.work_id} publishers")
    if not writers and not publishers:
        return [(UNALLOCATED, "unowned", side_ppm * PPM * PPM)]
    if not publishers:
        writer_ppm = PPM
    elif not writers:
        writer_ppm = 0
    return ([(p, "songwriter", side_ppm * writer_ppm * own) for p, own in writers if writer_ppm]
            + [(p, "publisher", side_ppm * (PPM - writer_ppm) * own) for p, own in publishers
               if writer_ppm < PPM])


_SIDE = {"songwriter": "writer", "publisher": "publisher", "unowned": "unowned"}


def master_side_ppm(rec: RecordingRights, agreements: Iterable[Agreement], policy: Policy) -> int:
    """The master side's part of a recording's money: a master holder's agreement term
    `master_share_of_pool` first, else 1 - a publisher's `publishing_share_of_pool`, else the
    policy's `master_side` (agreements in id order; terms are exact decimal strings)."""
    if policy.rights.agreement_terms:
        agreements = sorted(agreements, key=lambda a: a.id)
        masters = {s.party_id for s in rec.masters}
        publishers = {s.party_id for s in rec.work.publishers}
        for a in agreements:
            term = a.revenue_terms.get("master_share_of_pool")
            if a.licensor_id in masters and term is not None:
                return ppm(Decimal(str(term)), f"agreement {a.id} master_share_of_pool")
        for a in agreements:
            term = a.revenue_terms.get("publishing_share_of_pool")
            if a.licensor_id in publishers and term is not None:
                return PPM - ppm(Decimal(str(term)), f"agreement {a.id} publishing_share_of_pool")
    return ppm(policy.rights.master_side)


def agreements_in_force(agreements: Iterable[Agreement], at: datetime,
                        terminations: Iterable[AgreementTermination] = ()) -> list[Agreement]:
    """The agreements in force at `at` (the rights model's `in_force`: valid_from <= at <
    valid_until, not terminated at or before it)."""
    terminations = list(terminations)
    return [a for a in agreements if in_force(a, at, terminations)]


def holder_map(works: Iterable[WorkRights], recordings: Iterable[RecordingRights],
               agreements: Iterable[Agreement], policy: Policy, at: datetime | None = None,
               terminations: Iterable[AgreementTermination] = ()
               ) -> tuple[list[Holder], list[Problem]]:
    """Holders of every given item, with the problems (bad shares) collected as values.

    at: the instant whose agreements' revenue terms count (a run passes the last instant of
    its period: terms of an agreement in force then apply to the whole period; an agreement
    that ended or was terminated before it, or starts after it, is ignored). None: every
    agreement counts (no dates known).
    """
    writer_ppm = ppm(policy.rights.writer_share)
    agreements = list(agreements) if at is None else agreements_in_force(agreements, at,
                                                                         terminations)
    out: list[Holder] = []
    problems: list[Problem] = []
    for w in works:
        try:
            parts = _work_parts(w, PPM, writer_ppm)
        except ValueError as exc:
            problems.append(Problem(f"work {w.work_id}", str(exc)))
            continue
        out += [Holder(ItemKind.WORK, w.work_id, p, _SIDE[role], role, f)
                for p, role, f in parts]
    for r in recordings:
        try:
            m = master_side_ppm(r, agreements, policy)
            masters = _own_ppm(r.masters, f"recording {r.recording_id} masters")
            parts = [(p, "label", m * PPM * own) for p, own in masters] if masters else (
                [(UNALLOCATED, "unowned", m * PPM * PPM)] if m else [])
            pub = _work_parts(r.work, PPM - m, writer_ppm) if m < PPM else []
        except ValueError as exc:
            problems.append(Problem(f"recording {r.recording_id}", str(exc)))
            continue
        out += [Holder(ItemKind.RECORDING, r.recording_id, p, "master", role, f)
                for p, role, f in parts]
        out += [Holder(ItemKind.RECORDING, r.recording_id, p, _SIDE[role], role, f)
                for p, role, f in pub]
    merged: dict[tuple, Holder] = {}
    for h in out:  # one party twice on one side of an item (e.g. two share rows): one holder
        k = (h.item_kind, h.item_id, h.payee_id, h.side)
        old = merged.get(k)
        merged[k] = h if old is None else Holder(h.item_kind, h.item_id, h.payee_id, h.side,
                                                 h.role, old.factor + h.factor)
    out = sorted(merged.values(), key=lambda h: (h.item_kind, h.item_id, h.payee_id, h.side))
    totals: dict[tuple[str, str], int] = {}
    for h in out:
        totals[(h.item_kind, h.item_id)] = totals.get((h.item_kind, h.item_id), 0) + h.factor
    bad = [k for k, t in totals.items() if t != FACTOR_SCALE]
    if bad:  # a bug, not bad input: the factors are built to sum to the scale
        raise AssertionError(f"holder factors do not sum to the scale for {bad[:3]}")
    return out, problems
