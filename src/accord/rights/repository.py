"""Reads registry rows into the domain records the permission rule takes (I/O at the edge)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import bindparam, case, literal, select, union_all
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


# The statements of the hot path (one permission check) are built once, with bound parameters,
# so SQLAlchemy compiles each a single time; they run on the session's connection.
_P = PartyRow.__table__
_WORK_PARTS = [
    select(literal("writer").label("kind"), WW.c.party_id, WW.c.share)
    .where(WW.c.work_id == bindparam("work_id")),
    select(literal("publisher"), WP.c.party_id, WP.c.share)
    .where(WP.c.work_id == bindparam("work_id")),
]
_REC_PARTS = [
    select(literal("master"), RM.c.party_id, RM.c.share)
    .where(RM.c.recording_id == bindparam("recording_id")),
    select(literal("artist"), RA.c.party_id, literal(None))
    .where(RA.c.recording_id == bindparam("recording_id")),
]


def _with_names(parts):
    u = union_all(*parts).subquery()
    return (select(u.c.kind, u.c.party_id, u.c.share, _P.c.name)
            .join(_P, _P.c.id == u.c.party_id).order_by(u.c.kind, u.c.party_id))


_HOLDINGS_OF_WORK = _with_names(_WORK_PARTS)
_HOLDINGS_OF_RECORDING = _with_names(_WORK_PARTS + _REC_PARTS)
_WORK_EXISTS = select(WorkRow.id).where(WorkRow.id == bindparam("id"))


def _holdings(session: Session, recording_id: str | None, work_id: str
              ) -> tuple[dict[str, list], dict[str, str]]:
    """Artists, masters, writers and publishers of a recording and its work in one query,
    with the parties' names. Returns ({kind: [(party_id, share)]}, {party_id: name})."""
    conn = session.connection()
    if recording_id is None:
        rows = conn.execute(_HOLDINGS_OF_WORK, {"work_id": work_id}).all()
    else:
        rows = conn.execute(_HOLDINGS_OF_RECORDING,
                            {"work_id": work_id, "recording_id": recording_id}).all()
    out: dict[str, list] = {"writer": [], "publisher": [], "master": [], "artist": []}
    for kind, pid, share, _name in rows:
        out[kind].append((pid, None if share is None else Decimal(str(share))))
    return out, {pid: name for _k, pid, _s, name in rows}


def _work_rights(work_id: str, held: dict[str, list]) -> WorkRights:
    return WorkRights(work_id=work_id,
                      writers=tuple(Share(p, s) for p, s in held["writer"]),
                      publishers=tuple(Share(p, s) for p, s in held["publisher"]))


def work_rights(session: Session, work_id: str) -> WorkRights:
    return work_rights_and_names(session, work_id)[0]


def work_rights_and_names(session: Session, work_id: str) -> tuple[WorkRights, dict[str, str]]:
    if session.connection().execute(_WORK_EXISTS, {"id": work_id}).first() is None:
        raise NotFound(f"no work with id {work_id!r}")
    held, names = _holdings(session, None, work_id)
    return _work_rights(work_id, held), names


def recording_rights(session: Session, recording_id: str) -> RecordingRights:
    return recording_rights_and_names(session, recording_id)[0]


def recording_rights_and_names(session: Session, ref: str
                               ) -> tuple[RecordingRights, dict[str, str]]:
    """A recording (by id or ISRC) as the rule sees it, and the names of its parties."""
    recording_id, work_id = _find_recording(session, ref)
    held, names = _holdings(session, recording_id, work_id)
    rec = RecordingRights(recording_id=recording_id, work=_work_rights(work_id, held),
                          artists=tuple(p for p, _ in held["artist"]),
                          masters=tuple(Share(p, s) for p, s in held["master"]))
    return rec, names


_A, _AU, _AT, _AI, _AX, _CE = (
    AgreementRow.__table__, AgreementUseRow.__table__, AgreementTerritoryRow.__table__,
    AgreementItemRow.__table__, AgreementTerminationRow.__table__, ConsentEventRow.__table__)
# An agreement's row once per termination (outer join): terminations come in the same trip.
_AGREEMENTS_OF = (
    select(_A.c.id, _A.c.licensor_id, _A.c.title, _A.c.purpose, _A.c.catalogue_all,
           _A.c.valid_from, _A.c.valid_until, _A.c.grace_period_days, _A.c.demo,
           _AX.c.id.label("termination_id"), _AX.c.effective_at.label("terminated_at"))
    .select_from(_A.outerjoin(_AX, _AX.c.agreement_id == _A.c.id))
    .where(_A.c.licensor_id.in_(bindparam("holders", expanding=True)))
    .order_by(_A.c.id, _AX.c.id))
_USES_PLACES = [
    select(literal("u"), _AU.c.agreement_id, _AU.c.use)
    .where(_AU.c.agreement_id.in_(bindparam("ids", expanding=True))),
    select(literal("t"), _AT.c.agreement_id, _AT.c.territory)
    .where(_AT.c.agreement_id.in_(bindparam("ids", expanding=True))),
]
_ITEMS = (select(case((_AI.c.included.is_(True), literal("i")), else_=literal("x")),
                 _AI.c.agreement_id, _AI.c.item_id)
          .where(_AI.c.agreement_id.in_(bindparam("ids", expanding=True))))
# uses ('u'), territories ('t'), listed ('i') and excluded ('x') items in one round trip
_DETAILS_OF = union_all(*_USES_PLACES, _ITEMS)
_DETAILS_OF_ONLY = union_all(
    *_USES_PLACES, _ITEMS.where(_AI.c.item_id.in_(bindparam("items", expanding=True))))
_CONSENTS_OF = (select(_CE.c.id, _CE.c.party_id, _CE.c.use, _CE.c.action, _CE.c.effective_at)
                .where(_CE.c.party_id.in_(bindparam("persons", expanding=True)))
                .order_by(_CE.c.effective_at, _CE.c.id))
_CONSENTS_OF_FOR = _CONSENTS_OF.where(_CE.c.use == bindparam("use"))
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
    """The agreements of these rights holders and the consent events of these persons, as
    much of them as the permission rule reads (not revenue terms, not reasons).

    items: when given, only these recordings/works are kept in the agreements' listed and
    excluded sets (all the rule needs to decide about them; it keeps the lookup small).
    """
    conn = session.connection()
    holders, persons = sorted(set(holders)), sorted(set(persons))
    joined = conn.execute(_AGREEMENTS_OF, {"holders": holders}).all() if holders else []
    rows = list({r.id: r for r in joined}.values())
    ids = [r.id for r in rows]
    terminations = tuple(
        AgreementTermination(id=r.termination_id, agreement_id=r.id,
                             effective_at=r.terminated_at)
        for r in joined if r.termination_id is not None)
    uses: dict[str, set] = {i: set() for i in ids}
    places: dict[str, set] = {i: set() for i in ids}
    listed: dict[str, set] = {i: set() for i in ids}
    excluded: dict[str, set] = {i: set() for i in ids}
    if ids:
        details = (conn.execute(_DETAILS_OF, {"ids": ids}) if items is None else
                   conn.execute(_DETAILS_OF_ONLY, {"ids": ids, "items": sorted(set(items))}))
        into = {"u": uses, "t": places, "i": listed, "x": excluded}
        for kind, aid, value in details:
            into[kind][aid].add(value)
    agreements = tuple(
        Agreement(id=r.id, licensor_id=r.licensor_id, uses=frozenset(Use(u) for u in uses[r.id]),
                  purpose=Purpose(r.purpose), valid_from=r.valid_from, valid_until=r.valid_until,
                  territories=frozenset(places[r.id]), catalogue_all=bool(r.catalogue_all),
                  items=frozenset(listed[r.id]), excluded=frozenset(excluded[r.id]),
                  grace_period_days=r.grace_period_days, title=r.title, demo=bool(r.demo))
        for r in rows)
    consents: tuple[ConsentEvent, ...] = ()
    if persons:
        consent_rows = (conn.execute(_CONSENTS_OF, {"persons": persons}) if use is None else
                        conn.execute(_CONSENTS_OF_FOR, {"persons": persons, "use": use.value}))
        consents = tuple(
            ConsentEvent(id=c.id, party_id=c.party_id, use=Use(c.use),
                         action=ConsentAction(c.action), effective_at=c.effective_at)
            for c in consent_rows)
    if names is None:
        wanted = holders + persons
        names = dict(conn.execute(_NAMES_OF, {"ids": wanted}).all()) if wanted else {}
    return Facts(agreements=agreements, terminations=terminations, consents=consents,
                 names=names)


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
