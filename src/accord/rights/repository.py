"""Reads registry rows into the domain records the permission rule takes (I/O at the edge)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from sqlalchemy import bindparam, case, exists, literal, null, select, union_all
from sqlalchemy.orm import Session

from accord.errors import NotFound
from accord.rights.model import (
    Agreement,
    AgreementTermination,
    ConsentAction,
    ConsentEvent,
    Party,
    Purpose,
    RecordingRights,
    Role,
    Share,
    Use,
    Withdrawal,
    WithdrawalAction,
    WorkRights,
)
from accord.rights.permission import Facts
from accord.rights.tables import (
    AgreementItemRow,
    AgreementRow,
    AgreementTerminationRow,
    AgreementTerritoryRow,
    AgreementUseRow,
    ConsentEventRow,
    PartyRow,
    RecordingArtistRow,
    RecordingMasterRow,
    RecordingRow,
    RecordingWithdrawalRow,
    WorkPublisherRow,
    WorkRow,
    WorkWriterRow,
)

WW, WP = WorkWriterRow.__table__, WorkPublisherRow.__table__
RM, RA = RecordingMasterRow.__table__, RecordingArtistRow.__table__


_RECORDING_BY_ID = select(RecordingRow.id, RecordingRow.work_id).where(
    RecordingRow.id == bindparam("ref"))
_RECORDING_BY_ISRC = select(RecordingRow.id, RecordingRow.work_id).where(
    RecordingRow.isrc == bindparam("ref"))


def _find_recording(session: Session, ref: str) -> tuple[str, str]:
    """(id, work id) of a recording named by its id or its ISRC (hyphens, case ignored)."""
    conn = session.connection()
    row = conn.execute(_RECORDING_BY_ID, {"ref": ref}).first()
    if row is None:  # two indexed look-ups; an OR of both would scan the table
        row = conn.execute(_RECORDING_BY_ISRC, {"ref": ref.replace("-", "").upper()}).first()
    if row is None:
        raise NotFound(f"no recording with id or ISRC {ref!r}")
    return row.id, row.work_id


def resolve_recording_id(session: Session, ref: str) -> str:
    """A recording's registry id, or its ISRC (hyphens and case ignored)."""
    return _find_recording(session, ref)[0]


def resolve_work_id(session: Session, ref: str) -> str:
    """A work's registry id, or its ISWC (with or without the dots and dashes)."""
    if session.get(WorkRow, ref) is not None:
        return ref
    digits = "".join(c for c in ref.upper() if c.isalnum())
    for row in session.execute(select(WorkRow.id, WorkRow.iswc).where(WorkRow.iswc.isnot(None))):
        if "".join(c for c in row.iswc if c.isalnum()) == digits:
            return row.id
    raise NotFound(f"no work with id or ISWC {ref!r}")


def party(session: Session, party_id: str) -> Party:
    row = session.get(PartyRow, party_id)
    if row is None:
        raise NotFound(f"no party with id {party_id!r}")
    return party_from_row(row)


def party_from_row(row: PartyRow) -> Party:
    return Party(id=row.id, name=row.name, roles=frozenset(Role(r.role) for r in row.roles),
                 isni=row.isni, ipi=row.ipi, demo=row.demo)


# The hot path (one permission check) is two round trips, built once with bound parameters so
# SQLAlchemy compiles each a single time: "who" (the item and its parties, with names) and
# "facts" (the parties' agreements and consents, the item's takedowns). On PostgreSQL a round
# trip, not the indexed look-ups behind it, is what a check costs.
_P, _R, _W = PartyRow.__table__, RecordingRow.__table__, WorkRow.__table__
_R_BY_ID = _R.alias("by_id")
# the recording named by its id, else by its ISRC: two indexed look-ups (an OR would scan)
_REC = union_all(
    select(_R.c.id, _R.c.work_id).where(_R.c.id == bindparam("ref")),
    select(_R.c.id, _R.c.work_id).where(
        _R.c.isrc == bindparam("isrc"), ~exists().where(_R_BY_ID.c.id == bindparam("ref"))),
).cte("rec")


def _parties_of_work(work_id) -> list:
    return [select(literal("writer").label("kind"), WW.c.party_id, WW.c.share)
            .where(WW.c.work_id == work_id),
            select(literal("publisher"), WP.c.party_id, WP.c.share)
            .where(WP.c.work_id == work_id)]


def _named(parts):
    """(kind, party_id, share, name) rows; the 'recording' and 'work' rows carry ids."""
    u = union_all(*parts).subquery()
    return (select(u.c.kind, u.c.party_id, u.c.share, _P.c.name)
            .select_from(u.outerjoin(_P, _P.c.id == u.c.party_id))
            .order_by(u.c.kind, u.c.party_id))


_WHO_OF_RECORDING = _named(_parties_of_work(_REC.c.work_id) + [
    select(literal("master"), RM.c.party_id, RM.c.share).where(RM.c.recording_id == _REC.c.id),
    select(literal("artist"), RA.c.party_id, null()).where(RA.c.recording_id == _REC.c.id),
    select(literal("recording"), _REC.c.id, null()),
    select(literal("work"), _REC.c.work_id, null()),
])
_WHO_OF_WORK = _named(_parties_of_work(bindparam("work_id")) + [
    select(literal("work"), _W.c.id, null()).where(_W.c.id == bindparam("work_id"))])


def _who(session: Session, stmt, params: dict) -> tuple[dict[str, list], dict[str, str]]:
    """({kind: [(id, share)]}, {party_id: name}) of one item; kinds 'recording' and 'work'
    hold the item's own ids (none: it does not exist)."""
    out: dict[str, list] = {k: [] for k in
                            ("recording", "work", "writer", "publisher", "master", "artist")}
    names = {}
    for kind, pid, share, name in session.connection().execute(stmt, params):
        out[kind].append((pid, None if share is None else Decimal(str(share))))
        if kind not in ("recording", "work"):
            names[pid] = name
    return out, names


def _work_rights(work_id: str, held: dict[str, list]) -> WorkRights:
    return WorkRights(work_id=work_id,
                      writers=tuple(Share(p, s) for p, s in held["writer"]),
                      publishers=tuple(Share(p, s) for p, s in held["publisher"]))


def work_rights(session: Session, work_id: str) -> WorkRights:
    return work_rights_and_names(session, work_id)[0]


def work_rights_and_names(session: Session, work_id: str) -> tuple[WorkRights, dict[str, str]]:
    held, names = _who(session, _WHO_OF_WORK, {"work_id": work_id})
    if not held["work"]:
        raise NotFound(f"no work with id {work_id!r}")
    return _work_rights(work_id, held), names


def recording_rights(session: Session, recording_id: str) -> RecordingRights:
    return recording_rights_and_names(session, recording_id)[0]


def recording_rights_and_names(session: Session, ref: str
                               ) -> tuple[RecordingRights, dict[str, str]]:
    """A recording (by id or ISRC) as the rule sees it, and the names of its parties."""
    held, names = _who(session, _WHO_OF_RECORDING,
                       {"ref": ref, "isrc": ref.replace("-", "").upper()})
    if not held["recording"]:
        raise NotFound(f"no recording with id or ISRC {ref!r}")
    (recording_id, _), (work_id, _) = held["recording"][0], held["work"][0]
    rec = RecordingRights(recording_id=recording_id, work=_work_rights(work_id, held),
                          artists=tuple(p for p, _ in held["artist"]),
                          masters=tuple(Share(p, s) for p, s in held["master"]))
    return rec, names


def all_rights(session: Session) -> tuple[list[WorkRights], list[RecordingRights]]:
    """Every work and recording as the rule sees them, in six queries whatever the catalogue's
    size (for whole-catalogue readers such as a royalty run), in id order."""
    conn = session.connection()
    held: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for table, key, kind in ((WW, WW.c.work_id, "writer"), (WP, WP.c.work_id, "publisher"),
                             (RM, RM.c.recording_id, "master")):
        for item, pid, share in conn.execute(select(key, table.c.party_id, table.c.share)
                                             .order_by(key, table.c.party_id)):
            held[item][kind].append((pid, Decimal(str(share))))
    for rid, pid in conn.execute(select(RA.c.recording_id, RA.c.party_id)
                                 .order_by(RA.c.recording_id, RA.c.party_id)):
        held[rid]["artist"].append((pid, None))
    works = {wid: _work_rights(wid, held[wid])
             for wid in conn.execute(select(_W.c.id).order_by(_W.c.id)).scalars()}
    recordings = [
        RecordingRights(recording_id=rid, work=works[wid],
                        artists=tuple(p for p, _ in held[rid]["artist"]),
                        masters=tuple(Share(p, s) for p, s in held[rid]["master"]))
        for rid, wid in conn.execute(select(_R.c.id, _R.c.work_id).order_by(_R.c.id))]
    return list(works.values()), recordings


_A, _AU, _AT, _AI, _AX, _CE, _WD = (
    AgreementRow.__table__, AgreementUseRow.__table__, AgreementTerritoryRow.__table__,
    AgreementItemRow.__table__, AgreementTerminationRow.__table__, ConsentEventRow.__table__,
    RecordingWithdrawalRow.__table__)
_HOLDERS = bindparam("holders", expanding=True)
_THEIR_AGREEMENTS = select(_A.c.id).where(_A.c.licensor_id.in_(_HOLDERS)).scalar_subquery()


@cache
def _facts_statement(one_use: bool, only_items: bool):
    """Everything the rule reads about some holders, persons and items, as rows of one shape
    (kind, id, ref, a, b, t1, t2, flag, n, text):

      a    agreement: id, ref=licensor, a=purpose, t1..t2=term, flag=catalogue_all,
           n=grace days, text=title
      e    termination: id, ref=agreement, t1=effective_at
      u t  a use / territory of agreement ref, in a
      i x  an item listed in / excluded from agreement ref, in a
      c    consent event: id, ref=person, a=use, b=action, t1=effective_at, text=reason
      w    withdrawal: id, ref=recording, b=action, t1=effective_at, text=reason
    """
    items = bindparam("items", expanding=True)
    n = null()
    item_rows = select(case((_AI.c.included.is_(True), literal("i")), else_=literal("x")),
                       n, _AI.c.agreement_id, _AI.c.item_id, n, n, n, n, n, n
                       ).where(_AI.c.agreement_id.in_(_THEIR_AGREEMENTS))
    consents = select(literal("c"), _CE.c.id, _CE.c.party_id, _CE.c.use, _CE.c.action,
                      _CE.c.effective_at, n, n, n, _CE.c.reason
                      ).where(_CE.c.party_id.in_(bindparam("persons", expanding=True)))
    return union_all(
        select(literal("a").label("kind"), _A.c.id, _A.c.licensor_id.label("ref"),
               _A.c.purpose.label("a"), literal("").label("b"), _A.c.valid_from.label("t1"),
               _A.c.valid_until.label("t2"), _A.c.catalogue_all.label("flag"),
               _A.c.grace_period_days.label("n"), _A.c.title.label("text")
               ).where(_A.c.licensor_id.in_(_HOLDERS)),
        select(literal("e"), _AX.c.id, _AX.c.agreement_id, n, n, _AX.c.effective_at, n, n, n, n
               ).where(_AX.c.agreement_id.in_(_THEIR_AGREEMENTS)),
        select(literal("u"), n, _AU.c.agreement_id, _AU.c.use, n, n, n, n, n, n
               ).where(_AU.c.agreement_id.in_(_THEIR_AGREEMENTS)),
        select(literal("t"), n, _AT.c.agreement_id, _AT.c.territory, n, n, n, n, n, n
               ).where(_AT.c.agreement_id.in_(_THEIR_AGREEMENTS)),
        item_rows.where(_AI.c.item_id.in_(items)) if only_items else item_rows,
        consents.where(_CE.c.use == bindparam("use")) if one_use else consents,
        select(literal("w"), _WD.c.id, _WD.c.recording_id, n, _WD.c.action, _WD.c.effective_at,
               n, n, n, _WD.c.reason).where(_WD.c.recording_id.in_(items)),
    )


_NAMES_OF = select(_P.c.id, _P.c.name).where(_P.c.id.in_(bindparam("ids", expanding=True)))


def agreement_from_row(row: AgreementRow) -> Agreement:
    """A whole agreement, revenue terms included (for readers other than the rule)."""
    return Agreement(
        id=row.id, licensor_id=row.licensor_id, uses=frozenset(Use(u.use) for u in row.uses),
        purpose=Purpose(row.purpose), valid_from=row.valid_from, valid_until=row.valid_until,
        territories=frozenset(t.territory for t in row.territories),
        catalogue_all=row.catalogue_all,
        items=frozenset(i.item_id for i in row.items if i.included),
        excluded=frozenset(i.item_id for i in row.items if not i.included),
        grace_period_days=row.grace_period_days, revenue_terms=dict(row.revenue_terms or {}),
        title=row.title, demo=row.demo,
    )


def facts_for(session: Session, holders: Iterable[str], persons: Iterable[str],
              use: Use | None = None, items: Iterable[str] | None = None,
              names: dict[str, str] | None = None) -> Facts:
    """The agreements of these rights holders, the consent events of these persons and the
    takedowns of these items, as much of them as the permission rule reads (not revenue
    terms), in one round trip.

    items: when given, only these recordings/works are kept in the agreements' listed and
    excluded sets (all the rule needs to decide about them; it keeps the lookup small), and
    their takedowns are read.
    """
    conn = session.connection()
    holders, persons = sorted(set(holders)), sorted(set(persons))
    params = {"holders": holders, "persons": persons, "items": sorted(set(items or ()))}
    if use is not None:
        params["use"] = use.value
    rows: dict[str, list] = defaultdict(list)
    for r in conn.execute(_facts_statement(use is not None, items is not None), params):
        rows[r.kind].append(r)
    detail: dict[str, dict[str, set]] = {k: defaultdict(set) for k in "utix"}
    for k in "utix":
        for r in rows[k]:
            detail[k][r.ref].add(r.a)
    agreements = tuple(sorted((
        Agreement(id=r.id, licensor_id=r.ref, uses=frozenset(Use(u) for u in detail["u"][r.id]),
                  purpose=Purpose(r.a), valid_from=r.t1, valid_until=r.t2,
                  territories=frozenset(detail["t"][r.id]), catalogue_all=bool(r.flag),
                  items=frozenset(detail["i"][r.id]), excluded=frozenset(detail["x"][r.id]),
                  grace_period_days=r.n, title=r.text) for r in rows["a"]),
        key=lambda a: a.id))
    terminations = tuple(sorted((AgreementTermination(id=r.id, agreement_id=r.ref,
                                                      effective_at=r.t1) for r in rows["e"]),
                                key=lambda t: t.id))
    consents = tuple(sorted((
        ConsentEvent(id=r.id, party_id=r.ref, use=Use(r.a), action=ConsentAction(r.b),
                     effective_at=r.t1, reason=r.text) for r in rows["c"]),
        key=lambda c: (c.effective_at, c.id)))  # deterministic evidence on ties
    withdrawals = tuple(sorted((
        Withdrawal(id=r.id, recording_id=r.ref, action=WithdrawalAction(r.b),
                   effective_at=r.t1, reason=r.text) for r in rows["w"]),
        key=lambda w: (w.effective_at, w.id)))
    if names is None:
        wanted = holders + persons
        names = dict(conn.execute(_NAMES_OF, {"ids": wanted}).all()) if wanted else {}
    return Facts(agreements=agreements, terminations=terminations, consents=consents,
                 names=names, withdrawals=withdrawals)


def facts_for_recording(session: Session, rec: RecordingRights, use: Use | None = None,
                        names: dict[str, str] | None = None) -> Facts:
    holders = [s.party_id for s in rec.masters] + [s.party_id for s in rec.work.publishers]
    persons = list(rec.artists) + [s.party_id for s in rec.work.writers]
    return facts_for(session, holders, persons, use,
                     items=[rec.recording_id, rec.work.work_id], names=names)


def facts_for_work(session: Session, work: WorkRights, use: Use | None = None,
                   names: dict[str, str] | None = None) -> Facts:
    return facts_for(session, [s.party_id for s in work.publishers],
                     [s.party_id for s in work.writers], use, items=[work.work_id], names=names)
