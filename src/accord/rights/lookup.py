"""Small reads of the registry that other contexts need (names, ids, who holds what).

Other contexts and the adapters read rights data only through this module, `repository` and
`service`, never through `accord.rights.tables` (checked by import-linter, `.importlinter`).
Every function reads; none writes or decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from accord import identifiers
from accord.rights import tables as t
from accord.rights.model import (
    AgreementTermination,
    ConsentAction,
    ConsentEvent,
    Use,
    Withdrawal,
    WithdrawalAction,
)
from accord.rights.repository import agreement_from_row

CHUNK = 500  # ids per IN (...) list


def _chunks(ids: list[str], size: int = CHUNK):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


# --- parties ----------------------------------------------------------------------------------

def party_names(session: Session, ids: Iterable[str] | None = None) -> dict[str, str]:
    """party id -> name: of the given parties (unknown ids are absent), or of every party."""
    if ids is None:
        return dict(session.execute(select(t.PartyRow.id, t.PartyRow.name)).all())
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        out.update(dict(session.execute(select(t.PartyRow.id, t.PartyRow.name)
                                        .where(t.PartyRow.id.in_(chunk))).all()))
    return out


def party_name(session: Session, party_id: str) -> str | None:
    """The party's name, or None when there is no such party."""
    return session.scalar(select(t.PartyRow.name).where(t.PartyRow.id == party_id))


def party_record(session: Session, party_id: str) -> dict | None:
    """A registered party as {id, name, roles, isni, ipi, demo}, or None."""
    row = session.get(t.PartyRow, party_id)
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "roles": sorted(r.role for r in row.roles),
            "isni": row.isni, "ipi": row.ipi, "demo": bool(row.demo)}


def party_with(session: Session, *, isni: str | None = None, ipi: str | None = None
               ) -> str | None:
    """The id of the party registered with this ISNI (or IPI), or None."""
    column, value = (t.PartyRow.isni, isni) if isni is not None else (t.PartyRow.ipi, ipi)
    return session.scalar(select(t.PartyRow.id).where(column == value))


def works_written_by(session: Session, party_id: str) -> list[str]:
    return sorted(session.execute(select(t.WorkWriterRow.work_id).where(
        t.WorkWriterRow.party_id == party_id)).scalars())


def recordings_performed_by(session: Session, party_id: str) -> list[str]:
    return sorted(session.execute(select(t.RecordingArtistRow.recording_id).where(
        t.RecordingArtistRow.party_id == party_id)).scalars())


# --- works and recordings ---------------------------------------------------------------------

def work_ids(session: Session) -> list[str]:
    """Every registered work's id, sorted."""
    return sorted(session.execute(select(t.WorkRow.id)).scalars())


def work_exists(session: Session, work_id: str) -> bool:
    return session.get(t.WorkRow, work_id) is not None


def work_title(session: Session, work_id: str) -> str | None:
    return session.scalar(select(t.WorkRow.title).where(t.WorkRow.id == work_id))


def work_with_iswc(session: Session, iswc: str) -> str | None:
    """The id of the work registered under this ISWC (any spelling), or None."""
    code = identifiers.normalise_iswc(iswc)
    return code and session.scalar(select(t.WorkRow.id).where(t.WorkRow.iswc == code))


def writers_of(session: Session, work_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """work id -> its writers' party ids (sorted); works without writers are absent."""
    out: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(list(work_ids)):
        for wid, pid in session.execute(select(t.WorkWriterRow.work_id, t.WorkWriterRow.party_id)
                                        .where(t.WorkWriterRow.work_id.in_(chunk))):
            out[wid].append(pid)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def publishers_of(session: Session, work_id: str) -> frozenset[str] | None:
    """The work's publishing rights holders, or None when the work is not registered."""
    row = session.get(t.WorkRow, work_id)
    return None if row is None else frozenset(s.party_id for s in row.publishers)


def recording_exists(session: Session, recording_id: str) -> bool:
    return session.get(t.RecordingRow, recording_id) is not None


def recording_record(session: Session, recording_id: str) -> dict | None:
    """A registered recording as {id, title, work, isrc}, or None."""
    row = session.get(t.RecordingRow, recording_id)
    if row is None:
        return None
    return {"id": row.id, "title": row.title, "work": row.work_id, "isrc": row.isrc}


def recording_facts(session: Session, recording_ids: Iterable[str] | None = None) -> list[dict]:
    """Every registered recording (or the given ones), in id order, as {id, title, isrc, work,
    work_title, artists: [(id, name)], writers: [(id, name)]} (people in id order)."""
    q = select(t.RecordingRow, t.WorkRow.title).join(t.WorkRow,
                                                      t.WorkRow.id == t.RecordingRow.work_id)
    if recording_ids is None:
        rows = list(session.execute(q))
    else:
        rows = []
        for chunk in _chunks(sorted(set(recording_ids))):
            rows += session.execute(q.where(t.RecordingRow.id.in_(chunk))).all()
    artists: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks([r.id for r, _ in rows]):
        for rid, pid in session.execute(select(t.RecordingArtistRow.recording_id,
                                               t.RecordingArtistRow.party_id)
                                        .where(t.RecordingArtistRow.recording_id.in_(chunk))):
            artists[rid].append(pid)
    writers = writers_of(session, {r.work_id for r, _ in rows})
    names = party_names(session, {p for v in artists.values() for p in v}
                        | {p for v in writers.values() for p in v})
    return [{"id": r.id, "title": r.title, "isrc": r.isrc or "", "work": r.work_id,
             "work_title": work_title,
             "artists": [(p, names.get(p, p)) for p in sorted(artists.get(r.id, []))],
             "writers": [(p, names.get(p, p)) for p in sorted(writers.get(r.work_id, ()))]}
            for r, work_title in sorted(rows, key=lambda x: x[0].id)]


def recording_work(session: Session, recording_id: str) -> str | None:
    """The work a recording records, or None when the recording is not registered."""
    return session.scalar(select(t.RecordingRow.work_id).where(t.RecordingRow.id == recording_id))


def recording_with_isrc(session: Session, isrc: str) -> str | None:
    return session.execute(select(t.RecordingRow.id).where(t.RecordingRow.isrc == isrc)).scalar()


def isrcs_starting(session: Session, prefix: str) -> set[str]:
    """Registered ISRCs that start with `prefix` (e.g. the demo registrant's)."""
    return set(session.execute(select(t.RecordingRow.isrc).where(
        t.RecordingRow.isrc.like(f"{prefix}%"))).scalars())


def masters_of(session: Session, recording_id: str) -> frozenset[str] | None:
    """The recording's master rights holders, or None when it is not registered."""
    row = session.get(t.RecordingRow, recording_id)
    return None if row is None else frozenset(s.party_id for s in row.masters)


def agreement_licensor(session: Session, agreement_id: str) -> str | None:
    return session.scalar(select(t.AgreementRow.licensor_id)
                          .where(t.AgreementRow.id == agreement_id))


def grace_days(session: Session, agreement_ids: Iterable[str], licensors: set[str]) -> int:
    """The longest grace period (days) among these agreements of these licensors (0: none)."""
    rows = session.execute(select(t.AgreementRow.licensor_id, t.AgreementRow.grace_period_days)
                           .where(t.AgreementRow.id.in_(list(agreement_ids))))
    return max((days or 0 for licensor, days in rows if licensor in licensors), default=0)


def expand_works(session: Session, work_ids: Iterable[str]) -> dict[str, dict]:
    """Who stands behind each work: work id -> {title, writers, publishers, recordings: [{id,
    title, artists, masters}]} with names and shares; an unregistered work maps to
    {"unknown": True}."""
    ids = sorted(set(work_ids))
    out: dict[str, dict] = {w: {"unknown": True} for w in ids}
    writers, publishers = defaultdict(list), defaultdict(list)
    recs: dict[str, list] = defaultdict(list)
    rec_ids: list[str] = []
    for chunk in _chunks(ids):
        for r in session.execute(select(t.WorkRow.id, t.WorkRow.title)
                                 .where(t.WorkRow.id.in_(chunk))):
            out[r.id] = {"title": r.title}
        for table, into in ((t.WorkWriterRow, writers), (t.WorkPublisherRow, publishers)):
            for r in session.execute(select(table.work_id, table.party_id, table.share)
                                     .where(table.work_id.in_(chunk))):
                into[r.work_id].append((r.party_id, str(r.share)))
        for r in session.execute(select(t.RecordingRow.id, t.RecordingRow.title,
                                        t.RecordingRow.work_id)
                                 .where(t.RecordingRow.work_id.in_(chunk))
                                 .order_by(t.RecordingRow.id)):
            recs[r.work_id].append({"id": r.id, "title": r.title})
            rec_ids.append(r.id)
    artists, masters = defaultdict(list), defaultdict(list)
    for chunk in _chunks(rec_ids):
        for r in session.execute(select(t.RecordingArtistRow.recording_id,
                                        t.RecordingArtistRow.party_id)
                                 .where(t.RecordingArtistRow.recording_id.in_(chunk))):
            artists[r.recording_id].append((r.party_id, None))
        for r in session.execute(select(t.RecordingMasterRow.recording_id,
                                        t.RecordingMasterRow.party_id, t.RecordingMasterRow.share)
                                 .where(t.RecordingMasterRow.recording_id.in_(chunk))):
            masters[r.recording_id].append((r.party_id, str(r.share)))
    every = {p for d in (writers, publishers, artists, masters) for v in d.values() for p, _ in v}
    people = party_names(session, every)

    def named(pairs):
        return [{"id": p, "name": people.get(p, p), **({"share": s} if s else {})}
                for p, s in sorted(pairs)]

    for w in ids:
        if out[w].get("unknown"):
            continue
        out[w].update(writers=named(writers[w]), publishers=named(publishers[w]),
                      recordings=[{**r, "artists": named(artists[r["id"]]),
                                   "masters": named(masters[r["id"]])} for r in recs[w]])
    return out


# --- the whole registry's facts (royalty runs read them all at once) --------------------------

def all_facts(session: Session):
    """Every agreement, termination, consent event and withdrawal, as domain records:
    (agreements, terminations, consents, withdrawals)."""
    agreements = tuple(agreement_from_row(a) for a in session.scalars(
        select(t.AgreementRow).options(selectinload(t.AgreementRow.uses),
                                     selectinload(t.AgreementRow.territories),
                                     selectinload(t.AgreementRow.items))))
    terminations = tuple(AgreementTermination(r.id, r.agreement_id, r.effective_at, r.reason)
                         for r in session.scalars(select(t.AgreementTerminationRow)))
    consents = tuple(ConsentEvent(r.id, r.party_id, Use(r.use), ConsentAction(r.action),
                                  r.effective_at, r.reason)
                     for r in session.scalars(select(t.ConsentEventRow)))
    withdrawals = tuple(Withdrawal(r.id, r.recording_id, WithdrawalAction(r.action),
                                   r.effective_at, r.reason)
                        for r in session.scalars(select(t.RecordingWithdrawalRow)))
    return agreements, terminations, consents, withdrawals
