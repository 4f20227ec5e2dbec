"""Whole-document checks beyond shape: references, share sums, dates, roles, immutability.

Pure over the document plus a small view of what the registry already holds; returns every
problem found (errors as values), so the user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accord import identifiers
from accord.errors import Problem
from accord.rights.document import RightsDocument, ShareDoc
from accord.rights.model import HUNDRED, PERSON_ROLES, Role


@dataclass
class RegistryView:
    """What validation needs to know about the registry (filled by the service)."""

    party_roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    works: set[str] = field(default_factory=set)
    recordings: set[str] = field(default_factory=set)
    agreements: set[str] = field(default_factory=set)
    isrc_owner: dict[str, str] = field(default_factory=dict)  # ISRC -> recording id
    iswc_owner: dict[str, str] = field(default_factory=dict)
    # event ids already recorded, mapped to a predicate "is this the same content?"
    same_event: dict[str, Callable[[object], bool]] = field(default_factory=dict)


def check_document(doc: RightsDocument, source: str, reg: RegistryView) -> list[Problem]:
    problems: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        problems.append(Problem(f"{source}:{where}", msg))

    for section in ("parties", "works", "recordings", "agreements", "consents", "terminations",
                    "withdrawals"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(doc, section)):
            if item.id in seen:
                bad(f"{section}[{i}].id",
                    f"duplicate id {item.id!r} (also {section}[{seen[item.id]}])")
            seen[item.id] = i

    roles = dict(reg.party_roles)
    roles.update({p.id: frozenset(p.roles) for p in doc.parties})
    works = reg.works | {w.id for w in doc.works}
    recordings = reg.recordings | {r.id for r in doc.recordings}
    agreements = reg.agreements | {a.id for a in doc.agreements}

    def party_ref(where: str, pid: str) -> None:
        if pid not in roles:
            bad(where, f"unknown party {pid!r}")

    def shares(where: str, items: list[ShareDoc], kind: str) -> None:
        parties = [s.party for s in items]
        for j, s in enumerate(items):
            party_ref(f"{where}[{j}].party", s.party)
        dupes = sorted({p for p in parties if parties.count(p) > 1})
        if dupes:
            bad(where, f"party listed twice among {kind}: {', '.join(dupes)}")
        total = sum((s.share for s in items), start=HUNDRED * 0)
        if items and total != HUNDRED:
            bad(where, f"{kind} shares sum to {total}, not exactly 100")

    for i, w in enumerate(doc.works):
        shares(f"works[{i}].writers", w.writers, "writer")
        shares(f"works[{i}].publishers", w.publishers, "publisher")
        if w.iswc and reg.iswc_owner.get(_norm(w.iswc), w.id) != w.id:
            bad(f"works[{i}].iswc", f"ISWC {w.iswc} already belongs to work "
                f"{reg.iswc_owner[_norm(w.iswc)]!r}")
    for i, r in enumerate(doc.recordings):
        if r.work not in works:
            bad(f"recordings[{i}].work", f"unknown work {r.work!r}")
        for j, a in enumerate(r.artists):
            party_ref(f"recordings[{i}].artists[{j}]", a)
        if len(set(r.artists)) != len(r.artists):
            bad(f"recordings[{i}].artists", "an artist is credited twice")
        shares(f"recordings[{i}].masters", r.masters, "master")
        if r.isrc and reg.isrc_owner.get(r.isrc, r.id) != r.id:
            bad(f"recordings[{i}].isrc", f"ISRC {r.isrc} already belongs to recording "
                f"{reg.isrc_owner[r.isrc]!r}")
    for i, a in enumerate(doc.agreements):
        party_ref(f"agreements[{i}].licensor", a.licensor)
        if a.valid_until is not None and a.valid_until <= a.valid_from:
            bad(f"agreements[{i}].valid_until", "the term ends before it starts")
        listed = [] if a.catalogue == "all" else [("catalogue", a.catalogue)]
        for label, items in listed + [("exclude", a.exclude)]:
            for j, rid in enumerate(items.recordings):
                if rid not in recordings:
                    bad(f"agreements[{i}].{label}.recordings[{j}]", f"unknown recording {rid!r}")
            for j, wid in enumerate(items.works):
                if wid not in works:
                    bad(f"agreements[{i}].{label}.works[{j}]", f"unknown work {wid!r}")
        if a.catalogue != "all":
            both = sorted((set(a.catalogue.recordings) | set(a.catalogue.works))
                          & (set(a.exclude.recordings) | set(a.exclude.works)))
            if both:
                bad(f"agreements[{i}].exclude", f"listed and excluded at once: {', '.join(both)}")
        if a.catalogue != "all" and not (a.catalogue.recordings or a.catalogue.works):
            bad(f"agreements[{i}].catalogue",
                "lists no recordings or works; use 'all' or list some")
        _immutable(f"agreements[{i}]", a, reg, bad)
    for i, c in enumerate(doc.consents):
        party_ref(f"consents[{i}].party", c.party)
        if c.party in roles and not (roles[c.party] & PERSON_ROLES):
            bad(f"consents[{i}].party", f"party {c.party!r} is not a performing artist or "
                "songwriter; only people give consent (rights holders sign agreements)")
        _immutable(f"consents[{i}]", c, reg, bad)
    for i, t in enumerate(doc.terminations):
        if t.agreement not in agreements:
            bad(f"terminations[{i}].agreement", f"unknown agreement {t.agreement!r}")
        _immutable(f"terminations[{i}]", t, reg, bad)
    for i, w in enumerate(doc.withdrawals):
        if w.recording not in recordings:
            bad(f"withdrawals[{i}].recording", f"unknown recording {w.recording!r}")
        _immutable(f"withdrawals[{i}]", w, reg, bad)
    return problems


def _immutable(where, item, reg: RegistryView, bad) -> None:
    same = reg.same_event.get(item.id)
    if same is not None and not same(item):
        bad(f"{where}.id", f"{item.id!r} is already recorded with different content; recorded "
            "events are never edited: record a new one (a revocation, a termination, a "
            "reinstatement)")


def _norm(code: str) -> str:
    return identifiers.normalise_iswc(code) or code
