"""Conflicting DDEX claims: disputes instead of overwrites.

A claim is a sender's statement about a recording (by ISRC), a work (by ISWC) or a release id
(ICPN/GRid). The claim in force is the one the registry holds; `catalog_ddex_claims` says which
sender's message it came from. When another sender's message claims the same recording or work
with different holders, shares or writers (or reuses a release id at all), nothing is
overwritten: a dispute records both claims, their messages and the fields that differ, and the
earlier claim stays in force (the permission rule and royalties read the registry, which is
unchanged) until an admin resolves the dispute:

- `keep`: the claim in force stays; the dispute is closed;
- `accept`: the new claim is applied through the rights service (validation and the audit chain
  apply), and its sender's claim is now the one in force.

The same sender updating its own data is an update, never a dispute.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.catalog.tables import (
    DdexClaimRow,
    DdexDisputeRow,
    DdexReleaseLabelRow,
    DdexReleaseRow,
    DdexResourceRow,
)
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.timeutil import fmt, now

#: What makes two claims on one entity different (the rule's inputs: holders, shares, writers).
FIELDS = {"recording": ("masters", "work"), "work": ("writers", "publishers")}
RESOLUTIONS = ("keep", "accept")


def _shares(value) -> dict[str, Decimal]:
    return {s["party"]: Decimal(str(s["share"])) for s in value or []}


def differing(kind: str, earlier: dict, claimed: dict) -> list[str]:
    """The fields whose values differ between the claim in force and a new claim (pure)."""
    out = []
    for f in FIELDS[kind]:
        a, b = earlier.get(f), claimed.get(f)
        if f in ("masters", "writers", "publishers"):
            a, b = _shares(a), _shares(b)
        if a != b:
            out.append(f)
    return out


def claim_of(session: Session, kind: str, entity_id: str) -> DdexClaimRow | None:
    return session.get(DdexClaimRow, (kind, entity_id))


def claims_on(session: Session, entity_ids: list[str]) -> dict[tuple[str, str], DdexClaimRow]:
    """The claims in force on these recordings and works: (kind, id) -> claim, one read."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return {}
    return {(r.kind, r.entity_id): r for r in session.execute(select(DdexClaimRow).where(
        DdexClaimRow.kind.in_(("recording", "work")), DdexClaimRow.entity_id.in_(ids)))
        .scalars()}


def set_claim(session: Session, kind: str, entity_id: str, sender: str, message_id: str,
              at: datetime) -> None:
    row = session.get(DdexClaimRow, (kind, entity_id))
    if row is None:
        session.add(DdexClaimRow(kind=kind, entity_id=entity_id, sender=sender,
                                 message_id=message_id, claimed_at=at))
    else:
        row.sender, row.message_id, row.claimed_at = sender, message_id, at


def set_claims(session: Session, kind: str, entity_ids: list[str], sender: str,
               message_id: str, at: datetime) -> None:
    """`set_claim` for many entities of one kind, with one read."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return
    rows = {r.entity_id: r for r in session.execute(select(DdexClaimRow).where(
        DdexClaimRow.kind == kind, DdexClaimRow.entity_id.in_(ids))).scalars()}
    for eid in ids:
        row = rows.get(eid)
        if row is None:
            session.add(DdexClaimRow(kind=kind, entity_id=eid, sender=sender,
                                     message_id=message_id, claimed_at=at))
        else:
            row.sender, row.message_id, row.claimed_at = sender, message_id, at


def registry_view(session: Session, entity_id: str) -> dict | None:
    """The registry's current data for a recording or work (through the rights service)."""
    try:
        return rights_service.show(session, entity_id)
    except NotFound:
        return None


def open_dispute(session: Session, kind: str, entity_id: str, key: str, claim: DdexClaimRow,
                 sender: str, message_id: str, fields: list[str], earlier: dict, claimed: dict,
                 document: dict, at: datetime) -> str:
    """Record a dispute (or refresh the open one of the same claimant on the same entity with
    its latest claim); returns its id."""
    row = session.execute(select(DdexDisputeRow).where(
        DdexDisputeRow.kind == kind, DdexDisputeRow.entity_id == entity_id,
        DdexDisputeRow.claimant_sender == sender, DdexDisputeRow.status == "open")).scalar()
    if row is None:
        did = "dsp-" + hashlib.sha256(f"{kind}\x1f{entity_id}\x1f{sender}\x1f{message_id}"
                                      .encode()).hexdigest()[:20]
        row = DdexDisputeRow(id=did, kind=kind, entity_id=entity_id, status="open",
                             opened_at=at)
        session.add(row)
    row.key = key[:300]
    row.earlier_sender, row.earlier_message_id = claim.sender, claim.message_id
    row.claimant_sender, row.claimant_message_id = sender, message_id
    row.fields, row.earlier, row.claimed, row.document = fields, earlier, claimed, document
    return row.id


def dispute_json(r: DdexDisputeRow) -> dict:
    return {"id": r.id, "kind": r.kind, "entity_id": r.entity_id, "key": r.key,
            "status": r.status, "fields": list(r.fields),
            "earlier": {"sender": r.earlier_sender, "message_id": r.earlier_message_id,
                        "claim": r.earlier},
            "claimant": {"sender": r.claimant_sender, "message_id": r.claimant_message_id,
                         "claim": r.claimed},
            "opened_at": fmt(r.opened_at),
            "resolved_at": fmt(r.resolved_at) if r.resolved_at else None,
            "resolved_by": r.resolved_by, "resolution_note": r.resolution_note}


def list_disputes(session: Session, status: str | None = "open") -> list[dict]:
    """Disputes, oldest first; `status` None for all (open, kept, accepted)."""
    q = select(DdexDisputeRow).order_by(DdexDisputeRow.opened_at, DdexDisputeRow.id)
    if status:
        if status not in ("open", "kept", "accepted"):
            raise InvalidInput(f"status {status!r} is not one of open, kept, accepted")
        q = q.where(DdexDisputeRow.status == status)
    return [dispute_json(r) for r in session.execute(q).scalars()]


def resolve(session: Session, dispute_id: str, resolution: str, audit: AuditLog,
            note: str = "") -> dict:
    """Close an open dispute: `keep` the claim in force or `accept` the new claim."""
    if resolution not in RESOLUTIONS:
        raise InvalidInput(f"resolution {resolution!r} is not one of {', '.join(RESOLUTIONS)}")
    row = session.get(DdexDisputeRow, dispute_id)
    if row is None:
        raise NotFound(f"no DDEX dispute {dispute_id!r} (see `accord catalog disputes`)")
    if row.status != "open":
        raise Refused(f"dispute {dispute_id} was already resolved ({row.status} at "
                      f"{fmt(row.resolved_at)} by {row.resolved_by})")
    at = now()
    if resolution == "accept":
        if row.kind == "release":
            _accept_release(session, row, at)
        else:
            doc = parse_document(row.document, f"dispute {row.id}")
            rights_service.import_document(session, doc, f"ddex dispute {row.id} accepted "
                                           f"(message {row.claimant_message_id})", audit)
        set_claim(session, row.kind, row.entity_id, row.claimant_sender,
                  row.claimant_message_id, at)
    row.status = "accepted" if resolution == "accept" else "kept"
    row.resolved_at, row.resolved_by, row.resolution_note = at, audit.actor, note[:2000] or None
    audit.append(f"ddex.dispute.{resolution}", "catalog_ddex_disputes", row.id,
                 {"kind": row.kind, "entity_id": row.entity_id, "fields": list(row.fields),
                  "earlier_sender": row.earlier_sender, "claimant_sender": row.claimant_sender},
                 reason=note or f"dispute {row.id}: {resolution}")
    session.flush()
    return dispute_json(row)


def _accept_release(session: Session, row: DdexDisputeRow, at: datetime) -> None:
    """The claimant's release state replaces the one in force (its sender now holds it)."""
    rel = session.get(DdexReleaseRow, row.entity_id)
    c = row.claimed
    rel.sender, rel.title, rel.subtitle = row.claimant_sender, c["title"], c.get("subtitle")
    rel.display_title, rel.release_type = c.get("display_title"), c.get("release_type")
    rel.recording_ids, rel.deals = c["recording_ids"], c["deals"]
    rel.message_id, rel.updated_at = row.claimant_message_id, at
    for old in session.execute(select(DdexReleaseLabelRow).where(
            DdexReleaseLabelRow.release_id == rel.id)).scalars():
        session.delete(old)
    for old in session.execute(select(DdexResourceRow).where(
            DdexResourceRow.release_id == rel.id)).scalars():
        session.delete(old)
    session.flush()
    for lab in c.get("labels", []):
        session.add(DdexReleaseLabelRow(release_id=rel.id, party_id=lab["party"],
                                        name=lab["name"], message_id=row.claimant_message_id,
                                        master_rights_controller=lab["master_rights_controller"]))
    for res in c.get("resources", []):
        session.add(DdexResourceRow(release_id=rel.id, resource_ref=res["ref"],
                                    kind=res["kind"], type=res.get("type"), ids=res["ids"],
                                    title=res.get("title"), message_id=row.claimant_message_id,
                                    updated_at=at))
