"""Browsing what DDEX deliveries brought: releases (by sender), one release with its tracks,
resources, deals, labels, takedown state and disputes, and a recording by its ISRC. Read-only
functions over the catalogue's tables, called by the CLI and the API alike."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.catalog.tables import (
    DdexDisputeRow,
    DdexRecordingRow,
    DdexReleaseLabelRow,
    DdexReleaseRow,
    DdexResourceRow,
)
from accord.errors import NotFound
from accord.rights import service as rights_service
from accord.timeutil import fmt


def _labels(session: Session, ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if not ids:
        return out
    for r in session.execute(select(DdexReleaseLabelRow).where(
            DdexReleaseLabelRow.release_id.in_(ids)).order_by(DdexReleaseLabelRow.name)).scalars():
        out.setdefault(r.release_id, []).append(
            {"party": r.party_id, "name": r.name,
             "master_rights_controller": r.master_rights_controller})
    return out


def list_releases(session: Session, sender: str | None = None, limit: int = 200,
                  offset: int = 0) -> dict:
    """Releases delivered by DDEX, newest message first; `sender` a MessageSender DPID."""
    q = select(DdexReleaseRow)
    if sender:
        q = q.where(DdexReleaseRow.sender == sender)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = list(session.execute(q.order_by(DdexReleaseRow.message_created_at.desc(),
                                           DdexReleaseRow.id).offset(offset).limit(limit))
                .scalars())
    labels = _labels(session, [r.id for r in rows])
    counts = dict(session.execute(select(DdexResourceRow.release_id, func.count()).where(
        DdexResourceRow.release_id.in_([r.id for r in rows])).group_by(
        DdexResourceRow.release_id)).all()) if rows else {}
    return {"total": total, "sender": sender, "releases": [
        {"id": r.id, "sender": r.sender, "icpn": r.icpn, "grid": r.grid, "title": r.title,
         "subtitle": r.subtitle, "display_title": r.display_title,
         "release_type": r.release_type, "tracks": len(r.recording_ids or []),
         "resources": counts.get(r.id, 0),
         "labels": [x["name"] for x in labels.get(r.id, [])],
         "taken_down": r.taken_down_at is not None, "message_id": r.message_id}
        for r in rows]}


def _find_release(session: Session, ref: str) -> DdexReleaseRow:
    row = session.get(DdexReleaseRow, ref)
    if row is None:
        row = session.execute(select(DdexReleaseRow).where(
            (DdexReleaseRow.icpn == ref) | (DdexReleaseRow.grid == ref))
            .order_by(DdexReleaseRow.id)).scalar()
    if row is None:
        raise NotFound(f"no DDEX release {ref!r} (give its id, ICPN or GRid; "
                       "see `accord catalog releases`)")
    return row


def _track(r: DdexRecordingRow | None, rec_id: str) -> dict:
    if r is None:  # held in a dispute, or delivered before titles were kept
        return {"recording": rec_id}
    return {"recording": rec_id, "isrc": r.isrc or None, "proprietary_id": r.proprietary_id,
            "title": r.title, "subtitle": r.subtitle, "display_title": r.display_title,
            "display_artists": r.display_artists, "withdrawn": r.withdrawn_at is not None,
            "withdrawn_by": r.withdrawn_by, "message_id": r.message_id}


def release(session: Session, ref: str) -> dict:
    """One release: tracks, non-audio resources, deals (territories, dates), labels, takedown
    state and its disputes."""
    row = _find_release(session, ref)
    ids = list(row.recording_ids or [])
    tracks = {r.recording_id: r for r in session.execute(select(DdexRecordingRow).where(
        DdexRecordingRow.recording_id.in_(ids))).scalars()} if ids else {}
    resources = [{"ref": r.resource_ref, "kind": r.kind, "type": r.type,
                  "ids": [list(x) for x in r.ids], "title": r.title}
                 for r in session.execute(select(DdexResourceRow).where(
                     DdexResourceRow.release_id == row.id).order_by(
                     DdexResourceRow.resource_ref)).scalars()]
    disputes = [{"id": d.id, "status": d.status, "claimant_sender": d.claimant_sender,
                 "fields": list(d.fields)}
                for d in session.execute(select(DdexDisputeRow).where(
                    DdexDisputeRow.entity_id.in_([row.id, *ids])).order_by(
                    DdexDisputeRow.opened_at)).scalars()]
    return {"id": row.id, "sender": row.sender, "icpn": row.icpn, "grid": row.grid,
            "title": row.title, "subtitle": row.subtitle, "display_title": row.display_title,
            "release_type": row.release_type,
            "labels": _labels(session, [row.id]).get(row.id, []),
            "tracks": [_track(tracks.get(i), i) for i in ids],
            "resources": resources, "deals": row.deals,
            "taken_down": row.taken_down_at is not None,
            "taken_down_at": fmt(row.taken_down_at) if row.taken_down_at else None,
            "taken_down_by": row.taken_down_by, "message_id": row.message_id,
            "message_created_at": fmt(row.message_created_at), "disputes": disputes}


def recording_by_isrc(session: Session, isrc: str) -> dict | None:
    """The registry's recording with this ISRC and what DDEX said of it; None if unknown."""
    norm = isrc.replace("-", "").upper()
    try:
        reg = rights_service.show(session, norm)
    except NotFound:
        return None
    if reg.get("kind") != "recording":
        return None
    dd = session.get(DdexRecordingRow, reg["id"])
    return {"kind": "recording", "isrc": norm, "registry": reg,
            "ddex": _track(dd, reg["id"]) | ({"release": dd.release_id} if dd else {})}
