"""Storing what a DDEX message says of its releases in the catalogue's tables: the release, its
labels and non-audio resources, its recordings' credits as sent, takedowns and reinstatements
(withdrawal events through the rights service), and the disputes the plan held back."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.catalog import ddex_disputes
from accord.catalog.ddex_model import ErnMessage
from accord.catalog.ddex_plan import Plan, release_id
from accord.catalog.tables import (
    DdexRecordingRow,
    DdexReleaseLabelRow,
    DdexReleaseRow,
    DdexResourceRow,
)
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.model import WithdrawalAction


def takes_down(rel, row: DdexReleaseRow | None) -> bool:
    """An explicit `TakeDown` deal, or ERN 4's other convention: a message for a release we
    hold with deals that now carries none (the latest message's deals replace the earlier)."""
    return rel.taken_down or (row is not None and bool(row.deals) and not rel.deals)


def _withdrawal_event_id(msg: ErnMessage, recording_id: str) -> str:
    """One takedown (or reinstatement) event per message and recording: re-applying is a no-op."""
    key = f"{msg.sender_dpid}\n{msg.message_id}\n{recording_id}".encode()
    return f"ddex-{hashlib.sha256(key).hexdigest()[:32]}"


def withdraw(session: Session, audit: AuditLog, rows: list[DdexRecordingRow], msg: ErnMessage,
              at: datetime) -> list[str]:
    """Take the recordings down: a withdrawal event in the rights registry (which the permission
    rule reads: no use of any kind from `at`), and the message noted beside the catalogue row."""
    out = []
    for r in rows:
        if r.withdrawn_at is None:
            r.withdrawn_at, r.withdrawn_by, r.updated_at = at, msg.message_id, at
            rights_service.withdraw_recording(
                session, r.recording_id, WithdrawalAction.WITHDRAW, at, audit,
                reason=f"DDEX takedown in message {msg.message_id}",
                event_id=_withdrawal_event_id(msg, r.recording_id))
            out.append(r.recording_id)
    return out


def reinstate(session: Session, audit: AuditLog, r: DdexRecordingRow, msg: ErnMessage,
               at: datetime) -> None:
    rights_service.withdraw_recording(
        session, r.recording_id, WithdrawalAction.REINSTATE, at, audit,
        reason=f"DDEX message {msg.message_id} gives the release live deals again "
               f"(taken down by {r.withdrawn_by})",
        event_id=_withdrawal_event_id(msg, r.recording_id))
    r.withdrawn_at = r.withdrawn_by = None


def release_state(msg: ErnMessage, rel, plan: Plan) -> dict:
    """What a message says of a release, as the catalogue stores it."""
    rec_ids = [plan.recordings[r]["id"] if r in plan.recordings else plan.held[r]
               for r in rel.recording_refs if r in plan.recordings or r in plan.held]
    return {"title": rel.title[:500], "subtitle": rel.subtitle, "release_type": rel.release_type,
            "display_title": (rel.display_title or "")[:500] or None,
            "recording_ids": rec_ids, "labels": plan.labels.get(rel.ref, []),
            "deals": [{"territories": list(d.territories), "commercial_models":
                       list(d.commercial_models), "use_types": list(d.use_types),
                       "start": d.start, "end": d.end, "takedown": d.takedown,
                       "ended": d.ended} for d in rel.deals],
            "resources": [{"ref": r, "kind": msg.resources[r].kind,
                           "type": msg.resources[r].type, "ids": [list(x) for x in
                                                                   msg.resources[r].ids],
                           "title": msg.resources[r].title}
                          for r in rel.recording_refs if r in msg.resources]}


def labels_summary(msg: ErnMessage, plan: Plan) -> list[dict]:
    out: dict[str, dict] = {}
    for rel in msg.releases:
        for lab in plan.labels.get(rel.ref, []):
            entry = out.setdefault(lab["party"], {"party": lab["party"], "name": lab["name"],
                                                  "releases": [], "master_rights_controller":
                                                  False})
            entry["releases"].append(release_id(msg, rel.key or ""))
            entry["master_rights_controller"] |= lab["master_rights_controller"]
    return list(out.values())


def open_disputes(session: Session, msg: ErnMessage, plan: Plan, at) -> list[str]:
    ids = []
    for d in plan.disputes:
        claimed = d["claimed"]
        wanted = {s["party"] for f in ("masters", "writers", "publishers")
                  for s in claimed.get(f, [])} | set(claimed.get("artists", []))
        doc = {"accord_rights_document": 1,
               "parties": [{k: v for k, v in p.items() if v is not None}
                           for pid, p in plan.parties.items() if pid in wanted],
               ("recordings" if d["kind"] == "recording" else "works"):
                   [{k: v for k, v in claimed.items() if v is not None}]}
        ids.append(ddex_disputes.open_dispute(
            session, d["kind"], d["entity_id"], d["key"], d["claim"], msg.sender_dpid,
            msg.message_id, d["fields"], d["earlier"], claimed, doc, at))
    return ids


def store_release(session, audit, msg, rel, plan, existing, at, summary,
                   contested=frozenset()) -> str:
    rid = release_id(msg, rel.key or "")
    row = existing[rid]
    state = release_state(msg, rel, plan)
    if rid in contested:  # another sender's release id: a dispute; its tracks still arrive
        claim = ddex_disputes.claim_of(session, "release", rid)
        if claim is None:
            ddex_disputes.set_claim(session, "release", rid, row.sender, row.message_id, at)
            claim = ddex_disputes.claim_of(session, "release", rid)
        earlier = {"title": row.title, "recording_ids": row.recording_ids, "deals": row.deals}
        summary["disputes"].append(ddex_disputes.open_dispute(
            session, "release", rid, rel.key or rid, claim, msg.sender_dpid, msg.message_id,
            ["sender"], earlier, state, {}, at))
        _store_recordings(session, audit, msg, rel, plan, rid, at, summary, False)
        return rid
    down = takes_down(rel, row)
    if row is None:
        row = DdexReleaseRow(id=rid, sender=msg.sender_dpid)
        session.add(row)
    rec_ids = state["recording_ids"]
    row.subtitle, row.display_title = state["subtitle"], state["display_title"]
    row.release_type = (rel.release_type or "")[:64] or None
    row.icpn, row.grid, row.title = rel.icpn, rel.grid, rel.title[:500]
    row.recording_ids, row.message_id, row.message_created_at = rec_ids, msg.message_id, \
        msg.created_at
    row.deals = [{"territories": list(d.territories), "commercial_models":
                  list(d.commercial_models), "use_types": list(d.use_types), "start": d.start,
                  "end": d.end, "takedown": d.takedown, "ended": d.ended}
                 for d in rel.deals]
    row.updated_at = at
    ddex_disputes.set_claim(session, "release", rid, msg.sender_dpid, msg.message_id, at)
    if down:
        row.taken_down_at, row.taken_down_by = row.taken_down_at or at, \
            row.taken_down_by or msg.message_id
    elif rel.deals:  # a later message with live deals puts the release back
        row.taken_down_at = row.taken_down_by = None
    session.flush()
    _replace_children(session, row, state, msg, at)
    return _store_recordings(session, audit, msg, rel, plan, rid, at, summary, down)


def _replace_children(session, row, state: dict, msg: ErnMessage, at) -> None:
    """The release's labels and non-audio resources, as the latest message gives them."""
    for table in (DdexReleaseLabelRow, DdexResourceRow):
        for old in session.execute(select(table).where(table.release_id == row.id)).scalars():
            session.delete(old)
    session.flush()
    for lab in state["labels"]:
        session.add(DdexReleaseLabelRow(release_id=row.id, party_id=lab["party"],
                                        name=lab["name"][:300], message_id=msg.message_id,
                                        master_rights_controller=lab["master_rights_controller"]))
    for res in state["resources"]:
        session.add(DdexResourceRow(release_id=row.id, resource_ref=res["ref"][:200],
                                    kind=res["kind"], type=(res["type"] or "")[:100] or None,
                                    ids=res["ids"], title=(res["title"] or "")[:500] or None,
                                    message_id=msg.message_id, updated_at=at))


def _store_recordings(session, audit, msg, rel, plan, rid, at, summary, down) -> str:
    names = {ref: p.name for ref, p in msg.parties.items()}
    rows = []
    for ref in rel.recording_refs:
        if ref not in plan.recordings:  # a non-audio resource, or held in a dispute
            continue
        rec = msg.recordings[ref]
        doc = plan.recordings[ref]
        r = session.get(DdexRecordingRow, doc["id"]) or DdexRecordingRow(
            recording_id=doc["id"], withdrawn_at=None)
        if r not in session:
            session.add(r)
        r.release_id, r.isrc, r.message_id, r.updated_at = rid, rec.isrc, msg.message_id, at
        r.title, r.subtitle = rec.title[:500], (rec.subtitle or "")[:500] or None
        r.display_title = (rec.display_title or "")[:500] or None
        r.proprietary_id = None if rec.isrc else rec.identity[5:305]
        r.display_artists = [{"party": plan.party_ids[a], "name": names[a], "role": role}
                             for a, role in rec.display_artists]
        r.contributors = [{"party_reference": c, "name": names[c], "roles": list(roles)}
                          for c, roles in rec.contributors]
        r.ai_disclosure = dict(rec.ai)
        if not down and rel.deals and r.withdrawn_at is not None:
            reinstate(session, audit, r, msg, at)
            summary["reinstated"].append(r.recording_id)
        rows.append(r)
    session.flush()
    if down:
        summary["taken_down"] += withdraw(session, audit, rows, msg, at)
    return rid


# --- reading ----------------------------------------------------------------------------------

