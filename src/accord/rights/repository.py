"""Reads registry rows into the domain records the permission rule takes (I/O at the edge)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, exists, literal_column, select, union_all
from sqlalchemy.orm import Session

from accord import identifiers
from accord.db import raw
from accord.db.raw import utc
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
        row = conn.execute(_RECORDING_BY_ISRC,
                           {"ref": identifiers.normalise_isrc(ref) or ref}).first()
    if row is None:
        raise NotFound(f"no recording with id or ISRC {ref!r}")
    return row.id, row.work_id


def resolve_recording_id(session: Session, ref: str) -> str:
    """A recording's registry id, or its ISRC (hyphens and case ignored)."""
    return _find_recording(session, ref)[0]


def resolve_work_id(session: Session, ref: str) -> str:
    """A work's registry id, or its ISWC (with or without the dots and dashes): ISWCs are
    stored canonical, so both are indexed look-ups."""
    if session.get(WorkRow, ref) is not None:
        return ref
    iswc = identifiers.normalise_iswc(ref)
    found = iswc and session.scalar(select(WorkRow.id).where(WorkRow.iswc == iswc))
    if found:
        return found
    raise NotFound(f"no work with id or ISWC {ref!r}")


def party(session: Session, party_id: str) -> Party:
    row = session.get(PartyRow, party_id)
    if row is None:
        raise NotFound(f"no party with id {party_id!r}")
    return party_from_row(row)


def party_from_row(row: PartyRow) -> Party:
    return Party(id=row.id, name=row.name, roles=frozenset(Role(r.role) for r in row.roles),
                 isni=row.isni, ipi=row.ipi, demo=row.demo)


_P, _R, _W = PartyRow.__table__, RecordingRow.__table__, WorkRow.__table__
_A, _AU, _AT, _AI, _AX, _CE, _WD = (
    AgreementRow.__table__, AgreementUseRow.__table__, AgreementTerritoryRow.__table__,
    AgreementItemRow.__table__, AgreementTerminationRow.__table__, ConsentEventRow.__table__,
    RecordingWithdrawalRow.__table__)


def _k(kind: str):
    """A row's kind, written into the SQL text (not a bound parameter)."""
    return literal_column(f"'{kind}'")


def _fact_rows(holders, persons, items, one_use: bool, only_items: bool = True) -> list:
    """Everything the rule reads about some holders, persons and items, as selects of one shape
    (kind, id, ref, a, b, t1, t2, flag, n, text); holders, persons and items are whatever
    `IN` takes (an expanding parameter, or a select of ids). only_items: keep only these items
    in the agreements' listed and excluded sets (all the rule needs to decide about them):

      a    agreement: id, ref=licensor, a=purpose, t1..t2=term, flag=catalogue_all,
           n=grace days, text=title
      e    termination: id, ref=agreement, t1=effective_at
      u t  a use / territory of agreement ref, in a
      i x  an item listed in / excluded from agreement ref, in a
      c    consent event: id, ref=person, a=use, b=action, t1=effective_at, text=reason
      w    withdrawal: id, ref=recording, b=action, t1=effective_at, text=reason

    The agreement select comes first: a union's result types are its first select's.
    """
    n = literal_column("NULL")
    agr = select(_A.c.id, _A.c.licensor_id, _A.c.purpose, _A.c.valid_from, _A.c.valid_until,
                 _A.c.catalogue_all, _A.c.grace_period_days, _A.c.title
                 ).where(_A.c.licensor_id.in_(holders)).cte("agr")
    theirs = select(agr.c.id)
    item_rows = select(case((_AI.c.included.is_(True), _k("i")), else_=_k("x")),
                       n, _AI.c.agreement_id, _AI.c.item_id, n, n, n, n, n, n
                       ).where(_AI.c.agreement_id.in_(theirs))
    consents = select(_k("c"), _CE.c.id, _CE.c.party_id, _CE.c.use, _CE.c.action,
                      _CE.c.effective_at, n, n, n, _CE.c.reason
                      ).where(_CE.c.party_id.in_(persons))
    return [
        select(_k("a").label("kind"), agr.c.id, agr.c.licensor_id.label("ref"),
               agr.c.purpose.label("a"), n.label("b"), agr.c.valid_from.label("t1"),
               agr.c.valid_until.label("t2"), agr.c.catalogue_all.label("flag"),
               agr.c.grace_period_days.label("n"), agr.c.title.label("text")),
        select(_k("e"), _AX.c.id, _AX.c.agreement_id, n, n, _AX.c.effective_at, n, n, n, n
               ).where(_AX.c.agreement_id.in_(theirs)),
        select(_k("u"), n, _AU.c.agreement_id, _AU.c.use, n, n, n, n, n, n
               ).where(_AU.c.agreement_id.in_(theirs)),
        select(_k("t"), n, _AT.c.agreement_id, _AT.c.territory, n, n, n, n, n, n
               ).where(_AT.c.agreement_id.in_(theirs)),
        item_rows.where(_AI.c.item_id.in_(items)) if only_items else item_rows,
        consents.where(_CE.c.use == bindparam("use")) if one_use else consents,
        select(_k("w"), _WD.c.id, _WD.c.recording_id, n, _WD.c.action, _WD.c.effective_at,
               n, n, n, _WD.c.reason).where(_WD.c.recording_id.in_(items)),
    ]


@cache
def _facts_statement(one_use: bool, only_items: bool):
    """The facts of holders, persons and items given as lists (expanding parameters)."""
    return union_all(*_fact_rows(
        bindparam("holders", expanding=True), bindparam("persons", expanding=True),
        bindparam("items", expanding=True), one_use, only_items))


@cache
def _item_statement(of_recording: bool, one_use: bool):
    """One item's whole read for the rule in one statement of constant text: the item (a work
    by id; a recording by id, else by ISRC), its parties with their shares and names, and the
    facts about them (for one use, or all). Its rows are `_fact_rows`' plus

      recording  id, ref=its work        work  id
      writer publisher master artist     id=party, a=share (none for artists), text=name

    One round trip and no lists to expand: on PostgreSQL the statement is prepared once, and a
    permission check then costs one round trip and the index look-ups behind it.
    """
    n = literal_column("NULL")
    if of_recording:  # two indexed look-ups (an OR of id and ISRC would scan)
        by_id = _R.alias("by_id")
        item = union_all(
            select(_R.c.id, _R.c.work_id).where(_R.c.id == bindparam("ref")),
            select(_R.c.id, _R.c.work_id).where(
                _R.c.isrc == bindparam("isrc"), ~exists().where(by_id.c.id == bindparam("ref"))),
        ).cte("rec")
    else:
        item = select(_W.c.id.label("work_id")).where(_W.c.id == bindparam("ref")).cte("wk")
    on_work = select(item.c.work_id).scalar_subquery()
    holders = [select(_k("publisher").label("kind"), WP.c.party_id, WP.c.share)
               .where(WP.c.work_id == on_work)]
    persons = [select(_k("writer").label("kind"), WW.c.party_id, WW.c.share)
               .where(WW.c.work_id == on_work)]
    own = [select(_k("work"), item.c.work_id, n, n, n, n, n, n, n, n)]
    items = [select(item.c.work_id)]
    if of_recording:
        on_rec = select(item.c.id).scalar_subquery()
        holders.append(select(_k("master"), RM.c.party_id, RM.c.share)
                       .where(RM.c.recording_id == on_rec))
        persons.append(select(_k("artist"), RA.c.party_id, n)
                       .where(RA.c.recording_id == on_rec))
        own.append(select(_k("recording"), item.c.id, item.c.work_id, n, n, n, n, n, n, n))
        items.append(select(item.c.id))
    held, pers = union_all(*holders).cte("held"), union_all(*persons).cte("pers")
    who = [select(p.c.kind, p.c.party_id, n, p.c.share, n, n, n, n, n, _P.c.name)
           .select_from(p.outerjoin(_P, _P.c.id == p.c.party_id)) for p in (held, pers)]
    return union_all(*_fact_rows(select(held.c.party_id), select(pers.c.party_id),
                                 union_all(*items), one_use), *who, *own)


class _Row(NamedTuple):
    """One row of `_fact_rows` / `_item_statement` (see there for what each column holds)."""

    kind: str
    id: str | None
    ref: str | None
    a: str | None
    b: str | None
    t1: datetime | str | None
    t2: datetime | str | None
    flag: bool | int | None
    n: int | None
    text: str | None


def _by_kind(rows: Iterable[tuple]) -> dict[str, list[_Row]]:
    out: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        out[r[0]].append(_Row._make(r))
    return out


def _shares(rows: list[_Row]) -> tuple[Share, ...]:
    return tuple(sorted((Share(r.id, Decimal(r.a)) for r in rows), key=lambda s: s.party_id))


def _read_item(session: Session, of_recording: bool, ref: str, use: Use | None):
    params = {"ref": ref}
    if of_recording:
        params["isrc"] = identifiers.normalise_isrc(ref) or ref
    if use is not None:
        params["use"] = use.value
    rows = _by_kind(raw.fetch_all(session.connection(), _item_statement(of_recording,
                                                                        use is not None), params))
    names = {r.id: r.text for k in ("writer", "publisher", "master", "artist") for r in rows[k]}
    return rows, _facts(rows, names)


def recording_read(session: Session, ref: str, use: Use | None = None
                   ) -> tuple[RecordingRights, Facts]:
    """A recording (by id or ISRC) as the rule sees it, and the facts about it (for one use,
    or all), in one round trip: the hot path of `service.check`."""
    rows, facts = _read_item(session, True, ref, use)
    if not rows["recording"]:
        raise NotFound(f"no recording with id or ISRC {ref!r}")
    own = rows["recording"][0]
    work = WorkRights(work_id=own.ref, writers=_shares(rows["writer"]),
                      publishers=_shares(rows["publisher"]))
    rec = RecordingRights(recording_id=own.id, work=work, masters=_shares(rows["master"]),
                          artists=tuple(sorted(r.id for r in rows["artist"])))
    return rec, facts


def work_read(session: Session, work_id: str, use: Use | None = None
              ) -> tuple[WorkRights, Facts]:
    """A work (by id) as the rule sees it, and the facts about it, in one round trip."""
    rows, facts = _read_item(session, False, work_id, use)
    if not rows["work"]:
        raise NotFound(f"no work with id {work_id!r}")
    return WorkRights(work_id=work_id, writers=_shares(rows["writer"]),
                      publishers=_shares(rows["publisher"])), facts


def recording_rights(session: Session, ref: str) -> RecordingRights:
    return recording_read(session, ref)[0]


def work_rights(session: Session, work_id: str) -> WorkRights:
    return work_read(session, work_id)[0]


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
    works = {wid: WorkRights(wid, writers=tuple(Share(p, s) for p, s in held[wid]["writer"]),
                             publishers=tuple(Share(p, s) for p, s in held[wid]["publisher"]))
             for wid in conn.execute(select(_W.c.id).order_by(_W.c.id)).scalars()}
    recordings = [
        RecordingRights(recording_id=rid, work=works[wid],
                        artists=tuple(p for p, _ in held[rid]["artist"]),
                        masters=tuple(Share(p, s) for p, s in held[rid]["master"]))
        for rid, wid in conn.execute(select(_R.c.id, _R.c.work_id).order_by(_R.c.id))]
    return list(works.values()), recordings


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


def _facts(rows: dict[str, list], names: dict[str, str]) -> Facts:
    """Facts from `_fact_rows`' rows, grouped by kind (read through SQLAlchemy or raw)."""
    detail: dict[str, dict[str, set]] = {k: defaultdict(set) for k in "utix"}
    for k in "utix":
        for r in rows[k]:
            detail[k][r.ref].add(r.a)
    agreements = tuple(sorted((
        Agreement(id=r.id, licensor_id=r.ref, uses=frozenset(Use(u) for u in detail["u"][r.id]),
                  purpose=Purpose(r.a), valid_from=utc(r.t1), valid_until=utc(r.t2),
                  territories=frozenset(detail["t"][r.id]), catalogue_all=bool(r.flag),
                  items=frozenset(detail["i"][r.id]), excluded=frozenset(detail["x"][r.id]),
                  grace_period_days=r.n, title=r.text) for r in rows["a"]),
        key=lambda a: a.id))
    terminations = tuple(sorted((AgreementTermination(id=r.id, agreement_id=r.ref,
                                                      effective_at=utc(r.t1)) for r in rows["e"]),
                                key=lambda t: t.id))
    consents = tuple(sorted((
        ConsentEvent(id=r.id, party_id=r.ref, use=Use(r.a), action=ConsentAction(r.b),
                     effective_at=utc(r.t1), reason=r.text) for r in rows["c"]),
        key=lambda c: (c.effective_at, c.id)))  # deterministic evidence on ties
    withdrawals = tuple(sorted((
        Withdrawal(id=r.id, recording_id=r.ref, action=WithdrawalAction(r.b),
                   effective_at=utc(r.t1), reason=r.text) for r in rows["w"]),
        key=lambda w: (w.effective_at, w.id)))
    return Facts(agreements=agreements, terminations=terminations, consents=consents,
                 names=names, withdrawals=withdrawals)


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
    rows = _by_kind(conn.execute(_facts_statement(use is not None, items is not None), params))
    if names is None:
        wanted = holders + persons
        names = dict(conn.execute(_NAMES_OF, {"ids": wanted}).all()) if wanted else {}
    return _facts(rows, names)

