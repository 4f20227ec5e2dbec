"""Who stands behind a credited work, from the rights registry: its writers and publishers, and
for each recording of it the performing artists and master owners (with names and shares)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.rights.tables import (
    PartyRow,
    RecordingArtistRow,
    RecordingMasterRow,
    RecordingRow,
    WorkPublisherRow,
    WorkRow,
    WorkWriterRow,
)


def _chunks(ids: list[str], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def expand(session: Session, work_ids: Iterable[str]) -> dict[str, dict]:
    """work id -> {title, writers, publishers, recordings: [{id, title, artists, masters}]};
    a work unknown to the registry maps to {"unknown": True}."""
    ids = sorted(set(work_ids))
    out: dict[str, dict] = {w: {"unknown": True} for w in ids}
    people: dict[str, str] = {}
    writers, publishers = defaultdict(list), defaultdict(list)
    recs: dict[str, list] = defaultdict(list)
    rec_ids: list[str] = []
    for chunk in _chunks(ids):
        for r in session.execute(select(WorkRow.id, WorkRow.title).where(WorkRow.id.in_(chunk))):
            out[r.id] = {"title": r.title}
        for table, into in ((WorkWriterRow, writers), (WorkPublisherRow, publishers)):
            for r in session.execute(select(table.work_id, table.party_id, table.share)
                                     .where(table.work_id.in_(chunk))):
                into[r.work_id].append((r.party_id, str(r.share)))
        for r in session.execute(select(RecordingRow.id, RecordingRow.title, RecordingRow.work_id)
                                 .where(RecordingRow.work_id.in_(chunk))
                                 .order_by(RecordingRow.id)):
            recs[r.work_id].append({"id": r.id, "title": r.title})
            rec_ids.append(r.id)
    artists, masters = defaultdict(list), defaultdict(list)
    for chunk in _chunks(rec_ids):
        for r in session.execute(select(RecordingArtistRow.recording_id,
                                        RecordingArtistRow.party_id)
                                 .where(RecordingArtistRow.recording_id.in_(chunk))):
            artists[r.recording_id].append((r.party_id, None))
        for r in session.execute(select(RecordingMasterRow.recording_id,
                                        RecordingMasterRow.party_id, RecordingMasterRow.share)
                                 .where(RecordingMasterRow.recording_id.in_(chunk))):
            masters[r.recording_id].append((r.party_id, str(r.share)))
    every = {p for d in (writers, publishers, artists, masters) for v in d.values() for p, _ in v}
    for chunk in _chunks(sorted(every)):
        people.update(dict(session.execute(select(PartyRow.id, PartyRow.name)
                                           .where(PartyRow.id.in_(chunk))).all()))

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


def artists_of(p: dict) -> list[dict]:
    """Writers and performing artists of an expanded work (each person once)."""
    seen, out = set(), []
    for x in p.get("writers", []) + [a for r in p.get("recordings", []) for a in r["artists"]]:
        if x["id"] not in seen:
            seen.add(x["id"])
            out.append({"id": x["id"], "name": x["name"]})
    return out


def rights_holders_of(p: dict) -> list[dict]:
    """Publishers of the work and master owners of its recordings."""
    out = [{"id": x["id"], "name": x["name"], "role": "publisher"}
           for x in p.get("publishers", [])]
    out += [{"id": x["id"], "name": x["name"], "role": "master owner", "recording": r["id"]}
            for r in p.get("recordings", []) for x in r["masters"]]
    return out
