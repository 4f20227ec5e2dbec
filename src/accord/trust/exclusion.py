"""Flags as royalty exclusions (pure): trust's flag events written as withdrawal events that
compose with the registry's own takedowns.

The royalty engine decides a recording's state by the latest withdrawal event at or before T
(a takedown wins a tie). To add "flagged" beside "taken down" without letting a flag's end
reinstate a recording its rights holder took down (or a takedown's end clear a flag), each
flagged interval [a, b) becomes: a withdrawal at a; a withdrawal again at every registry event
inside (a, b) (so a reinstatement there does not win); and at b a reinstatement only when the
registry does not hold the recording down at b. Then at every instant the recording is down
exactly when the registry or a flag holds it down.

A decision reversed on review ("void") means the flag should never have stood: its screening's
flag events up to the void are dropped from the royalty events altogether, so the closed
periods they touched are recomputed and the next run releases the withheld money as an
adjustment (a later flag of the same screening stands). For the DJ's view (`flagged_at`) a
voided flag stands until the void.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from accord.rights.model import Withdrawal, WithdrawalAction
from accord.rights.permission import withdrawal_state


@dataclass(frozen=True)
class FlagEvent:
    id: str
    recording_id: str
    action: str  # "flag" | "clear" | "void"
    effective_at: datetime
    reason: str = ""
    screening_id: str = ""


def intervals(events: Iterable[FlagEvent]) -> list[tuple[FlagEvent, datetime | None]]:
    """(the flag that opened it, its end or None) for one recording's events, in time order;
    at equal times a flag wins over a clear."""
    out: list[tuple[FlagEvent, datetime | None]] = []
    opened: FlagEvent | None = None
    for e in sorted(events, key=lambda e: (e.effective_at, e.action == "flag", e.id)):
        if e.action == "flag" and opened is None:
            opened = e
        elif e.action == "clear" and opened is not None:
            out.append((opened, e.effective_at))
            opened = None
    if opened is not None:
        out.append((opened, None))
    return out


def _standing(events: list[FlagEvent], at: datetime | None = None) -> list[FlagEvent]:
    """flag and clear events not voided: a void (in force by `at`; None: ever) cancels the
    events of its screening effective at or before it; a later flag of that screening (a
    review that flags it again) stands."""
    voids: dict[str, list[datetime]] = {}
    for e in events:
        if e.action == "void" and (at is None or e.effective_at <= at):
            voids.setdefault(e.screening_id, []).append(e.effective_at)
    return [e for e in events if e.action != "void" and not any(
        e.effective_at <= v for v in voids.get(e.screening_id, ()))]


def flagged_at(events: Iterable[FlagEvent], at: datetime) -> bool:
    """Is the recording flagged at T (a voided screening's flag stood until its void)?"""
    events = list(events)
    return any(a.effective_at <= at and (b is None or at < b)
               for a, b in intervals(_standing(events, at)))


def as_withdrawals(flags: Iterable[FlagEvent], registry: Iterable[Withdrawal]
                   ) -> list[Withdrawal]:
    """The withdrawal events that add `flags` to `registry`'s takedowns (see above)."""
    by_rec: dict[str, list[FlagEvent]] = {}
    for f in _standing(list(flags)):
        by_rec.setdefault(f.recording_id, []).append(f)
    reg = list(registry)
    out: list[Withdrawal] = []
    for rec, events in sorted(by_rec.items()):
        mine = [w for w in reg if w.recording_id == rec]
        for k, (start, end) in enumerate(intervals(events)):
            why = f"flagged by upload screening ({start.reason})".strip()
            out.append(Withdrawal(f"trust-{start.id}-{k}-open", rec, WithdrawalAction.WITHDRAW,
                                  start.effective_at, why))
            for j, w in enumerate(sorted(mine, key=lambda w: (w.effective_at, w.id))):
                if start.effective_at < w.effective_at and (end is None or w.effective_at < end):
                    out.append(Withdrawal(f"trust-{start.id}-{k}-hold-{j}", rec,
                                          WithdrawalAction.WITHDRAW, w.effective_at, why))
            if end is not None and withdrawal_state(rec, end, mine) is None:
                out.append(Withdrawal(f"trust-{start.id}-{k}-close", rec,
                                      WithdrawalAction.REINSTATE, end,
                                      "upload screening flag cleared"))
    return out
