"""Importing DDEX ERN messages into the registry and the catalogue, one message per transaction.

A message is read (`accord.catalog.ddex`), turned into a rights document written through the
rights service (validation and the audit chain apply), and its catalogue side (releases, deals,
credits as sent, AI disclosure, takedowns) is stored in the catalogue's own tables. Any problem
rejects the whole message and nothing of it is written. The same MessageId from the same sender
is skipped and reported. Semantics and the element mapping: docs/catalog.md.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accord.catalog import ddex_disputes, ddex_xml
from accord.catalog.ddex import HUNDRED, read_message
from accord.catalog.ddex_model import ErnMessage, ErnParty, ErnRecording, ErnShare
from accord.catalog.tables import (
    DdexMessageRow,
    DdexRecordingRow,
    DdexReleaseLabelRow,
    DdexReleaseRow,
    DdexResourceRow,
)
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import AccordError, InvalidInput, Problem
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import WithdrawalAction
from accord.rights.tables import PartyRow, RecordingRow, WorkRow
from accord.timeutil import fmt, now

CENT = Decimal("0.01")


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _slug(value: str) -> str:
    return "".join(c for c in value.lower() if c.isalnum())[:60]


def release_id(msg: ErnMessage, key: str) -> str:
    """ICPN and GRid are global; a proprietary id is only unique within its sender."""
    return f"ddexrel-{key}" if not key.startswith("prop-") else \
        f"ddexrel-prop-{_h(msg.sender_dpid, key)}"


def equal_shares(n: int) -> list[Decimal]:
    """n shares of 100 in hundredths; the rounding residual goes to the first (sequence order)."""
    base = (HUNDRED / n).quantize(CENT, rounding="ROUND_DOWN")
    return [HUNDRED - base * (n - 1)] + [base] * (n - 1)


def _merge(shares: list[tuple[str, Decimal]]) -> list[dict]:
    """One entry per party (a party listed twice holds the sum), in first-seen order."""
    total: dict[str, Decimal] = {}
    for pid, s in shares:
        total[pid] = total.get(pid, Decimal(0)) + s
    return [{"party": p, "share": str(s)} for p, s in total.items()]


@dataclass
class _Plan:
    """The registry document and the catalogue rows one message becomes."""

    msg: ErnMessage
    problems: list[Problem] = field(default_factory=list)
    party_ids: dict[str, str] = field(default_factory=dict)  # PartyReference -> registry id
    parties: dict[str, dict] = field(default_factory=dict)
    works: dict[str, dict] = field(default_factory=dict)
    recordings: dict[str, dict] = field(default_factory=dict)  # ResourceReference -> doc
    held: dict[str, str] = field(default_factory=dict)  # ResourceReference -> id (disputed)
    held_works: set[str] = field(default_factory=set)
    disputes: list[dict] = field(default_factory=list)  # to open: kind, id, key, claim, ...
    labels: dict[str, list[dict]] = field(default_factory=dict)  # ReleaseReference -> labels


class _Planner:
    def __init__(self, session: Session, msg: ErnMessage, source: str) -> None:
        self.session, self.msg, self.source = session, msg, source
        self.plan = _Plan(msg)

    def bad(self, where: str, message: str) -> None:
        self.plan.problems.append(Problem(f"{self.source}:{where}", message))

    def party_id(self, p: ErnParty) -> str:
        """An existing registry party with the same ISNI or IPI keeps its id; otherwise a stable
        id from the ISNI, IPI or DPID, else from the sender and the PartyReference."""
        if p.ref in self.plan.party_ids:
            return self.plan.party_ids[p.ref]
        found = {}
        for col, value in (("isni", p.isni), ("ipi", p.ipi)):
            if value:
                row = self.session.execute(select(PartyRow.id).where(
                    getattr(PartyRow, col) == value)).scalar()
                if row:
                    found[col] = row
        if len(set(found.values())) > 1:
            self.bad(f"Party[{p.ref}]", f"its ISNI belongs to party {found['isni']!r} and its "
                     f"IPI to party {found['ipi']!r} in the registry")
        pid = (found.get("isni") or found.get("ipi")
               or (f"ddex-isni-{p.isni}" if p.isni else f"ddex-ipi-{p.ipi}" if p.ipi else
                   f"ddex-dpid-{_slug(p.dpid)}" if p.dpid else
                   f"ddex-{_h(self.msg.sender_dpid, p.ref)}"))
        self.plan.party_ids[p.ref] = pid
        return pid

    def use_party(self, ref: str, role: str) -> str:
        p = self.msg.parties[ref]
        pid = self.party_id(p)
        doc = self.plan.parties.get(pid)
        if doc is None:
            row = self.session.get(PartyRow, pid)
            roles = {r.role for r in row.roles} if row is not None else set()
            doc = {"id": pid, "name": p.name[:300], "roles": sorted(roles),
                   "isni": p.isni or (row.isni if row else None),
                   "ipi": p.ipi or (row.ipi if row else None)}
            if row is not None and row.demo:
                doc["demo"] = True
            self.plan.parties[pid] = doc
        if role not in doc["roles"]:
            doc["roles"] = sorted({*doc["roles"], role})
        return pid

    def shares(self, shares: tuple[ErnShare, ...], role: str) -> list[dict]:
        return _merge([(self.use_party(s.party_ref, role), s.share) for s in shares])

    def work_for(self, rec: ErnRecording, rec_id: str) -> str:
        w = self.msg.works.get(rec.work_ref) if rec.work_ref else None
        if w is None:  # no work named: a placeholder with no holders (default deny)
            wid = (f"work-ddex-rec-{_slug(rec.isrc)}" if rec.isrc else
                   f"work-ddex-rec-prop-{_h(self.msg.sender_dpid, rec.identity)}")
            if wid not in self.plan.works and self.session.get(WorkRow, wid) is None:
                self.plan.works[wid] = {"id": wid, "title": f"{rec.registry_title} (work not "
                                        "named in DDEX)"[:500]}
            return wid
        wid = None
        if w.iswc:
            digits = "".join(c for c in w.iswc.upper() if c.isalnum())  # T1234567890
            dotted = f"{digits[0]}-{digits[1:4]}.{digits[4:7]}.{digits[7:10]}-{digits[10:]}"
            wid = self.session.execute(select(WorkRow.id).where(
                WorkRow.iswc.in_([digits, dotted, w.iswc]))).scalar()
            wid = wid or f"work-ddex-iswc-{digits.lower()}"
        else:
            wid = f"work-ddex-{_h(self.msg.sender_dpid, rec.identity, w.ref)}"
        if wid in self.plan.works or wid in self.plan.held_works:
            return wid
        writers = list(dict.fromkeys(self.use_party(x.party_ref, "songwriter")
                                     for x in w.writers))
        if not writers:
            writer_shares = []
        elif all(x.share is not None for x in w.writers):
            writer_shares = _merge([(self.use_party(x.party_ref, "songwriter"), x.share)
                                    for x in w.writers])
        else:
            writer_shares = [{"party": p, "share": str(s)}
                             for p, s in zip(writers, equal_shares(len(writers)), strict=True)]
        doc = {"id": wid, "title": w.title[:500], "iswc": w.iswc, "writers": writer_shares,
               "publishers": self.shares(w.publishers, "publisher")}
        if not self.disputed("work", wid, w.iswc or wid, doc):
            self.plan.works[wid] = doc
        else:
            self.plan.held_works.add(wid)
        return wid

    def disputed(self, kind: str, entity_id: str, key: str, doc: dict) -> bool:
        """Whether another sender's claim is in force on this entity with different data: then
        the new claim is held as a dispute (nothing of it written to the registry)."""
        claim = ddex_disputes.claim_of(self.session, kind, entity_id)
        if claim is None or claim.sender == self.msg.sender_dpid:
            return False
        earlier = ddex_disputes.registry_view(self.session, entity_id)
        if earlier is None:
            return False
        fields = ddex_disputes.differing(kind, earlier, doc)
        if not fields:
            return False
        self.plan.disputes.append({"kind": kind, "entity_id": entity_id, "key": key,
                                   "claim": claim, "fields": fields, "earlier": earlier,
                                   "claimed": doc})
        return True

    def recording_id(self, rec: ErnRecording) -> str:
        if not rec.isrc:  # a proprietary id is only unique within its sender
            return f"rec-ddex-prop-{_h(self.msg.sender_dpid, rec.identity)}"
        row = self.session.execute(select(RecordingRow.id).where(
            RecordingRow.isrc == rec.isrc)).scalar()
        return row or f"rec-ddex-{rec.isrc.lower()}"

    def build(self) -> _Plan:
        wanted = {ref for rel in self.msg.releases for ref in rel.recording_refs}
        for ref, rec in self.msg.recordings.items():
            if ref not in wanted:
                continue
            rid = self.recording_id(rec)
            artists = list(dict.fromkeys(self.use_party(a, "performing_artist")
                                         for a, _role in rec.display_artists))
            doc = {"id": rid, "title": rec.registry_title[:500], "work": self.work_for(rec, rid),
                   "artists": artists, "masters": self.shares(rec.masters, "label")}
            if rec.isrc:
                doc["isrc"] = rec.isrc
            if self.disputed("recording", rid, rec.identity, doc):
                self.plan.held[ref] = rid
            else:
                self.plan.recordings[ref] = doc
        for rel in self.msg.releases:
            masters = {s["party"] for ref in rel.recording_refs
                       for s in (self.plan.recordings.get(ref) or {}).get("masters", [])}
            self.plan.labels[rel.ref] = [
                {"party": (pid := self.use_party(lab.party_ref, "label")), "name": lab.name,
                 "master_rights_controller": pid in masters} for lab in rel.labels]
        for key in ("isni", "ipi"):
            owner: dict[str, str] = {}
            for pid, doc in self.plan.parties.items():
                value = doc.get(key)
                if value and owner.setdefault(value, pid) != pid:
                    self.bad("PartyList", f"parties {owner[value]!r} and {pid!r} both claim "
                             f"{key.upper()} {value}")
        return self.plan


def _document(plan: _Plan) -> dict:
    parties = [{k: v for k, v in p.items() if v is not None} for p in plan.parties.values()]
    works = [{k: v for k, v in w.items() if v is not None} for w in plan.works.values()]
    return {"accord_rights_document": 1, "parties": parties, "works": works,
            "recordings": list(plan.recordings.values())}


@dataclass
class Outcome:
    """What happened to one file."""

    file: str
    status: str  # imported | duplicate | rejected
    message_id: str = ""
    kind: str = ""
    problems: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {"file": self.file, "status": self.status, "message_id": self.message_id}
        if self.kind:
            out["kind"] = self.kind
        if self.problems:
            out["problems"] = self.problems
        return out | self.details


def _takes_down(rel, row: DdexReleaseRow | None) -> bool:
    """An explicit `TakeDown` deal, or ERN 4's other convention: a message for a release we
    hold with deals that now carries none (the latest message's deals replace the earlier)."""
    return rel.taken_down or (row is not None and bool(row.deals) and not rel.deals)


def _kind(msg: ErnMessage, existing: dict | None = None) -> str:
    if msg.purge:
        return "purge"
    existing = existing or {}
    if any(_takes_down(rel, existing.get(release_id(msg, rel.key or "")))
           for rel in msg.releases):
        return "takedown"
    return "update" if msg.update else "new"


def _withdrawal_event_id(msg: ErnMessage, recording_id: str) -> str:
    """One takedown (or reinstatement) event per message and recording: re-applying is a no-op."""
    key = f"{msg.sender_dpid}\n{msg.message_id}\n{recording_id}".encode()
    return f"ddex-{hashlib.sha256(key).hexdigest()[:32]}"


def _withdraw(session: Session, audit: AuditLog, rows: list[DdexRecordingRow], msg: ErnMessage,
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


def _reinstate(session: Session, audit: AuditLog, r: DdexRecordingRow, msg: ErnMessage,
               at: datetime) -> None:
    rights_service.withdraw_recording(
        session, r.recording_id, WithdrawalAction.REINSTATE, at, audit,
        reason=f"DDEX message {msg.message_id} gives the release live deals again "
               f"(taken down by {r.withdrawn_by})",
        event_id=_withdrawal_event_id(msg, r.recording_id))
    r.withdrawn_at = r.withdrawn_by = None


def import_message(session: Session, msg: ErnMessage, source: str, file_sha256: str,
                   audit: AuditLog) -> Outcome:
    """Apply one message inside the caller's transaction; raises InvalidInput (nothing kept)."""
    if session.get(DdexMessageRow, (msg.sender_dpid, msg.message_id)) is not None:
        return Outcome(source, "duplicate", msg.message_id, _kind(msg),
                       details={"reason": "this MessageId from this sender was imported "
                                "before; skipped"})
    at = now()
    problems: list[Problem] = []
    existing: dict[str, DdexReleaseRow | None] = {}
    contested: set[str] = set()  # release ids another sender holds: a dispute, not an update
    for rel in msg.releases:
        rid = release_id(msg, rel.key or "")
        row = existing[rid] = session.get(DdexReleaseRow, rid)
        if row is not None and row.sender != msg.sender_dpid:
            contested.add(rid)
            continue
        if row is not None and row.message_created_at > msg.created_at:
            problems.append(Problem(f"{source}:Release[{rel.ref}]", (
                f"the message was created {fmt(msg.created_at)}, before message "
                f"{row.message_id!r} ({fmt(row.message_created_at)}) already applied to this "
                "release; a stale message is not applied")))
        if msg.purge and row is None:
            problems.append(Problem(f"{source}:PurgedRelease[{rel.ref}]",
                                    f"unknown release {rel.key}; nothing to take down"))
    if problems:
        raise InvalidInput(f"{source}: {len(problems)} problem(s); nothing was imported",
                           problems)
    kind = _kind(msg, {k: v for k, v in existing.items() if k not in contested})
    summary: dict = {"releases": [], "taken_down": [], "reinstated": []}
    if msg.purge:
        for rel in msg.releases:
            if release_id(msg, rel.key or "") in contested:
                owner = existing[release_id(msg, rel.key or "")].sender
                raise InvalidInput(f"{source}: PurgedRelease[{rel.ref}]: release {rel.key} was "
                                   f"delivered by another sender ({owner}); a sender can purge "
                                   "only its own releases; nothing was imported")
            row = existing[release_id(msg, rel.key or "")]
            row.taken_down_at = row.taken_down_at or at
            row.taken_down_by = row.taken_down_by or msg.message_id
            row.message_id, row.message_created_at, row.updated_at = \
                msg.message_id, msg.created_at, at
            recs = list(session.execute(select(DdexRecordingRow).where(
                DdexRecordingRow.recording_id.in_(row.recording_ids or []))).scalars())
            summary["taken_down"] += _withdraw(session, audit, recs, msg, at)
            summary["releases"].append(row.id)
    else:
        plan = _Planner(session, msg, source).build()
        if plan.problems:
            raise InvalidInput(f"{source}: {len(plan.problems)} problem(s); nothing was "
                               "imported", plan.problems)
        doc = parse_document(_document(plan), source)
        registry = rights_service.import_document(session, doc, f"ddex {msg.message_id}", audit)
        summary["registry"] = registry.to_json()
        session.flush()
        summary["disputes"] = []
        for rel in msg.releases:
            summary["releases"].append(_store_release(session, audit, msg, rel, plan,
                                                      existing, at, summary, contested))
        summary["disputes"] += _open_disputes(session, msg, plan, at)
        ddex_disputes.set_claims(session, "recording", [d["id"] for d in
                                                        plan.recordings.values()],
                                 msg.sender_dpid, msg.message_id, at)
        ddex_disputes.set_claims(session, "work", [w for w, d in plan.works.items()
                                                   if d.get("writers") or d.get("publishers")],
                                 msg.sender_dpid, msg.message_id, at)
        summary["recordings"] = sorted(r["id"] for r in plan.recordings.values())
        summary["held_in_dispute"] = sorted(plan.held.values()) + sorted(plan.held_works)
        summary["works"] = sorted(plan.works)
        summary["parties"] = sorted(plan.parties)
        summary["labels"] = _labels_summary(msg, plan)
        summary["resources"] = [{"ref": r.ref, "kind": r.kind, "type": r.type,
                                 "title": r.title} for r in msg.resources.values()]
        summary["notes"] = list(msg.notes)
    session.add(DdexMessageRow(
        sender=msg.sender_dpid, message_id=msg.message_id, thread_id=msg.thread_id,
        kind=kind, ern_version=msg.version, created_at=msg.created_at, imported_at=at,
        file_name=source[-2000:], file_sha256=file_sha256, summary=summary))
    audit.append("ddex.message", "ddex_messages", msg.message_id[:96],
                 {"sender": msg.sender_dpid, "message_id": msg.message_id,
                  "kind": kind, "sha256": file_sha256, **summary},
                 reason=f"import {source}")
    session.flush()
    return Outcome(source, "imported", msg.message_id, kind, details=summary)


def _release_state(msg: ErnMessage, rel, plan: _Plan) -> dict:
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


def _labels_summary(msg: ErnMessage, plan: _Plan) -> list[dict]:
    out: dict[str, dict] = {}
    for rel in msg.releases:
        for lab in plan.labels.get(rel.ref, []):
            entry = out.setdefault(lab["party"], {"party": lab["party"], "name": lab["name"],
                                                  "releases": [], "master_rights_controller":
                                                  False})
            entry["releases"].append(release_id(msg, rel.key or ""))
            entry["master_rights_controller"] |= lab["master_rights_controller"]
    return list(out.values())


def _open_disputes(session: Session, msg: ErnMessage, plan: _Plan, at) -> list[str]:
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


def _store_release(session, audit, msg, rel, plan, existing, at, summary,
                   contested=frozenset()) -> str:
    rid = release_id(msg, rel.key or "")
    row = existing[rid]
    state = _release_state(msg, rel, plan)
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
    down = _takes_down(rel, row)
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
            _reinstate(session, audit, r, msg, at)
            summary["reinstated"].append(r.recording_id)
        rows.append(r)
    session.flush()
    if down:
        summary["taken_down"] += _withdraw(session, audit, rows, msg, at)
    return rid


# --- reading ----------------------------------------------------------------------------------

def withdrawn(session: Session, recording_ids: list[str] | None = None) -> dict[str, dict]:
    """Recordings taken down by DDEX and not put back: id -> {withdrawn_at, withdrawn_by}.
    (The permission rule reads the registry's withdrawal events, not this view.)"""
    q = select(DdexRecordingRow).where(DdexRecordingRow.withdrawn_at.isnot(None))
    if recording_ids is not None:
        q = q.where(DdexRecordingRow.recording_id.in_(recording_ids))
    return {r.recording_id: {"withdrawn_at": fmt(r.withdrawn_at), "withdrawn_by": r.withdrawn_by}
            for r in session.execute(q).scalars()}


# --- files ------------------------------------------------------------------------------------

@dataclass
class DdexReport:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def to_json(self) -> dict:
        return {"imported": self.count("imported"),
                "duplicates_skipped": self.count("duplicate"),
                "rejected": [{"file": o.file, "message_id": o.message_id,
                              "problems": o.problems} for o in self.outcomes
                             if o.status == "rejected"],
                "messages": [o.to_json() for o in self.outcomes],
                "seconds": round(self.seconds, 3)}


def import_file(settings: Settings, path: Path, limits: ddex_xml.XmlLimits | None = None,
                actor: str = "catalog") -> Outcome:
    source = str(path)
    try:
        data, root = ddex_xml.load(Path(path), limits)
    except InvalidInput as exc:
        return Outcome(source, "rejected", problems=[str(exc).split("\n")[0]])
    msg, problems = read_message(root, source)
    if msg is None:
        return Outcome(source, "rejected", problems=[str(p) for p in problems])
    sha = hashlib.sha256(data).hexdigest()
    try:
        with session_scope(make_engine(settings.db_url)) as session:
            return import_message(session, msg, source, sha, AuditLog(session, actor))
    except AccordError as exc:
        found = [str(p) for p in exc.problems] or [str(exc)]
        return Outcome(source, "rejected", msg.message_id,
                       problems=[p if p.startswith(source) else f"{source}: {p}" for p in found])
    except IntegrityError as exc:  # a uniqueness the checks above did not foresee
        return Outcome(source, "rejected", msg.message_id, problems=[
            f"{source}: conflicts with data already in the registry ({exc.orig}); nothing was "
            "imported"])


def import_files(settings: Settings, paths: list[Path],
                 limits: ddex_xml.XmlLimits | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> DdexReport:
    """Each file is one message and one transaction, in the order given."""
    t0 = time.perf_counter()
    report = DdexReport()
    for i, p in enumerate(paths):
        report.outcomes.append(import_file(settings, p, limits))
        if progress:
            progress("ddex", i + 1, len(paths))
    report.seconds = time.perf_counter() - t0
    return report
