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
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accord.catalog import ddex_disputes, ddex_xml
from accord.catalog.ddex import read_message
from accord.catalog.ddex_model import ErnMessage
from accord.catalog.ddex_plan import (  # noqa: F401  (equal_shares: part of this module's API)
    Planner,
    document_of,
    equal_shares,
    release_id,
)
from accord.catalog.ddex_store import (
    labels_summary,
    open_disputes,
    takes_down,
    withdraw,
)
from accord.catalog.ddex_store import (
    store_release as _store_release,  # the name tests replace to simulate a failure
)
from accord.catalog.tables import (
    DdexMessageRow,
    DdexRecordingRow,
    DdexReleaseRow,
)
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import AccordError, InvalidInput, Problem
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.timeutil import fmt, now


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


def _kind(msg: ErnMessage, existing: dict | None = None) -> str:
    if msg.purge:
        return "purge"
    existing = existing or {}
    if any(takes_down(rel, existing.get(release_id(msg, rel.key or "")))
           for rel in msg.releases):
        return "takedown"
    return "update" if msg.update else "new"


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
            summary["taken_down"] += withdraw(session, audit, recs, msg, at)
            summary["releases"].append(row.id)
    else:
        plan = Planner(session, msg, source).build()
        if plan.problems:
            raise InvalidInput(f"{source}: {len(plan.problems)} problem(s); nothing was "
                               "imported", plan.problems)
        doc = parse_document(document_of(plan), source)
        registry = rights_service.import_document(session, doc, f"ddex {msg.message_id}", audit)
        summary["registry"] = registry.to_json()
        session.flush()
        summary["disputes"] = []
        for rel in msg.releases:
            summary["releases"].append(_store_release(session, audit, msg, rel, plan,
                                                      existing, at, summary, contested))
        summary["disputes"] += open_disputes(session, msg, plan, at)
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
        summary["labels"] = labels_summary(msg, plan)
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
